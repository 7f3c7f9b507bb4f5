"""The app's sign-in, against the real accounts endpoints: POST /auth/sign-in, /auth/refresh
(rotating) and /auth/sign-out, with a technician's account linked to its record."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import expect

from api.core.domain import Role
from api.persistence.store import Store
from tests.conftest import add_tech
from tests.servers import ApiProcess
from tests.test_sessions import PASSWORD, make_account
from tests.test_tech_app import TECH, open_phone

REFRESH_KEY = "nextjob.tech.refreshToken"


@pytest.fixture
async def short_lived(mongo_uri: str, db_name: str, store: Store) -> AsyncIterator[ApiProcess]:
    """Trusted documents only, 6-second access tokens, and Sam's account for TECH."""
    await add_tech(store, TECH)
    await make_account(store, "sam", Role.TECHNICIAN, technician_id=TECH)
    env = {"NEXTJOB_TECH_TRUSTED_DOCUMENTS_ONLY": "true", "NEXTJOB_ACCESS_TOKEN_MINUTES": "0.1"}
    proc = ApiProcess(mongo_uri, db_name, extra_env=env)
    try:
        yield proc
    finally:
        proc.stop()


async def test_sign_in_stays_signed_in_through_refresh_and_signs_out(
    short_lived: ApiProcess,
) -> None:
    """A wrong password is refused; sign-in keeps a rotating refresh token, used as the
    access token nears expiry and on reopening; sign-out ends the session."""
    async with open_phone(None) as phone:
        page = phone.page
        await page.goto(f"{short_lived.base_url}/tech")
        await expect(page.locator("#app")).to_have_attribute("data-screen", "sign-in")
        await page.locator("#login").fill("sam")
        await page.locator("#password").fill("not the password at all")
        await page.locator("#sign-in button[type=submit]").tap()
        await expect(page.locator("#sign-in .error")).not_to_be_empty()

        await page.locator("#password").fill(PASSWORD)
        await page.locator("#sign-in button[type=submit]").tap()
        await expect(page.locator("#app")).to_have_attribute("data-screen", "off-duty")
        await expect(page.locator("#conn")).to_have_text("Live")
        first = await page.evaluate(f"localStorage.getItem('{REFRESH_KEY}')")
        assert first

        # The access token lives 6 s: the app renews it with the stored refresh token.
        async with page.expect_response(
            lambda r: r.url.endswith("/auth/refresh") and r.status == 200, timeout=20_000
        ):
            pass
        rotated = await page.evaluate(f"localStorage.getItem('{REFRESH_KEY}')")
        assert rotated and rotated != first

        # The next day: nothing in memory, the stored refresh token signs the app in.
        await page.reload()
        await expect(page.locator("#conn")).to_have_text("Live")
        await expect(page.locator("#app")).to_have_attribute("data-screen", "off-duty")

        async with page.expect_response(lambda r: r.url.endswith("/auth/sign-out")):
            await page.locator("#app button.link").tap()
        await expect(page.locator("#app")).to_have_attribute("data-screen", "sign-in")
        assert await page.evaluate(f"localStorage.getItem('{REFRESH_KEY}')") is None
        phone.wire.assert_only_trusted_documents()


async def test_signed_in_at_the_shared_page_opens_the_app(short_lived: ApiProcess) -> None:
    """A technician who signs in at /signin lands in /tech, signed in by the session
    cookie, with no second sign-in."""
    async with open_phone(None) as phone:
        page = phone.page
        await page.goto(f"{short_lived.base_url}/signin")
        await page.get_by_label("Email or username").fill("sam")
        await page.locator("#password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").tap()
        await expect(page).to_have_url(f"{short_lived.base_url}/tech/")
        await expect(page.locator("#app")).to_have_attribute("data-screen", "off-duty")
        await expect(page.locator("#conn")).to_have_text("Live")
