"""Personal API tokens on the account page: make one (shown once), revoke one.

The page itself is `/account` (`events/routes/account.py`): its tokens section lists the person's
tokens and holds the form. A new token's secret is written into the answer to the form, never into
the session or a flash message (the session cookie is signed, not encrypted), and that answer is
not cached.

Reloading that answer would send the form again: each form carries a one-off `once` value, and a
value already used (remembered in the session, the last `REMEMBERED_FORMS`) makes no second token.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from events.auth import SIGNED_IN, not_found, route
from events.domain import api_tokens
from events.domain.errors import FormErrors
from events.flash import flash
from events.forms import read_form
from events.i18n import _
from events.routes.account import profile_page, profile_values

TOKEN_FIELDS = ("token_name", "event", "scope")
REMEMBERED_FORMS = 10


async def create_api_token(request: Request):
    user = request.state.user
    form = await read_form(request)
    values = {name: form.get(name, "") for name in TOKEN_FIELDS}
    once = str(form.get("once", ""))[:64]
    used = list(request.session.get("token_forms", []))
    if once and once in used:
        return await profile_page(
            request,
            profile_values(user),
            {},
            status_code=409,
            token_errors={
                None: _(
                    "This form was already sent and its token made: its secret was shown once only. "
                    "If you did not copy it, revoke that token and make another."
                )
            },
            token_values=values,
        )
    try:
        made = await api_tokens.create_token(
            user=user, name=values["token_name"], event_id=values["event"], scope=values["scope"]
        )
    except FormErrors as error:
        return await profile_page(
            request, profile_values(user), {}, status_code=422, token_errors=error.errors, token_values=values
        )
    if once:
        request.session["token_forms"] = [*used, once][-REMEMBERED_FORMS:]
    response = await profile_page(request, profile_values(user), {}, new_token=made)
    response.headers["Cache-Control"] = "no-store"
    return response


async def revoke_api_token(request: Request):
    revoked = await api_tokens.revoke_token(user=request.state.user, token_id=request.path_params["token_id"])
    if not revoked:
        raise not_found(request)
    flash(request, _("The token is revoked: it no longer works."), "success")
    return RedirectResponse("/account#tokens-title", status_code=303)


routes = [
    route("/account/tokens", create_api_token, access=SIGNED_IN, methods=("POST",)),
    route("/account/tokens/{token_id:id}/revoke", revoke_api_token, access=SIGNED_IN, methods=("POST",)),
]
