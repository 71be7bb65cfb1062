"""Sign-up, email verification, login, logout and password reset."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from events import auth
from events.auth import ANONYMOUS_ONLY, PUBLIC, SIGNED_IN, route
from events.domain import accounts
from events.domain.errors import FormErrors, RateLimited
from events.flash import flash
from events.forms import checkbox, read_form, safe_next
from events.i18n import _, get_language
from events.outcomes import submit
from events.routes import account as account_routes
from events.templating import refused, render


def _settings(request: Request):
    return request.app.state.settings


def _client(request: Request) -> str:
    """The address rate limits count by: the peer, or what a trusted proxy forwarded (the
    ForwardedClientMiddleware has already decided which)."""
    return request.client.host if request.client else "unknown"


def _refused(request: Request, template: str, context: dict, error: RateLimited):
    """The form again, saying how long to wait."""
    return refused(render(request, template, {**context, "errors": {None: error.message}}), error)


async def signup(request: Request):
    values: dict[str, str] = {}
    errors: dict = {}
    # Where to go once the account exists: an invitation link followed before signing up, say.
    next_url = safe_next(request.query_params.get("next"), "/account")
    if request.method == "POST":
        values = await read_form(request)
        next_url = safe_next(values.get("next"), "/account")
        try:
            user = await accounts.sign_up(
                name=values.get("name", ""),
                email=values.get("email", ""),
                password=values.get("password", ""),
                accept_terms=checkbox(values, "accept_terms"),
                newsletter=checkbox(values, "newsletter"),
                publish_name=checkbox(values, "publish_name"),
                language=get_language(),
                client=_client(request),
                base_url=_settings(request).base_url,
                secret_key=_settings(request).secret_key,
            )
        except RateLimited as error:
            values.pop("password", None)
            return _refused(request, "auth/signup.html", {"values": values, "next": next_url}, error)
        except FormErrors as error:
            errors = error.errors
        else:
            await auth.login(request, user)
            flash(request, _("Welcome! We sent you a link to confirm your email address."), "success")
            return RedirectResponse(next_url, status_code=303)
    values.pop("password", None)
    status = 422 if errors else 200
    return render(
        request,
        "auth/signup.html",
        {"values": values, "errors": errors, "next": next_url},
        status_code=status,
    )


async def login(request: Request):
    values: dict[str, str] = {}
    errors: dict = {}
    next_url = safe_next(request.query_params.get("next"), "/account")
    if request.method == "POST":
        values = await read_form(request)
        next_url = safe_next(values.get("next"), "/account")
        password = values.pop("password", "")
        try:
            user = await accounts.authenticate(
                email=values.get("email", ""), password=password, client=_client(request)
            )
        except RateLimited as error:
            return _refused(request, "auth/login.html", {"values": values, "next": next_url}, error)
        except FormErrors as error:
            errors = error.errors
        else:
            await auth.login(request, user)
            return RedirectResponse(next_url, status_code=303)
    return render(
        request,
        "auth/login.html",
        {"values": values, "errors": errors, "next": next_url},
        status_code=422 if errors else 200,
    )


async def logout(request: Request):
    await auth.logout(request)
    flash(request, _("You are signed out."), "success")
    return RedirectResponse("/", status_code=303)


async def verify(request: Request):
    """GET shows a button; only the POST verifies (no GET changes state)."""
    token = request.path_params["token"]
    settings = _settings(request)
    if request.method == "POST":
        user = await accounts.verify_email(token=token, secret_key=settings.secret_key)
        if user is None:
            return render(request, "auth/verify.html", {"token": token, "invalid": True}, status_code=400)
        flash(request, _("Your email address is confirmed."), "success")
        return RedirectResponse("/account" if request.state.user else "/login", status_code=303)
    return render(request, "auth/verify.html", {"token": token, "invalid": False})


async def resend_verification(request: Request):
    user = request.state.user
    settings = _settings(request)
    try:
        sent = await accounts.resend_verification(
            user, client=_client(request), base_url=settings.base_url, secret_key=settings.secret_key
        )
    except RateLimited as error:
        page = await account_routes.profile_page(
            request, account_routes.profile_values(user), {None: error.message}
        )
        return refused(page, error)
    if sent:
        flash(request, _("We sent you a new confirmation link."), "success")
    return RedirectResponse("/account", status_code=303)


async def forgot_password(request: Request):
    if request.method == "POST":
        values = await read_form(request)
        email = values.get("email", "")
        if problem := accounts.check_email(accounts.normalise_email(email)):
            return render(
                request, "auth/forgot.html", {"values": values, "errors": {"email": problem}}, status_code=422
            )
        settings = _settings(request)
        try:
            await accounts.request_password_reset(
                email=email,
                client=_client(request),
                base_url=settings.base_url,
                secret_key=settings.secret_key,
            )
        except RateLimited as error:
            return _refused(request, "auth/forgot.html", {"values": values}, error)
        flash(request, _("If an account uses this address, we sent it a link to reset the password."), "info")
        return RedirectResponse("/login", status_code=303)
    return render(request, "auth/forgot.html")


async def reset_password(request: Request):
    token = request.path_params["token"]
    settings = _settings(request)
    user = await accounts.user_for_reset(token=token, secret_key=settings.secret_key)
    if user is None:
        return render(request, "auth/reset.html", {"token": token, "invalid": True}, status_code=400)
    errors: dict = {}
    if request.method == "POST":
        values = await read_form(request)

        async def change() -> None:
            await accounts.set_password(user, values.get("password", ""))
            if request.state.user is not None:
                await auth.logout(request)  # before the message, which the session carries on

        answer = await submit(
            request,
            change(),
            done=_("Your password is changed. Sign in with the new one."),
            then="/login",
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    return render(
        request,
        "auth/reset.html",
        {"token": token, "invalid": False, "errors": errors},
        status_code=422 if errors else 200,
    )


routes = [
    route("/signup", signup, access=ANONYMOUS_ONLY, methods=("GET", "POST")),
    route("/login", login, access=ANONYMOUS_ONLY, methods=("GET", "POST")),
    route("/logout", logout, access=SIGNED_IN, methods=("POST",)),
    route("/verify/{token}", verify, access=PUBLIC, methods=("GET", "POST")),
    route("/verify", resend_verification, access=SIGNED_IN, methods=("POST",), name="resend_verification"),
    route("/password/forgot", forgot_password, access=PUBLIC, methods=("GET", "POST")),
    route("/password/reset/{token}", reset_password, access=PUBLIC, methods=("GET", "POST")),
]
