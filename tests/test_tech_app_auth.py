"""The app's sign-in, against the accounts contract: POST /auth/sign-in {login, password}
-> {accessToken, refreshToken}; POST /auth/refresh rotates; POST /auth/sign-out.

Until the accounts branch serves those endpoints, the browser answers them here with tokens
the real API accepts; everything after sign-in (the socket, the operations) is the real
server. Replace the routes with the real endpoints when accounts is merged."""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import Route, expect

from tests.gql import token
from tests.servers import ApiProcess
from tests.test_tech_app import TECH, api, open_phone

__all__ = ["api"]  # the fixture, shared with test_tech_app

REFRESH_KEY = "nextjob.tech.refreshToken"


async def test_sign_in_stays_signed_in_through_refresh_and_signs_out(api: ApiProcess) -> None:
    """Sign-in keeps a refresh token, used near expiry and on reopening; sign-out ends it."""
    calls: list[tuple[str, dict[str, Any]]] = []
    issued = iter(["refresh-2", "refresh-3", "refresh-4"])

    async def accounts(route: Route) -> None:
        path = route.request.url.rsplit("/auth/", 1)[1]
        body = json.loads(route.request.post_data or "{}")
        calls.append((path, body))
        if path == "sign-in" and body == {"login": "sam", "password": "wrench"}:
            # A token about to expire: the app must refresh before using it.
            short = token("technician", TECH, hours=10 / 3600)
            answer: dict[str, Any] = {"accessToken": short, "refreshToken": "refresh-1"}
        elif path == "refresh":
            answer = {"accessToken": token("technician", TECH), "refreshToken": next(issued)}
        elif path == "sign-out":
            answer = {}
        else:
            await route.fulfill(status=401, json={"error": "wrong login or password"})
            return
        await route.fulfill(json=answer)

    async with open_phone(None) as phone:
        page = phone.page
        await phone.context.route("**/auth/*", accounts)
        await page.goto(f"{api.base_url}/tech")
        await expect(page.locator("#app")).to_have_attribute("data-screen", "sign-in")
        await page.locator("#login").fill("sam")
        await page.locator("#password").fill("nope")
        await page.locator("#sign-in button[type=submit]").tap()
        await expect(page.locator("#sign-in .error")).to_have_text("wrong login or password")

        await page.locator("#password").fill("wrench")
        await page.locator("#sign-in button[type=submit]").tap()
        await expect(page.locator("#app")).to_have_attribute("data-screen", "off-duty")
        await expect(page.locator("#conn")).to_have_text("Live")
        assert ("refresh", {"refreshToken": "refresh-1"}) in calls
        assert await page.evaluate(f"localStorage.getItem('{REFRESH_KEY}')") == "refresh-2"

        # The next day: nothing in memory, the stored refresh token signs the app in.
        await page.reload()
        await expect(page.locator("#conn")).to_have_text("Live")
        await expect(page.locator("#app")).to_have_attribute("data-screen", "off-duty")
        assert calls[-1] == ("refresh", {"refreshToken": "refresh-2"})

        await page.locator("#app button.link").tap()
        await expect(page.locator("#app")).to_have_attribute("data-screen", "sign-in")
        assert calls[-1] == ("sign-out", {"refreshToken": "refresh-3"})
        assert await page.evaluate(f"localStorage.getItem('{REFRESH_KEY}')") is None
        phone.wire.assert_only_trusted_documents()
