"""Signing in from a real browser (Debian's Chromium via Playwright): each role lands on
its page, a wrong password says so, a manager adds a dispatcher who then signs in, and
signing out ends the session. Screenshots go to tests/artifacts/ (docs/ holds copies for
the README).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, async_playwright, expect

from api.core.domain import Role
from api.ops.seed import seed_demo
from api.persistence.store import Store
from tests.browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS
from tests.servers import ROOT, ApiProcess
from tests.test_sessions import PASSWORD, make_account

pytestmark = pytest.mark.slow

DOCS = ROOT / "tests" / "artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    """A fresh Chromium profile; map tiles are unreachable (offline), as in the map test."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    expect.set_options(timeout=WAIT_MS)
    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            tmp_path / "profile",
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport=DESKTOP,
            timezone_id="America/Chicago",
        )
        try:
            await context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
            yield context
        finally:
            await context.close()


@pytest.fixture
async def page(browser: BrowserContext) -> Page:
    page = browser.pages[0] if browser.pages else await browser.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Deactivate ...?" confirmations
    return page


@pytest.fixture
async def api(mongo_uri: str, db_name: str, store: Store) -> AsyncIterator[ApiProcess]:
    """The demo company and one account per role (tech_01's for the technician)."""
    await seed_demo(store, "America/Chicago")
    await make_account(store, "morgan@example.com", Role.MANAGER, name="Morgan Reyes")
    await make_account(store, "dana", Role.DISPATCHER, name="Dana Brooks")
    await make_account(store, "casey", Role.CSR, name="Casey Lin")
    await make_account(
        store, "tech01", Role.TECHNICIAN, name="Maria Garcia", technician_id="tech_01"
    )
    proc = ApiProcess(mongo_uri, db_name)
    try:
        yield proc
    finally:
        proc.stop()


async def sign_in(page: Page, api: ApiProcess, login: str, password: str = PASSWORD) -> None:
    await page.goto(f"{api.base_url}/signin")
    await page.get_by_label("Email or username").fill(login)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def test_each_role_signs_in_and_lands_on_its_page(page: Page, api: ApiProcess) -> None:
    """Manager and dispatcher reach the live board, the CSR the desk, the technician /tech
    (and only the board's notice at /map); sign-out returns to /signin and ends the session."""
    for login, path in (("morgan@example.com", "/map/"), ("dana", "/map/")):
        await sign_in(page, api, login)
        await expect(page).to_have_url(f"{api.base_url}{path}")
        await expect(page.locator("#app")).to_have_attribute("data-ready", "true")
        await expect(page.locator("#conn")).to_have_text("Live")
        assert "token" not in page.url
        manager = login.startswith("morgan")
        await expect(page.locator("#accounts-link")).to_be_visible(visible=manager)
        if not manager:  # the Accounts page is the managers' alone
            await page.goto(f"{api.base_url}/console/accounts")
            await expect(page.get_by_text("Only managers can manage accounts.")).to_be_visible()
            await expect(page.locator("#create-form")).to_have_count(0)
            await page.goto(f"{api.base_url}/map/")
            await expect(page.locator("#conn")).to_have_text("Live")
        await page.locator("#logout").click()
        await expect(page).to_have_url(f"{api.base_url}/signin")
        await expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    await sign_in(page, api, "casey")  # a CSR: the booking desk
    await expect(page).to_have_url(f"{api.base_url}/console/desk/")
    await expect(page.locator("#app")).to_have_attribute("data-ready", "true")
    await page.locator("#logout").click()
    await expect(page).to_have_url(f"{api.base_url}/signin")

    await sign_in(page, api, "tech01")
    await expect(page).to_have_url(re.compile(re.escape(api.base_url) + r"/tech/?$"))
    await page.goto(f"{api.base_url}/map/")  # the board is not a technician's
    await expect(page.locator("#not-for-you")).to_be_visible()
    await page.locator("#logout").click()
    await expect(page).to_have_url(f"{api.base_url}/signin")
    # Signed out means signed out: the board sends us back to sign in.
    await page.goto(f"{api.base_url}/map/")
    await expect(page).to_have_url(f"{api.base_url}/signin?next=%2Fmap%2F")


async def test_wrong_password_says_so_then_throttles(page: Page, api: ApiProcess) -> None:
    """A wrong password gets a plain message; repeated tries are told to wait."""
    await page.set_viewport_size(PHONE)
    await sign_in(page, api, "dana", "not my password at all")
    error = page.locator("#signin-error")
    await expect(error).to_have_text("Wrong email/username or password.")
    DOCS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=DOCS / "signin-error-390.png")
    for _ in range(5):
        await page.get_by_role("button", name="Sign in").click()
    await expect(error).to_contain_text("Too many attempts")
    await expect(page).to_have_url(f"{api.base_url}/signin")


async def test_manager_adds_a_dispatcher_who_signs_in(
    page: Page, browser: BrowserContext, api: ApiProcess
) -> None:
    """A manager creates a dispatcher on the Accounts page; the dispatcher signs in with
    the temporary password, must choose a new one, and lands on the board."""
    await page.set_viewport_size(PHONE)
    await page.goto(f"{api.base_url}/signin")
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    DOCS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=DOCS / "signin-390.png")
    await page.set_viewport_size(DESKTOP)
    await page.screenshot(path=DOCS / "signin-1280.png")

    await sign_in(page, api, "morgan@example.com")
    await expect(page).to_have_url(f"{api.base_url}/map/")
    await page.locator("#accounts-link").click()
    await expect(page).to_have_url(f"{api.base_url}/console/accounts")
    await expect(page.locator("#app")).to_have_attribute("data-ready", "true")
    await page.get_by_label("Name", exact=True).fill("Riley Park")
    await page.get_by_label("Email or username").fill("riley@example.com")
    await page.get_by_label("Role", exact=True).select_option("DISPATCHER")
    await page.get_by_role("button", name="Create account").click()
    await expect(page.locator("#created")).to_be_visible()
    temporary = (await page.locator("#created-password").text_content() or "").strip()
    assert len(temporary) >= 10
    riley = page.locator('.person[data-login="riley@example.com"]')
    await expect(riley).to_contain_text("Temporary password")
    await page.screenshot(path=DOCS / "accounts-1280.png", full_page=True)
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=DOCS / "accounts-390.png", full_page=True)
    await riley.get_by_text("Rename").click()
    await riley.get_by_label("New name for Riley Park").fill("Riley Park-Nguyen")
    await riley.get_by_role("button", name="Save name").click()
    await expect(riley.locator(".person-name")).to_have_text("Riley Park-Nguyen")

    await page.get_by_role("button", name="Sign out", exact=True).click()
    await expect(page).to_have_url(f"{api.base_url}/signin")
    await sign_in(page, api, "riley@example.com", temporary)
    await expect(page.get_by_text("Choose your own password")).to_be_visible()
    await page.get_by_label("Temporary password").fill(temporary)
    await page.get_by_label("New password", exact=True).fill("riley keeps the vans moving")
    await page.get_by_label("New password again").fill("riley keeps the vans moving")
    await page.get_by_role("button", name="Save and continue").click()
    await expect(page).to_have_url(f"{api.base_url}/map/")
    await expect(page.locator("#conn")).to_have_text("Live")
    await expect(page.locator("#who")).to_have_text("Riley Park-Nguyen")


async def test_a_deactivated_dispatcher_is_sent_to_sign_in(page: Page, api: ApiProcess) -> None:
    """After a manager deactivates a dispatcher, the open board cannot renew its session
    and lands on the sign-in page."""
    await sign_in(page, api, "dana")
    await expect(page.locator("#conn")).to_have_text("Live")
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        body = {"login": "morgan@example.com", "password": PASSWORD, "client": "app"}
        boss = (await http.post("/auth/sign-in", json=body)).json()["accessToken"]
        accounts = await http.post(
            "/graphql",
            json={"query": "{ accounts { id login } }"},
            headers={"Authorization": f"Bearer {boss}"},
        )
        dana = next(a for a in accounts.json()["data"]["accounts"] if a["login"] == "dana")
        deactivate = "mutation($id: ID!) { deactivateAccount(id: $id) { active } }"
        r = await http.post(
            "/graphql",
            json={"query": deactivate, "variables": {"id": dana["id"]}},
            headers={"Authorization": f"Bearer {boss}"},
        )
        assert r.json()["data"]["deactivateAccount"]["active"] is False
    # The board's next request (here: a reload's refresh) is refused: back to sign in.
    await page.reload()
    await expect(page).to_have_url(f"{api.base_url}/signin?next=%2Fmap%2F")


@pytest.fixture
async def short_lived(mongo_uri: str, db_name: str, store: Store) -> AsyncIterator[ApiProcess]:
    """The demo company with 6-second access tokens."""
    await seed_demo(store, "America/Chicago")
    await make_account(store, "dana", Role.DISPATCHER, name="Dana Brooks")
    await make_account(store, "morgan@example.com", Role.MANAGER, name="Morgan Reyes")
    proc = ApiProcess(mongo_uri, db_name, extra_env={"NEXTJOB_ACCESS_TOKEN_MINUTES": "0.1"})
    try:
        yield proc
    finally:
        proc.stop()


async def test_the_board_outlives_its_access_tokens(page: Page, short_lived: ApiProcess) -> None:
    """The board renews its access token from the session cookie before it expires, and
    its live stream, ended by the expired token, reconnects by itself without an error."""
    await sign_in(page, short_lived, "dana")
    await expect(page.locator("#conn")).to_have_text("Live")
    async with page.expect_response(
        lambda r: r.url.endswith("/auth/refresh") and r.status == 200, timeout=20_000
    ):
        pass
    async with page.expect_event("websocket", timeout=20_000) as reconnected:
        pass
    socket = await reconnected.value
    assert socket.url.endswith("/graphql")
    await expect(page.locator("#conn")).to_have_text("Live")
    await expect(page.locator("#toast.error")).to_have_count(0)
    await expect(page).to_have_url(f"{short_lived.base_url}/map/")


async def test_a_revoked_dispatchers_open_board_is_signed_out(
    page: Page, short_lived: ApiProcess
) -> None:
    """A manager signs a dispatcher out everywhere while the board is open: the board
    cannot renew its session and goes to the sign-in page by itself (at the latest when
    its access token ends; at once where sockets close on the announced revocation)."""
    await sign_in(page, short_lived, "dana")
    await expect(page.locator("#conn")).to_have_text("Live")
    async with httpx.AsyncClient(base_url=short_lived.base_url) as http:
        body = {"login": "morgan@example.com", "password": PASSWORD, "client": "app"}
        access = (await http.post("/auth/sign-in", json=body)).json()["accessToken"]
        boss = {"Authorization": f"Bearer {access}"}
        listed = await http.post(
            "/graphql", json={"query": "{ accounts { id login } }"}, headers=boss
        )
        dana = next(a for a in listed.json()["data"]["accounts"] if a["login"] == "dana")
        revoke = "mutation($id: ID!) { revokeAccountSessions(id: $id) { active } }"
        r = await http.post(
            "/graphql", json={"query": revoke, "variables": {"id": dana["id"]}}, headers=boss
        )
        assert r.json()["data"]["revokeAccountSessions"]["active"] is True
    await expect(page).to_have_url(f"{short_lived.base_url}/signin?next=%2Fmap%2F", timeout=30_000)
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()


async def test_a_person_changes_their_own_password(page: Page, api: ApiProcess) -> None:
    """A dispatcher changes their password from the board; the old one stops working."""
    await page.set_viewport_size(PHONE)
    await sign_in(page, api, "dana")
    await expect(page.locator("#conn")).to_have_text("Live")
    await page.get_by_role("link", name="Password").click()
    await expect(page.get_by_text("Change your password")).to_be_visible()
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_label("New password", exact=True).fill("the board never sleeps today")
    await page.get_by_label("New password again").fill("the board never sleeps today")
    await page.get_by_role("button", name="Save and continue").click()
    await expect(page).to_have_url(f"{api.base_url}/map/")
    await expect(page.locator("#conn")).to_have_text("Live")
    await page.locator("#logout").click()
    await expect(page).to_have_url(f"{api.base_url}/signin")
    await sign_in(page, api, "dana")
    await expect(page.locator("#signin-error")).to_have_text("Wrong email/username or password.")
    await sign_in(page, api, "dana", "the board never sleeps today")
    await expect(page).to_have_url(f"{api.base_url}/map/")
