"""Jury sessions: their creation and their lifecycle, the one status transition.

`set_session_status` is the only way a session changes state: scheduled → open → closed → published,
forward only. It coordinates the modules below it, so it sits above them: opening computes the
assignments (`jury`), closing locks the session and freezes a snapshot of the ranking (`results`)
and of the public vote count (`public_vote`), publishing makes them public. None of those modules
imports this one.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from events import broker
from events.domain.errors import FormErrors
from events.domain.jury import compute_assignments, refresh_totals
from events.domain.public_vote import tally
from events.domain.results import compute_results
from events.i18n import _, format_when, lazy, ngettext
from events.mail import mail_users
from events.models import (
    Assignment,
    AssignmentMode,
    Criterion,
    Event,
    JurySession,
    JurySessionChallenge,
    JurySessionJuror,
    SessionStatus,
    User,
)

# The jury's logger: a session's life is part of the jury's story in the app's log.
log = logging.getLogger("hackcity.jury")

TRANSITIONS: dict[SessionStatus, set[SessionStatus]] = {
    SessionStatus.SCHEDULED: {SessionStatus.OPEN},
    SessionStatus.OPEN: {SessionStatus.CLOSED},
    SessionStatus.CLOSED: {SessionStatus.PUBLISHED},
    SessionStatus.PUBLISHED: set(),
}


# A whole sentence per status, so that each language agrees it with "session" (French: publiée).
NOW_MESSAGES = {
    SessionStatus.SCHEDULED: lazy("The session is now scheduled."),
    SessionStatus.OPEN: lazy("The session is now open."),
    SessionStatus.CLOSED: lazy("The session is now closed."),
    SessionStatus.PUBLISHED: lazy("The session is now published."),
}


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


async def create_session(
    *,
    stage: Any,
    name: str,
    challenge_ids: list[int] | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    assignment_mode: AssignmentMode = AssignmentMode.ALL,
    k: int = 3,
    blind: bool = False,
    normalisation: str = "none",
    trimmed: bool = False,
    public_vote: bool = False,
) -> JurySession:
    """A scheduled session for a round (`stage`) and some of its challenges (none: all of them)."""
    errors: dict[str | None, str] = {}
    name = " ".join(name.split())
    if not name or len(name) > 120:
        errors["name"] = _("Enter a name of at most 120 characters.")
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = _("The end of scoring must come after its start.")
    if assignment_mode == AssignmentMode.K and not 1 <= k <= 50:
        errors["k"] = _("Enter between %(min)s and %(max)s jurors per entry.", min=1, max=50)
    if errors:
        raise FormErrors(errors)
    async with in_transaction():
        session = await JurySession.create(
            event_id=stage.event_id,
            round=stage,
            name=name,
            opens_at=opens_at,
            closes_at=closes_at,
            assignment_mode=assignment_mode,
            k=k,
            blind=blind,
            normalisation=normalisation,
            trimmed=trimmed,
            public_vote=public_vote,
        )
        for challenge_id in sorted(set(challenge_ids or [])):
            await JurySessionChallenge.create(session=session, challenge_id=challenge_id)
    log.info("jury session %s created for round %s", session.id, stage.id)
    return session


async def set_session_status(
    *,
    session: JurySession,
    status: SessionStatus | str,
    now: datetime | None = None,
    base_url: str | None = None,
) -> JurySession:
    """The one transition of a session. Opening computes the assignments, closing locks the
    session and freezes the results, publishing makes them public. Nothing goes back.

    Opening mails the seated jurors (each in their language, with the link to their jury page built
    from `base_url`) in the same transaction. Without `base_url` (seeds, scripts) nobody is mailed."""
    try:
        target = SessionStatus(status)
    except ValueError:
        raise FormErrors({"status": _("Choose a status.")}) from None
    async with in_transaction():
        current = await JurySession.select_for_update().get(id=session.id)
        # The instant is taken once the lock is held: every save in flight (holding the row FOR
        # SHARE on PostgreSQL, the one connection on SQLite) has committed before it, so whatever
        # was accepted is before `locked_at`, and the snapshot computed below holds all of it.
        now = _now(now)
        if target not in TRANSITIONS[current.status]:
            raise FormErrors(
                {
                    "status": _(
                        'A session cannot go from "%(current)s" to "%(target)s".',
                        current=current.status.label,
                        target=target.label,
                    )
                }
            )
        updates: dict[str, Any] = {"status": target}
        if target == SessionStatus.OPEN:
            if not await Criterion.exists(round_id=current.round_id):
                raise FormErrors({"status": _("Add the grid's criteria before opening the session.")})
            if not await JurySessionJuror.exists(session_id=current.id):
                raise FormErrors({"status": _("Invite at least one juror before opening the session.")})
            # Still scheduled at this point: the assignment starts afresh, with every juror seated.
            await compute_assignments(session=current, now=now)
            if base_url is not None:
                await _mail_opening(current, base_url)
        elif target == SessionStatus.CLOSED:
            updates["locked_at"] = now
            await refresh_totals(current)
            snapshot = await compute_results(session=current, now=now)
            if current.public_vote:  # no vote comes in once closed: the count is frozen with the ranking
                snapshot["votes"] = [
                    [count.entry_id, count.votes, count.last_vote] for count in await tally(current)
                ]
            updates["results_snapshot"] = snapshot
        elif target == SessionStatus.PUBLISHED:
            updates["published_at"] = now
        await JurySession.filter(id=current.id).update(**updates)
    for name, value in updates.items():
        setattr(session, name, value)
    log.info("jury session %s is now %s", session.id, target)
    await broker.publish(broker.session_channel(session.id), {"type": "session", "status": str(target)})
    return session


async def _mail_opening(session: JurySession, base_url: str) -> None:
    event = await Event.get(id=session.event_id)
    jurors = await User.filter(jury_seats__session_id=session.id).order_by("id")
    assigned: dict[int, int] = {}
    for juror_id in await Assignment.filter(session_id=session.id).values_list("juror_id", flat=True):
        assigned[juror_id] = assigned.get(juror_id, 0) + 1
    link = f"{base_url}/events/{event.slug}/jury/{session.id}"

    def compose(juror: User) -> tuple[str, str]:
        count = ngettext(
            "%(num)s entry is yours to score.",
            "%(num)s entries are yours to score.",
            assigned.get(juror.id, 0),
        )
        if session.closes_at:
            until = _(
                "Scoring closes on %(when)s.", when=format_when(session.closes_at, event.timezone, "long")
            )
        else:
            until = _("The organisers will close the scoring.")
        return _("The jury %(session)s of %(event)s is open", session=session.name, event=event.title), _(
            "Hello %(name)s,\n\nThe jury “%(session)s” of %(event)s is open. %(count)s %(until)s\n\n"
            "Your jury page:\n\n%(link)s\n",
            name=juror.name,
            session=session.name,
            event=event.title,
            count=count,
            until=until,
            link=link,
        )

    await mail_users(jurors, compose)
