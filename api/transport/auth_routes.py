"""Sign-in over plain HTTP JSON, under /auth/ (the logic is `api.access.signin`).

    POST /auth/sign-in            {login, password, client?}  -> access token (+ refresh)
    POST /auth/refresh            {refreshToken?}              -> new access + refresh
    POST /auth/sign-out           {refreshToken?} or Bearer    -> 204
    POST /auth/sign-out-everywhere   Bearer                    -> {ended}
    POST /auth/password           Bearer {currentPassword, newPassword} -> new access token

Browsers get the refresh token in an httpOnly, SameSite=Strict cookie scoped to /auth
(Secure over https) and keep the access token in memory. Because a cookie is sent by
the browser on its own, every call that may use it must carry `X-Nextjob-CSRF: 1` (a
custom header other sites cannot send without a CORS preflight we never grant) and, if
the browser names an Origin, our own. Apps (and any caller without that header, or with
`"client": "app"`) get the refresh token in the body instead, and send it back in the body.
"""

from __future__ import annotations

import json
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api.access.accounts import Accounts
from api.access.front_door import Access
from api.access.signin import Grant, SignIn, SignInThrottled
from api.access.tokens import bearer_from_header, verify_token
from api.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NextjobError,
    NotFound,
    Unauthenticated,
    Unavailable,
)
from api.core.principal import Principal
from api.core.settings import Settings
from api.persistence.store import Store
from realtime import Broker, Event, credentials_channel

COOKIE: Final = "nextjob_refresh"
CSRF_HEADER: Final = "x-nextjob-csrf"
_MAX_BODY: Final = 16 * 1024
_STATUS: Final = {
    Unauthenticated: 401,
    Forbidden: 403,
    InvalidInput: 400,
    NotFound: 404,
    Conflict: 409,
    SignInThrottled: 429,
    Unavailable: 503,
}
_NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def open_people(store: Store, access: Access, broker: Broker, settings: Settings) -> SignIn:
    """Accounts and sign-in for the app; revocations are announced on the broker."""
    if access.sessions is None:
        raise RuntimeError("open_access makes the sessions store")
    sessions = access.sessions

    async def announce(keys: Any) -> None:
        for key in keys:
            await broker.publish(credentials_channel(), Event(kind="credential", id=key, version=0))

    sessions.announce = announce
    accounts = Accounts(store, sessions)
    await accounts.ensure_indexes()
    return SignIn(accounts, sessions, access.limiter, settings)


def auth_routes() -> list[BaseRoute]:
    return [
        Route("/auth/sign-in", _guarded(sign_in), methods=["POST"]),
        Route("/auth/refresh", _guarded(refresh), methods=["POST"]),
        Route("/auth/sign-out", _guarded(sign_out), methods=["POST"]),
        Route("/auth/sign-out-everywhere", _guarded(sign_out_everywhere), methods=["POST"]),
        Route("/auth/password", _guarded(change_password), methods=["POST"]),
    ]


def _guarded(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            response: Response = await handler(request, await _body(request))
        except NextjobError as exc:
            status = next((s for t, s in _STATUS.items() if isinstance(exc, t)), 500)
            headers = dict(_NO_STORE)
            if isinstance(exc, SignInThrottled):
                headers["Retry-After"] = str(exc.retry_after)
            error = {"code": exc.code, "message": exc.message}
            return JSONResponse({"error": error}, status, headers=headers)
        response.headers.update(_NO_STORE)
        return response

    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    if int(request.headers.get("content-length") or 0) > _MAX_BODY:
        raise InvalidInput("the request body is too large")
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput("the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    return body


def _people(request: Request) -> SignIn:
    people: SignIn = request.app.state.signin
    return people


def _secure(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    return request.url.scheme == "https" or (settings.public_url or "").startswith("https:")


def _check_csrf(request: Request) -> None:
    """A cookie-carrying call must come from our own pages."""
    if request.headers.get(CSRF_HEADER) != "1":
        raise Forbidden(f"missing the {CSRF_HEADER} header")
    origin = request.headers.get("origin")
    if origin is None:
        return
    settings: Settings = request.app.state.settings
    own = {f"{request.url.scheme}://{request.headers.get('host', '')}"}
    if settings.public_url:
        own.add(settings.public_url.rstrip("/"))
    if origin not in own:
        raise Forbidden("cross-origin request refused")


def _answer(request: Request, grant: Grant, in_body: bool) -> JSONResponse:
    body = grant.body()
    if in_body:
        body["refreshToken"] = grant.refresh_token
        return JSONResponse(body)
    response = JSONResponse(body)
    if grant.refresh_token:
        settings: Settings = request.app.state.settings
        response.set_cookie(
            COOKIE,
            grant.refresh_token,
            max_age=int(settings.session_days * 86400),
            path="/auth",
            secure=_secure(request),
            httponly=True,
            samesite="strict",
        )
    return response


def _forget_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/auth", secure=_secure(request), httponly=True, samesite="strict"
    )


def _refresh_token(request: Request, body: dict[str, Any]) -> tuple[str | None, bool]:
    """The refresh token (from the body for apps, else the cookie) and where it was."""
    token = body.get("refreshToken")
    if isinstance(token, str) and token:
        return token, True
    _check_csrf(request)
    return request.cookies.get(COOKIE), False


def _bearer(request: Request) -> Principal:
    settings: Settings = request.app.state.settings
    token = bearer_from_header(request.headers.get("authorization"))
    return verify_token(settings.signing_secret(), token)


async def sign_in(request: Request, body: dict[str, Any]) -> Response:
    """Cookie mode for our pages (they send the CSRF header); otherwise the refresh token
    comes back in the body, which a forged cross-site request can neither read nor use."""
    app = body.get("client") == "app" or CSRF_HEADER not in request.headers
    if not app:
        _check_csrf(request)
    login, password = body.get("login"), body.get("password")
    if not isinstance(login, str) or not isinstance(password, str):
        raise InvalidInput("send login and password")
    grant = await _people(request).sign_in(
        login,
        password,
        address=request.client.host if request.client else "unknown",
        client="app" if app else "browser",
        agent=request.headers.get("user-agent", ""),
    )
    return _answer(request, grant, in_body=app)


async def refresh(request: Request, body: dict[str, Any]) -> Response:
    token, in_body = _refresh_token(request, body)
    if not token:
        raise Unauthenticated("not signed in")
    try:
        grant = await _people(request).refresh(token)
    except Unauthenticated as exc:
        error = {"code": exc.code, "message": exc.message}
        response = JSONResponse({"error": error}, 401)
        if not in_body:
            _forget_cookie(request, response)
        return response
    return _answer(request, grant, in_body)


async def sign_out(request: Request, body: dict[str, Any]) -> Response:
    """End this session, named by its refresh token (body or cookie) or access token."""
    people = _people(request)
    response = Response(status_code=204)
    bearer = request.headers.get("authorization")
    token: str | None = None
    in_body = isinstance(body.get("refreshToken"), str)
    if in_body or not bearer or request.headers.get(CSRF_HEADER):
        token, in_body = _refresh_token(request, body)
    if bearer:
        try:
            principal = _bearer(request)
        except Unauthenticated:
            principal = None  # an expired access token still may sign out by cookie
        if principal is not None and principal.session_id:
            await people.sign_out(principal.session_id)
    if token:
        await people.sessions.end_by_refresh(token)
    if not in_body:
        _forget_cookie(request, response)
    return response


async def sign_out_everywhere(request: Request, body: dict[str, Any]) -> Response:
    ended = await _people(request).sign_out_everywhere(_bearer(request))
    response = JSONResponse({"ended": ended})
    _forget_cookie(request, response)
    return response


async def change_password(request: Request, body: dict[str, Any]) -> Response:
    current, new = body.get("currentPassword"), body.get("newPassword")
    if not isinstance(current, str) or not isinstance(new, str):
        raise InvalidInput("send currentPassword and newPassword")
    grant = await _people(request).change_password(_bearer(request), current, new)
    return _answer(request, grant, in_body=False)
