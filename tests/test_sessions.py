"""Sign-in and sessions over /auth/*, against a real API process and database.

People's accounts are made straight in the database (as `nextjob create-manager` does);
everything else goes through the HTTP endpoints a browser or the phone app uses.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from api.access.accounts import Accounts
from api.access.sessions import Sessions
from api.core.domain import Role
from api.core.principal import Principal
from api.persistence.store import Store
from tests.servers import ApiProcess

PASSWORD = "correct horse battery"
ME = "{ me { role subject } }"
BROWSER = {"X-Nextjob-CSRF": "1"}


async def make_account(
    store: Store,
    login: str,
    role: Role = Role.DISPATCHER,
    *,
    must_change: bool = False,
    name: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    accounts = Accounts(store, Sessions(store.db["sessions"], timedelta(days=1)))
    await accounts.ensure_indexes()
    doc, _ = await accounts.create(
        Principal(Role.MANAGER, "test"),
        login=login,
        display_name=name or login.title(),
        role=role,
        password=PASSWORD,
        must_change_password=must_change,
        **kw,
    )
    return doc


@pytest.fixture
async def http(api: ApiProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as client:
        yield client


async def app_sign_in(
    http: httpx.AsyncClient, login: str, password: str = PASSWORD
) -> httpx.Response:
    body = {"login": login, "password": password, "client": "app"}
    return await http.post("/auth/sign-in", json=body)


async def me(http: httpx.AsyncClient, access: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {access}"}
    return await http.post("/graphql", json={"query": ME}, headers=headers)


async def test_sign_in_gives_tokens_that_work(store: Store, http: httpx.AsyncClient) -> None:
    """The right password gives an access token the API accepts and a refresh token."""
    await make_account(store, "dana@example.com")
    r = await app_sign_in(http, "Dana@Example.com ")  # case and spaces do not matter
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["role"] == "DISPATCHER"
    assert body["refreshToken"].startswith("ses_")
    assert body["expiresIn"] == 600
    assert r.headers["cache-control"] == "no-store"
    answer = await me(http, body["accessToken"])
    assert answer.json()["data"]["me"]["role"] == "DISPATCHER"


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    store: Store, http: httpx.AsyncClient
) -> None:
    """A wrong password, an unknown name and a deactivated account are indistinguishable."""
    doc = await make_account(store, "sam")
    await make_account(store, "gone")
    await store.db["accounts"].update_one({"login_key": "gone"}, {"$set": {"active": False}})
    answers = [
        await app_sign_in(http, "sam", "wrong password!"),
        await app_sign_in(http, "nobody-here", "wrong password!"),
        await app_sign_in(http, "gone", PASSWORD),
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.text for a in answers}) == 1
    assert answers[0].json()["error"]["message"] == "wrong sign-in name or password"
    assert doc["_id"].startswith("acct_")


async def test_failed_sign_ins_are_throttled_per_account(
    store: Store, http: httpx.AsyncClient
) -> None:
    """After five quick tries one name gets 429 with Retry-After, even with the right password."""
    await make_account(store, "target")
    for _ in range(5):
        assert (await app_sign_in(http, "target", "guess guess guess")).status_code == 401
    blocked = await app_sign_in(http, "target")
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert blocked.json()["error"]["code"] == "RATE_LIMITED"
    # Another name from the same machine is not blocked by that name's budget.
    await make_account(store, "bystander")
    assert (await app_sign_in(http, "bystander")).status_code == 200


async def test_refresh_rotates_and_reuse_revokes_the_family(
    store: Store, http: httpx.AsyncClient
) -> None:
    """Each refresh gives a new refresh token; replaying an older one ends the whole session."""
    await make_account(store, "rota")
    first = (await app_sign_in(http, "rota")).json()
    r1 = await http.post("/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert r1.status_code == 200, r1.text
    second = r1.json()
    assert second["refreshToken"] != first["refreshToken"]
    r2 = await http.post("/auth/refresh", json={"refreshToken": second["refreshToken"]})
    assert r2.status_code == 200, r2.text
    third = r2.json()
    assert (await me(http, third["accessToken"])).status_code == 200

    replay = await http.post("/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert replay.status_code == 401
    assert "reused" in replay.json()["error"]["message"]
    # The thief's replay also ended the legitimate holder's tokens.
    after = await http.post("/auth/refresh", json={"refreshToken": third["refreshToken"]})
    assert after.status_code == 401
    assert (await me(http, third["accessToken"])).status_code == 401


async def test_a_page_that_left_mid_refresh_keeps_its_session(
    store: Store, http: httpx.AsyncClient
) -> None:
    """The token rotated out a moment ago (its answer never reached the page) is honoured
    once more within the grace period instead of signing the person out everywhere."""
    await make_account(store, "racer")
    first = (await app_sign_in(http, "racer")).json()
    lost = await http.post("/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert lost.status_code == 200  # the answer the leaving page never stored
    again = await http.post("/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert again.status_code == 200, again.text
    assert (await me(http, again.json()["accessToken"])).status_code == 200
    # The session rotated on: the lost answer's token is now the one that is stale.
    stale = lost.json()["refreshToken"]
    assert stale != again.json()["refreshToken"]


async def test_browser_refresh_uses_an_httponly_cookie_with_csrf_checks(
    store: Store, http: httpx.AsyncClient, api: ApiProcess
) -> None:
    """The browser's refresh token is a SameSite=Strict httpOnly cookie under /auth, and
    cookie calls need the CSRF header and our own Origin."""
    await make_account(store, "webby")
    body = {"login": "webby", "password": PASSWORD}
    plain = await http.post("/auth/sign-in", json=body)  # no CSRF header: an app, body mode
    assert "refreshToken" in plain.json()
    assert "set-cookie" not in plain.headers
    evil = {**BROWSER, "Origin": "https://evil.example"}
    assert (await http.post("/auth/sign-in", json=body, headers=evil)).status_code == 403
    r = await http.post("/auth/sign-in", json=body, headers=BROWSER)
    assert r.status_code == 200
    assert "refreshToken" not in r.json()
    cookie = r.headers["set-cookie"].lower()
    for part in ("nextjob_refresh=", "httponly", "samesite=strict", "path=/auth"):
        assert part in cookie
    assert "secure" not in cookie  # plain http in tests; Secure over https

    assert (await http.post("/auth/refresh")).status_code == 403
    assert (await http.post("/auth/refresh", headers=evil)).status_code == 403
    ok = await http.post("/auth/refresh", headers={**BROWSER, "Origin": api.base_url})
    assert ok.status_code == 200
    assert (await me(http, ok.json()["accessToken"])).status_code == 200


async def test_sign_out_ends_the_session(store: Store, http: httpx.AsyncClient) -> None:
    """After sign-out neither the access token nor the refresh token works."""
    await make_account(store, "leaver")
    tokens = (await app_sign_in(http, "leaver")).json()
    out = await http.post("/auth/sign-out", json={"refreshToken": tokens["refreshToken"]})
    assert out.status_code == 204
    assert (await me(http, tokens["accessToken"])).status_code == 401
    again = await http.post("/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert again.status_code == 401


async def test_sign_out_everywhere_ends_every_session(
    store: Store, http: httpx.AsyncClient
) -> None:
    """Signing out everywhere ends the person's other devices too."""
    await make_account(store, "many")
    phone = (await app_sign_in(http, "many")).json()
    laptop = (await app_sign_in(http, "many")).json()
    headers = {"Authorization": f"Bearer {laptop['accessToken']}"}
    r = await http.post("/auth/sign-out-everywhere", headers=headers)
    assert r.json() == {"ended": 2}
    assert (await me(http, phone["accessToken"])).status_code == 401
    assert (await me(http, laptop["accessToken"])).status_code == 401


async def test_temporary_password_must_be_changed_first(
    store: Store, http: httpx.AsyncClient
) -> None:
    """With a temporary password the access token only changes the password; then it works."""
    await make_account(store, "newbie", must_change=True)
    tokens = (await app_sign_in(http, "newbie")).json()
    assert tokens["mustChangePassword"] is True
    blocked = await me(http, tokens["accessToken"])
    assert blocked.json()["errors"][0]["extensions"]["code"] == "PASSWORD_CHANGE_REQUIRED"
    auth = {"Authorization": f"Bearer {tokens['accessToken']}"}
    weak = {"currentPassword": PASSWORD, "newPassword": "password123"}
    r = await http.post("/auth/password", json=weak, headers=auth)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "BAD_USER_INPUT"
    good = {"currentPassword": PASSWORD, "newPassword": "a quiet walnut harbour"}
    r = await http.post("/auth/password", json=good, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["mustChangePassword"] is False
    assert (await me(http, r.json()["accessToken"])).json()["data"]["me"]["subject"]
    assert (await app_sign_in(http, "newbie", "a quiet walnut harbour")).status_code == 200


async def test_deactivation_rejects_the_next_request(store: Store, http: httpx.AsyncClient) -> None:
    """A manager deactivates a dispatcher: their next request and refresh are refused."""
    await make_account(store, "boss", Role.MANAGER)
    victim = await make_account(store, "ex-dispatcher")
    boss = (await app_sign_in(http, "boss")).json()
    gone = (await app_sign_in(http, "ex-dispatcher")).json()
    assert (await me(http, gone["accessToken"])).status_code == 200
    mutation = "mutation($id: ID!) { deactivateAccount(id: $id) { active version } }"
    r = await http.post(
        "/graphql",
        json={"query": mutation, "variables": {"id": victim["_id"]}},
        headers={"Authorization": f"Bearer {boss['accessToken']}"},
    )
    assert r.json()["data"]["deactivateAccount"] == {"active": False, "version": 2}
    assert (await me(http, gone["accessToken"])).status_code == 401
    refreshed = await http.post("/auth/refresh", json={"refreshToken": gone["refreshToken"]})
    assert refreshed.status_code == 401
    assert (await app_sign_in(http, "ex-dispatcher")).status_code == 401


async def test_hostile_bodies_get_4xx_never_5xx(http: httpx.AsyncClient) -> None:
    """Garbage, wrong types and oversized fields on every /auth endpoint answer 4xx with a code."""
    bodies: list[Any] = [
        b"not json",
        b"[1, 2]",
        b'{"login": 5, "password": null}',
        b'{"login": {"$ne": ""}, "password": {"$ne": ""}, "client": "app"}',
        json.dumps({"login": "x" * 5000, "password": "y" * 5000, "client": "app"}).encode(),
        b'{"refreshToken": "ses_nope.forged"}',
        b'{"refreshToken": 12}',
        b"\xff\xfe",
    ]
    paths = ["sign-in", "refresh", "sign-out", "sign-out-everywhere", "password"]
    for path in paths:
        for body in bodies:
            for headers in ({}, BROWSER, {**BROWSER, "Authorization": "Bearer nonsense"}):
                r = await http.post(f"/auth/{path}", content=body, headers=headers)
                assert 400 <= r.status_code < 500 or r.status_code == 204, (path, body, r.text)
                if r.status_code != 204:
                    assert r.json()["error"]["code"], (path, body)


async def test_still_valid_reads_past_the_cache(store: Store) -> None:
    """A socket re-check after an announced revocation sees it at once, even in a process
    whose session cache still holds the session as live."""
    here = Sessions(store.db["sessions"], timedelta(days=1))
    elsewhere = Sessions(store.db["sessions"], timedelta(days=1))
    account = await make_account(store, "socketeer")
    issued = await here.start(
        {**account, "must_change_password": False}, client="app", agent="test"
    )
    principal = Principal(Role.DISPATCHER, account["subject"], session_id=issued.session["_id"])
    await here.check(principal)  # now cached as live here
    await elsewhere.revoke([issued.session["_id"]], "revoked by a manager elsewhere")
    assert await here.still_valid(principal) is False
