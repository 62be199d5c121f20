"""Sign-up, sign-in and session endpoints. The SPA gets the refresh token as an HttpOnly cookie;
integrators ask for it in the body with `return_refresh_token`."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Depends, Request, Response, status

from qms.auth import service
from qms.auth.dependencies import CurrentUser, public
from qms.auth.schemas import (
    EmailVerified,
    LoginRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    SignupRequest,
    TokenRequest,
    TokenResponse,
)
from qms.deps import Session, State
from qms.errors import Forbidden, Unauthenticated

router = APIRouter(prefix="/auth", tags=["auth"])

REFRESH_COOKIE = "qms_refresh"
CSRF_COOKIE = "qms_csrf"
CSRF_HEADER = "x-csrf-token"
COOKIE_PATH = "/api/v1/auth"


def _set_session_cookies(response: Response, state: State, refresh_token: str) -> None:
    secure = state.settings.public_url.startswith("https://")
    max_age = state.settings.refresh_token_ttl_days * 86400
    response.set_cookie(
        REFRESH_COOKIE,
        refresh_token,
        max_age=max_age,
        httponly=True,
        secure=secure,
        samesite="strict",
        path=COOKIE_PATH,
    )
    # Double-submit CSRF token: readable by the SPA's own origin only, echoed in a header.
    response.set_cookie(
        CSRF_COOKIE,
        secrets.token_urlsafe(24),
        max_age=max_age,
        httponly=False,
        secure=secure,
        samesite="strict",
        path="/",
    )


def _clear_session_cookies(response: Response) -> None:
    response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH)
    response.delete_cookie(CSRF_COOKIE, path="/")


def _refresh_token_from(request: Request, body_token: str | None) -> str:
    """The body token (integrators) needs no CSRF check; the cookie does."""
    if body_token:
        return body_token
    cookie = request.cookies.get(REFRESH_COOKIE)
    if not cookie:
        raise Unauthenticated("No refresh token.", code="auth.refresh_invalid")
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected, sent):
        raise Forbidden("Missing or wrong CSRF token.", code="auth.csrf_failed")
    return cookie


def _reply(
    response: Response, state: State, issued: service.IssuedTokens, in_body: bool
) -> TokenResponse:
    """Browser clients get the refresh token as a cookie; integrators in the body instead."""
    if in_body:
        issued.response.refresh_token = issued.refresh_token
    else:
        _set_session_cookies(response, state, issued.refresh_token)
    return issued.response


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    operation_id="auth:signup",
    dependencies=[Depends(public)],
)
async def signup(
    body: SignupRequest, response: Response, session: Session, state: State
) -> TokenResponse:
    """Create an account (and a workspace owned by it, unless joining by invitation)."""
    user = await service.signup(session, state, body)
    membership = await service.default_membership(session, user.id)
    issued = await service.start_session(session, state, user, membership)
    return _reply(response, state, issued, body.return_refresh_token)


@router.post("/login", operation_id="auth:login", dependencies=[Depends(public)])
async def login(
    body: LoginRequest, response: Response, session: Session, state: State
) -> TokenResponse:
    issued = await service.login(session, state, body.email, body.password, body.totp_code)
    return _reply(response, state, issued, body.return_refresh_token)


@router.post("/refresh", operation_id="auth:refresh", dependencies=[Depends(public)])
async def refresh(
    request: Request,
    response: Response,
    session: Session,
    state: State,
    body: RefreshRequest | None = None,
) -> TokenResponse:
    """Rotate the refresh token. Replaying a used one revokes the whole session."""
    body = body or RefreshRequest()
    token = _refresh_token_from(request, body.refresh_token)
    issued = await service.refresh(session, state, token)
    return _reply(response, state, issued, body.return_refresh_token or bool(body.refresh_token))


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="auth:logout",
    dependencies=[Depends(public)],
)
async def logout(
    request: Request,
    response: Response,
    session: Session,
    state: State,
    body: RefreshRequest | None = None,
) -> None:
    body = body or RefreshRequest()
    try:
        token = _refresh_token_from(request, body.refresh_token)
    except Unauthenticated:
        token = None
    if token:
        await service.logout(session, state, token)
    _clear_session_cookies(response)


@router.post("/verify-email", operation_id="auth:verify_email", dependencies=[Depends(public)])
async def verify_email(body: TokenRequest, session: Session, state: State) -> EmailVerified:
    await service.verify_email(session, state, body.token)
    return EmailVerified(email_verified=True)


@router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="auth:resend_verification",
)
async def resend_verification(principal: CurrentUser, session: Session, state: State) -> None:
    await service.resend_verification(session, state, principal.require_user())


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="auth:password_reset",
    dependencies=[Depends(public)],
)
async def password_reset(body: PasswordResetRequest, session: Session, state: State) -> None:
    """Always 202: the answer never tells whether the email has an account."""
    await service.request_password_reset(session, state, body.email)


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="auth:password_reset_confirm",
    dependencies=[Depends(public)],
)
async def password_reset_confirm(
    body: PasswordResetConfirm, session: Session, state: State
) -> None:
    await service.confirm_password_reset(session, state, body.token, body.new_password)
