"""The organisers' awards page of a jury session: per challenge the ranking's suggestion, the
challenge's prizes as a reminder, the awards given (with remove buttons) and a form to give one;
then the public vote's tally and the public prize. Thin handlers over `events.domain.awards`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from events.auth import ORGANISER, not_found, route
from events.domain import awards as award_rules
from events.domain import public_vote as vote_rules
from events.domain.criteria import format_number
from events.domain.errors import FormErrors
from events.domain.numbers import parse_id
from events.domain.results import TIE_BREAK
from events.flash import flash
from events.forms import read_form
from events.i18n import _
from events.models import Award, Event, JurySession
from events.outcomes import submit
from events.templating import render

PUBLIC = "public"  # the form's `challenge` value for the public prize


async def _session_or_404(request: Request) -> JurySession:
    event: Event = request.state.event
    session_id = request.path_params["session_id"]
    session = await JurySession.get_or_none(id=session_id, event_id=event.id)
    if session is None:
        raise not_found(request)
    return session


def _url(event: Event, session: JurySession) -> str:
    return f"/events/{event.slug}/manage/juries/{session.id}/awards"


async def _page(
    request: Request, session: JurySession, *, errors: dict | None = None, values: dict | None = None
):
    event: Event = request.state.event
    return render(
        request,
        "jury_admin/awards.html",
        {
            "event": event,
            "session": session,
            "board": await award_rules.award_board(session),
            "ranking_tie_break": [_(rule) for rule in TIE_BREAK],
            "vote_tie_break": [_(rule) for rule in vote_rules.TIE_BREAK],
            "format_number": format_number,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=422 if errors else 200,
    )


async def jury_awards(request: Request):
    """The awards page; POST gives an award (fields: challenge, entry, title)."""
    event: Event = request.state.event
    session = await _session_or_404(request)
    if request.method == "GET":
        return await _page(request, session)
    form = await read_form(request)
    which = form.get("challenge", "").strip()
    challenge_id = None if which == PUBLIC else parse_id(which)
    # Each challenge has its own form on the page: errors and values are named after it.
    suffix = f"-{which}" if which == PUBLIC or challenge_id else ""

    async def give() -> Award:
        if which != PUBLIC and challenge_id is None:
            raise FormErrors({None: _("Choose a challenge of this session.")})
        entry_id = parse_id(form.get("entry", ""))
        if entry_id is None:
            raise FormErrors({"entry": _("Choose an entry of this session's results.")})
        return await award_rules.give_award(
            session=session, challenge_id=challenge_id, entry_id=entry_id, title=form.get("title", "")
        )

    answer = await submit(
        request,
        give(),
        done=lambda award: _("The award “%(title)s” is given.", title=award_rules.award_title(award.title)),
        then=_url(event, session),
    )
    if answer.response:
        return answer.response
    errors = {(f"{key}{suffix}" if key else None): message for key, message in answer.errors.items()}
    values = {f"title{suffix}": form.get("title", ""), f"entry{suffix}": form.get("entry", "")}
    return await _page(request, session, errors=errors, values=values)


async def remove_award(request: Request):
    event: Event = request.state.event
    session = await _session_or_404(request)
    form = await read_form(request)
    award_id = parse_id(form.get("award", ""))
    try:
        removed = award_id is not None and await award_rules.remove_award(session=session, award_id=award_id)
    except FormErrors as error:
        return await _page(request, session, errors=error.errors)
    if removed:
        flash(request, _("The award is removed."), "success")
    else:
        flash(request, _("This award was already removed."), "info")
    return RedirectResponse(_url(event, session), status_code=303)


AWARDS = "/events/{slug}/manage/juries/{session_id:id}/awards"
routes = [
    route(AWARDS, jury_awards, access=ORGANISER, methods=("GET", "POST")),
    route(AWARDS + "/remove", remove_award, access=ORGANISER, methods=("POST",)),
]
