"""The public vote of a jury session ("prix du public"): the entries to vote for, and the vote.

Thin handlers over `events.domain.public_vote`. The page is public (anonymous visitors see a sign-in
link); voting needs a signed-in, verified account. A session without a public vote, of another
event, or of a draft event is 404, whoever asks.
"""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request

from events.auth import PUBLIC, SIGNED_IN, not_found, route
from events.domain import gallery as gallery_rules
from events.domain import public_vote as vote_rules
from events.domain.errors import FormErrors
from events.domain.numbers import parse_id
from events.forms import read_form
from events.i18n import _
from events.models import Entry, Event, JurySession, TeamMember, User
from events.outcomes import submit
from events.templating import render


async def _voting_session(request: Request) -> JurySession:
    event: Event = request.state.event
    session_id = request.path_params["session_id"]
    session = (
        await JurySession.get_or_none(id=session_id, event_id=event.id, public_vote=True)
        if event.is_published
        else None
    )
    if session is None:
        raise not_found(request)
    return session


def _url(event: Event, session: JurySession) -> str:
    return f"/events/{event.slug}/vote/{session.id}"


async def _page(
    request: Request, session: JurySession, *, errors: dict | None = None, status_code: int = 200
):
    event: Event = request.state.event
    user: User | None = request.state.user
    entries = await vote_rules.entries_for_vote(session)
    viewer = await gallery_rules.viewer_for(event=event, user=user)
    own_teams: set[int] = set()
    vote = None
    voter_problem = None
    if user is not None:
        own_teams = set(
            await TeamMember.filter(
                user_id=user.id, team_id__in=sorted({e.team_id for e in entries})
            ).values_list("team_id", flat=True)
        )
        vote = await vote_rules.my_vote(session=session, user=user)
        if vote is None:
            voter_problem = await vote_rules.voter_problem(user=user, session=session)
    voted_for = await Entry.get_or_none(id=vote.entry_id) if vote else None
    return render(
        request,
        "votes/vote.html",
        {
            "event": event,
            "session": session,
            "entries": entries,
            "readable": {entry.id for entry in entries if viewer.can_read(entry)},
            "own_teams": own_teams,
            "voted_for": voted_for,
            "problem": vote_rules.vote_problem(session, datetime.now(UTC)),
            "voter_problem": voter_problem,
            "login_url": f"/login?next={_url(event, session)}",
            "errors": errors or {},
        },
        status_code=status_code,
    )


async def public_vote(request: Request):
    session = await _voting_session(request)
    return await _page(request, session)


async def cast_public_vote(request: Request):
    event: Event = request.state.event
    session = await _voting_session(request)
    form = await read_form(request)
    entry_id = parse_id(form.get("entry", "").strip())

    async def vote() -> Entry:
        if entry_id is None:
            raise FormErrors({"entry": _("Choose an entry of this vote.")})
        cast = await vote_rules.cast_vote(session=session, user=request.state.user, entry_id=entry_id)
        return await Entry.get(id=cast.entry_id)

    answer = await submit(
        request,
        vote(),
        done=lambda entry: _("Thank you: your vote for “%(title)s” is counted.", title=entry.title),
        then=_url(event, session),
    )
    if answer.response:
        return answer.response
    return await _page(request, session, errors=answer.errors, status_code=422)


VOTE = "/events/{slug}/vote/{session_id:id}"
routes = [
    route(VOTE, public_vote, access=PUBLIC),
    route(VOTE, cast_public_vote, access=SIGNED_IN, methods=("POST",)),
]
