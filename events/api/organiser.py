"""The API for an event's organisers, with a personal token: reads of what their pages show, and the
writes automation needs (import a dataset, invite someone, move a round's dates).

The token names the event (a `{slug}` of another event is 404) and its owner is the acting person:
an invitation is sent in their name, as from the people page. Each write calls the one domain
function the organiser's form calls, so its rules, messages and limits are the same.
"""

from __future__ import annotations

from datetime import datetime

from events.api import schemas as s
from events.api.public import EVENT, dataset_out, round_out
from events.api.routing import (
    TOKEN_READ,
    TOKEN_WRITE,
    ApiError,
    Call,
    Listing,
    Operation,
    api_route,
    default_message,
)
from events.domain import invitations as invitation_rules
from events.domain import organiser_data, portals, schedule
from events.domain import rounds as round_rules
from events.domain.errors import FormErrors
from events.i18n import _, lazy
from events.models import Round, User

MANAGE = EVENT + "/manage"


def _person(user: User) -> s.Person:
    return s.Person(id=user.id, name=user.name, email=user.email)


def _not_found() -> ApiError:
    return ApiError(404, default_message(404))


# --- reads ------------------------------------------------------------------------------------------


async def get_token(call: Call) -> s.Token:
    token = call.token
    assert token is not None
    return s.Token(
        name=token.name,
        prefix=token.prefix,
        scope=token.scope.value,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        event=s.EventRef(slug=token.event.slug, title=token.event.title, status=token.event.status.value),
        owner=s.UserRef(id=token.user.id, name=token.user.name),
    )


async def list_registrants(call: Call) -> Listing:
    found = await organiser_data.registrants(call.event, after=call.after, limit=call.limit)
    return Listing(
        [
            s.Registrant(
                id=item.registration.id,
                person=_person(item.registration.user),
                registered_at=item.registration.created_at,
                answers=item.registration.answers if isinstance(item.registration.answers, dict) else {},
                team_id=item.team_id,
            )
            for item in found.items
        ],
        found.after,
    )


async def list_managed_teams(call: Call) -> Listing:
    found = await organiser_data.teams(call.event, after=call.after, limit=call.limit)
    return Listing(
        [
            s.ManagedTeam(
                id=item.team.id,
                name=item.team.name,
                description=item.team.description,
                created_at=item.team.created_at,
                challenge_ids=item.challenge_ids,
                members=[
                    s.Member(
                        person=_person(member.user), captain=member.is_captain, joined_at=member.joined_at
                    )
                    for member in item.members
                ],
            )
            for item in found.items
        ],
        found.after,
    )


async def list_managed_entries(call: Call) -> Listing:
    found = await organiser_data.entries(call.event, after=call.after, limit=call.limit)
    return Listing(
        [
            s.ManagedEntry(
                id=e.id,
                title=e.title,
                summary=e.summary,
                team=s.TeamRef(id=e.team.id, name=e.team.name),
                round=s.RoundRef(id=e.round.id, name=e.round.name),
                challenge=s.ChallengeRef(id=e.challenge.id, slug=e.challenge.slug, title=e.challenge.title),
                status=e.status.value,
                selection=e.selection.value,
                selection_message=e.selection_message,
                version=e.version,
                repository_url=e.repository_url,
                demo_url=e.demo_url,
                video_url=e.video_url,
                code_licence=e.code_licence,
                dataset_ids=item.dataset_ids,
                created_at=e.created_at,
                updated_at=e.updated_at,
                submitted_at=e.submitted_at,
                url=f"{call.base_url}/events/{call.event.slug}/entries/{e.id}",
            )
            for item in found.items
            for e in [item.entry]
        ],
        found.after,
    )


def _session_out(session) -> s.JurySession:
    return s.JurySession(
        id=session.id,
        name=session.name,
        round_id=session.round_id,
        status=session.status.value,
        opens_at=session.opens_at,
        closes_at=session.closes_at,
        locked_at=session.locked_at,
        published_at=session.published_at,
        assignment_mode=session.assignment_mode.value,
        k=session.k,
        blind=session.blind,
        normalisation=session.normalisation.value,
        trimmed=session.trimmed,
        public_vote=session.public_vote,
    )


async def list_jury_sessions(call: Call) -> Listing:
    found = await organiser_data.jury_sessions(call.event, after=call.after, limit=call.limit)
    return Listing([_session_out(session) for session in found.items], found.after)


async def _session(call: Call):
    session = await organiser_data.jury_session(call.event, call.path_id("session_id"))
    if session is None:
        raise _not_found()
    return session


async def get_session_results(call: Call) -> s.SessionResults:
    return s.SessionResults.model_validate(await organiser_data.session_results(await _session(call)))


async def list_score_sheets(call: Call) -> Listing:
    found = await organiser_data.score_sheets(await _session(call), after=call.after, limit=call.limit)
    return Listing(
        [
            s.ScoreSheet(
                id=item.sheet.id,
                juror=_person(item.sheet.juror),
                entry_id=item.sheet.entry_id,
                status=item.sheet.status.value,
                counted=item.sheet.assigned,
                total=item.sheet.total,
                comment=item.sheet.comment,
                submitted_at=item.sheet.submitted_at,
                scores=[s.CriterionScore(criterion_id=c, value=v) for c, v in sorted(item.values.items())],
            )
            for item in found.items
        ],
        found.after,
    )


# --- writes -----------------------------------------------------------------------------------------


async def import_dataset(call: Call) -> s.Dataset:
    """Import a dataset from its portal's address (the SSRF guard of the fetcher applies)."""
    body: s.DatasetImport = call.body
    dataset = await portals.import_dataset(
        event=call.event, url=body.url, allow_private=call.settings.fetch_allow_private
    )
    return dataset_out(dataset, event=call.event, base_url=call.base_url, show_addresses=True)


async def invite(call: Call) -> s.Invitation:
    """Give a role by email: at once to an account with that address, else by a mailed invitation."""
    body: s.InvitationRequest = call.body
    result = await invitation_rules.invite(
        event=call.event,
        email=body.email,
        role=body.role,
        invited_by=call.token.user,
        base_url=call.base_url,
        default_language=call.settings.default_language,
    )
    return s.Invitation(email=result.email, role=body.role, granted=result.granted)


def _local(value: str | None, field: str, timezone: str) -> str:
    """A date of the body as the round form's `datetime-local` value (in the event's time zone):
    an ISO 8601 date with an offset is converted, one without is already local."""
    if value is None or not value.strip():
        return ""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FormErrors(
            {field: _("Enter a date and time in ISO 8601, like the documentation shows.")}
        ) from None
    if moment.tzinfo is None:
        return value.strip()
    if not 2000 <= moment.year <= 2100:
        raise FormErrors({field: _("Enter a year between 2000 and 2100.")})
    return schedule.local_input(moment, timezone)


def _question_rows(stage: Round) -> list[dict[str, str]]:
    """The round's stored questions as its form sends them, so that a change of dates keeps them."""
    return [
        {
            "key": str(question.get("key", "")),
            "label": str(question.get("label", "")),
            "kind": str(question.get("kind", "")),
            "required": "on" if question.get("required") else "",
            "choices": "\n".join(str(choice) for choice in question.get("choices", [])),
        }
        for question in stage.questions or []
        if isinstance(question, dict)
    ]


async def change_round(call: Call) -> s.Round:
    """Move a round's opening, deadline or grace period; the fields not sent stay as they are."""
    event = call.event
    stage = await Round.get_or_none(id=call.path_id("round_id"), event_id=event.id)
    if stage is None:
        raise _not_found()
    body: s.RoundChange = call.body
    zone = event.timezone
    values = {
        "opens_at": schedule.local_input(stage.opens_at, zone),
        "deadline": schedule.local_input(stage.deadline, zone),
        "grace_minutes": str(stage.grace_minutes),
    }
    if "opens_at" in call.given:
        values["opens_at"] = _local(body.opens_at, "opens_at", zone)
    if "deadline" in call.given:
        values["deadline"] = _local(body.deadline, "deadline", zone)
    if "grace_minutes" in call.given:
        values["grace_minutes"] = "" if body.grace_minutes is None else str(body.grace_minutes)
    updated = await round_rules.update_round(
        stage=stage,
        event=event,
        name=stage.name,
        team_min=str(stage.team_min),
        team_max=str(stage.team_max),
        questions=_question_rows(stage),
        **values,
    )
    return round_out(updated)


def _op(path: str, name: str, handler, model, summary: str, **options):
    options.setdefault("access", TOKEN_READ)
    options.setdefault("method", "GET")
    return api_route(
        Operation(path=path, name=name, summary=summary, tag="organisers", model=model, **options), handler
    )


SESSION = MANAGE + "/jury-sessions/{session_id:id}"
routes = [
    _op("/api/v1/token", "api_token", get_token, s.Token, lazy("The token that makes the request")),
    _op(
        MANAGE + "/registrants",
        "api_registrants",
        list_registrants,
        s.Registrant,
        lazy("The people registered for the event"),
        listing=True,
    ),
    _op(
        MANAGE + "/teams",
        "api_managed_teams",
        list_managed_teams,
        s.ManagedTeam,
        lazy("The teams of the event, with their members"),
        listing=True,
    ),
    _op(
        MANAGE + "/entries",
        "api_managed_entries",
        list_managed_entries,
        s.ManagedEntry,
        lazy("Every entry of the event, with its status and selection"),
        listing=True,
    ),
    _op(
        MANAGE + "/jury-sessions",
        "api_jury_sessions",
        list_jury_sessions,
        s.JurySession,
        lazy("The jury sessions of the event"),
        listing=True,
    ),
    _op(
        SESSION + "/results",
        "api_session_results",
        get_session_results,
        s.SessionResults,
        lazy("The results of a jury session"),
        description=lazy("Frozen once the session is closed; as they stand while it is open."),
    ),
    _op(
        SESSION + "/scores",
        "api_session_scores",
        list_score_sheets,
        s.ScoreSheet,
        lazy("The score sheets of a jury session"),
        listing=True,
    ),
    _op(
        MANAGE + "/datasets",
        "api_import_dataset",
        import_dataset,
        s.Dataset,
        lazy("Import a dataset from an open-data portal"),
        method="POST",
        access=TOKEN_WRITE,
        body=s.DatasetImport,
        status=201,
        description=lazy("From its address on a udata, CKAN or Opendatasoft portal."),
    ),
    _op(
        MANAGE + "/invitations",
        "api_invite",
        invite,
        s.Invitation,
        lazy("Invite someone to a role in the event"),
        method="POST",
        access=TOKEN_WRITE,
        body=s.InvitationRequest,
        status=201,
        description=lazy(
            "An account with this address gets the role at once; anyone else gets an invitation by mail, "
            "sent in the name of the token's owner."
        ),
    ),
    _op(
        MANAGE + "/rounds/{round_id:id}",
        "api_change_round",
        change_round,
        s.Round,
        lazy("Move the dates of a round"),
        method="PATCH",
        access=TOKEN_WRITE,
        body=s.RoundChange,
    ),
]
