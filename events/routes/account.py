"""The signed-in person's own pages: profile, password, their events, data export, deletion."""

from __future__ import annotations

import json
import secrets

from starlette.requests import Request
from starlette.responses import Response

from events import auth
from events.auth import SIGNED_IN, route
from events.domain import accounts, api_tokens, personal_data
from events.domain import events as event_rules
from events.forms import checkbox, read_form
from events.i18n import _, set_language
from events.models import EventRole
from events.outcomes import submit
from events.templating import render


async def _my_roles(user) -> list[EventRole]:
    return await EventRole.filter(user_id=user.id).select_related("event").order_by("event__title", "role")


def profile_values(user) -> dict:
    return {
        "name": user.name,
        "language": user.language,
        "newsletter": user.opt_in_newsletter,
        "publish_name": user.opt_in_publish_name,
    }


async def profile_page(request: Request, values: dict, errors: dict, status_code: int = 200, **tokens):
    """The account page, with the profile form's values and errors (other forms post elsewhere);
    `tokens` is what the API tokens section shows after its form (events/routes/api_tokens.py)."""
    user = request.state.user
    return render(
        request,
        "account/profile.html",
        {
            "values": values,
            "errors": errors,
            "roles": await _my_roles(user),
            "may_create_events": await event_rules.may_create_events(user),
            "api_tokens": await api_tokens.tokens_of(user),
            "token_events": [(str(e.id), e.title) for e in await api_tokens.organised_events(user)],
            "scope_label": api_tokens.scope_label,
            "new_token": tokens.get("new_token"),
            "token_form_once": secrets.token_urlsafe(16),
            "token_errors": tokens.get("token_errors", {}),
            "token_values": tokens.get("token_values", {"scope": "read"}),
        },
        status_code=status_code,
    )


async def account(request: Request):
    user = request.state.user
    errors: dict = {}
    values = profile_values(user)
    if request.method == "POST":
        form = await read_form(request)

        async def save() -> None:
            await accounts.update_profile(
                user,
                name=form.get("name", ""),
                language=form.get("language", ""),
                newsletter=checkbox(form, "newsletter"),
                publish_name=checkbox(form, "publish_name"),
            )
            set_language(user.language)

        answer = await submit(
            request,
            save(),
            # Translated once saved: in the language just chosen.
            done=lambda _saved: _("Your profile is saved."),
            then="/account",
        )
        if answer.response:
            return answer.response
        errors = answer.errors
        values.update(form)
    return await profile_page(request, values, errors, status_code=422 if errors else 200)


async def change_password(request: Request):
    user = request.state.user
    form = await read_form(request)
    answer = await submit(
        request,
        accounts.change_password(
            user,
            current=form.get("current_password", ""),
            new=form.get("password", ""),
            keep_session=auth.session_key_hash(request),
        ),
        done=_("Your password is changed. Your other sessions are signed out."),
        then="/account",
    )
    if answer.response:
        return answer.response
    return await profile_page(request, profile_values(user), answer.errors, status_code=422)


async def export(request: Request):
    data = await personal_data.export_data(request.state.user)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="hackcity-my-data.json"'},
    )


async def delete(request: Request):
    user = request.state.user
    errors: dict = {}
    if request.method == "POST":
        form = await read_form(request)

        async def delete_and_sign_out() -> None:
            await accounts.delete_account(user, password=form.get("password", ""))
            request.session.clear()  # before the message, which the session carries to the next page

        answer = await submit(
            request,
            delete_and_sign_out(),
            done=_("Your account is deleted. Thank you for taking part."),
            then="/",
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    return render(request, "account/delete.html", {"errors": errors}, status_code=422 if errors else 200)


routes = [
    route("/account", account, access=SIGNED_IN, methods=("GET", "POST")),
    route("/account/password", change_password, access=SIGNED_IN, methods=("POST",)),
    route("/account/export", export, access=SIGNED_IN),
    route("/account/delete", delete, access=SIGNED_IN, methods=("GET", "POST"), name="delete_account"),
]
