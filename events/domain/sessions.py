"""Jury sessions: their creation, their settings, their deletion and the one status transition.

`set_session_status` is the only way a session changes state: scheduled → open → closed → published,
forward only. It coordinates the modules below it, so it sits above them: opening computes the
assignments (`assignments`), closing locks the session, recomputes the sheet totals (`sheets`) and
freezes a snapshot of the ranking (`results`) and of the public vote count (`public_vote`),
publishing makes them public. None of those modules imports this one.

Settings (`update_session`): all of them while the session is scheduled, only its name and scoring
window while it is open, none afterwards. Deletion (`delete_session`): while it is scheduled, or
later as long as no juror has started a sheet, never once its results are published.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from events import broker
from events.domain import webhooks
from events.domain.assignments import compute_assignments
from events.domain.errors import FormErrors
from events.domain.public_vote import tally
from events.domain.results import compute_results
from events.domain.sheets import refresh_totals
from events.i18n import _, format_when, lazy, ngettext
from events.mail import mail_users
from events.models import (
    Assignment,
    AssignmentMode,
    Challenge,
    Criterion,
    Event,
    JudgingMode,
    JurySession,
    JurySessionChallenge,
    JurySessionJuror,
    Normalisation,
    ScoreSheet,
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

# What the event's webhooks are told when a session reaches a status.
NEWS = {SessionStatus.CLOSED: webhooks.SESSION_LOCKED, SessionStatus.PUBLISHED: webhooks.RESULTS_PUBLISHED}

# A whole sentence per status, so that each language agrees it with "session" (French: publiée).
NOW_MESSAGES = {
    SessionStatus.SCHEDULED: lazy("The session is now scheduled."),
    SessionStatus.OPEN: lazy("The session is now open."),
    SessionStatus.CLOSED: lazy("The session is now closed."),
    SessionStatus.PUBLISHED: lazy("The session is now published."),
}


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _clean_name(name: str, errors: dict[str | None, str]) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 120:
        errors["name"] = _("Enter a name of at most 120 characters.")
    return name


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
    mode: JudgingMode | str = JudgingMode.RUBRIC,
) -> JurySession:
    """A scheduled session for a round (`stage`) and some of its challenges (none: all of them).
    The judging `mode` is chosen once, here: a pairwise session has no grid to score."""
    errors: dict[str | None, str] = {}
    name = _clean_name(name, errors)
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = _("The end of scoring must come after its start.")
    if assignment_mode == AssignmentMode.K and not 1 <= k <= 50:
        errors["k"] = _("Enter between %(min)s and %(max)s jurors per entry.", min=1, max=50)
    if mode not in {m.value for m in JudgingMode}:
        errors["mode"] = _("Choose a judging mode.")
    if errors:
        raise FormErrors(errors)
    async with in_transaction():
        session = await JurySession.create(
            mode=JudgingMode(mode),
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
    from `base_url`) in the same transaction. Without `base_url` (seeds, scripts) nobody is mailed.
    Closing (locking) and publishing tell the event's webhooks, in the same transaction."""
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
            if current.mode == JudgingMode.RUBRIC and not await Criterion.exists(round_id=current.round_id):
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
        if target in NEWS:
            for name, value in updates.items():
                setattr(current, name, value)
            await webhooks.emit(
                current.event_id,
                NEWS[target],
                lambda: webhooks.session_data(current, base_url or ""),
                base_url=base_url or "",
            )
    for name, value in updates.items():
        setattr(session, name, value)
    log.info("jury session %s is now %s", session.id, target)
    await broker.publish(broker.session_channel(session.id), {"type": "session", "status": str(target)})
    return session


# --- editing and deleting a session --------------------------------------------------------------


async def update_session(
    *,
    session: JurySession,
    name: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
    challenge_ids: list[int] | None = None,
    assignment_mode: AssignmentMode | str | None = None,
    k: int | None = None,
    blind: bool | None = None,
    normalisation: str | None = None,
    trimmed: bool | None = None,
    public_vote: bool | None = None,
    now: datetime | None = None,
) -> JurySession:
    """Change a session's settings. While it is scheduled everything can change (an assignment
    already made, by a juror declaring conflicts, is recomputed); while it is open only its name and
    scoring window, and the end of scoring only moves later, into the future (jurors count on it). Closed or
    published: refused. Arguments left to None keep their value."""
    errors: dict[str | None, str] = {}
    name = _clean_name(name, errors)
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = _("The end of scoring must come after its start.")
    if assignment_mode is not None and assignment_mode not in {m.value for m in AssignmentMode}:
        errors["assignment_mode"] = _("Choose how entries are shared among jurors.")
    elif assignment_mode == AssignmentMode.K and (k is None or not 1 <= k <= 50):
        errors["k"] = _("Enter between %(min)s and %(max)s jurors per entry.", min=1, max=50)
    if normalisation is not None and normalisation not in {n.value for n in Normalisation}:
        errors["normalisation"] = _("Choose a normalisation.")
    if challenge_ids:
        known = await Challenge.filter(event_id=session.event_id, id__in=challenge_ids).count()
        if known != len(set(challenge_ids)):
            errors["challenges"] = _("Choose challenges of this event.")
    if errors:
        raise FormErrors(errors)
    settings: dict[str, Any] = {
        "assignment_mode": AssignmentMode(assignment_mode) if assignment_mode is not None else None,
        "k": k,
        "blind": blind,
        "normalisation": normalisation,
        "trimmed": trimmed,
        "public_vote": public_vote,
    }
    async with in_transaction():
        # Locked like the status transition: an edit never races with opening or closing.
        current = await JurySession.select_for_update().get(id=session.id)
        updates: dict[str, Any] = {"name": name, "opens_at": opens_at, "closes_at": closes_at}
        if current.status == SessionStatus.OPEN:
            changed = [
                key for key, value in settings.items() if value is not None and value != getattr(current, key)
            ]
            current_challenges = set(
                await JurySessionChallenge.filter(session_id=current.id).values_list(
                    "challenge_id", flat=True
                )
            )
            if changed or (challenge_ids is not None and set(challenge_ids) != current_challenges):
                raise FormErrors(
                    {None: _("While the session is open, only its name and scoring window can change.")}
                )
            if (
                opens_at is not None
                and opens_at != current.opens_at
                and opens_at > (now or datetime.now(UTC))
            ):
                raise FormErrors(
                    {"opens_at": _("While the session is open, its start cannot move later than now.")}
                )
            moved = closes_at is not None and closes_at != current.closes_at
            if moved and (
                (current.closes_at is not None and closes_at < current.closes_at)
                or closes_at <= (now or datetime.now(UTC))
            ):
                raise FormErrors(
                    {"closes_at": _("While the session is open, the end of scoring can only move later.")}
                )
        elif current.status != SessionStatus.SCHEDULED:
            raise FormErrors({None: _("This jury session is closed: its settings can no longer change.")})
        else:
            updates.update({key: value for key, value in settings.items() if value is not None})
        await JurySession.filter(id=current.id).update(**updates)
        for key, value in updates.items():
            setattr(session, key, value)
        if current.status == SessionStatus.SCHEDULED and challenge_ids is not None:
            await JurySessionChallenge.filter(session_id=current.id).delete()
            for challenge_id in sorted(set(challenge_ids)):
                await JurySessionChallenge.create(session_id=current.id, challenge_id=challenge_id)
        if current.status == SessionStatus.SCHEDULED and await Assignment.exists(session_id=current.id):
            await compute_assignments(session=session)
    log.info("jury session %s edited (%s)", session.id, ", ".join(sorted(updates)))
    return session


async def delete_session(*, session: JurySession) -> None:
    """Delete a session with its jurors, assignments, conflicts and pending invitations: while it is
    scheduled, or later as long as no juror has started a score sheet. Published results stay."""
    async with in_transaction():
        current = await JurySession.select_for_update().get_or_none(id=session.id)
        if current is None:
            return
        if current.status == SessionStatus.PUBLISHED:
            raise FormErrors({None: _("This session's results are published: it cannot be deleted.")})
        if current.status != SessionStatus.SCHEDULED and await ScoreSheet.exists(session_id=current.id):
            raise FormErrors(
                {None: _("Jurors have started scoring in this session: it can no longer be deleted.")}
            )
        await JurySession.filter(id=current.id).delete()
    log.info("jury session %s deleted (was %s)", session.id, current.status)


def can_delete(session: JurySession, has_sheets: bool) -> bool:
    return session.status == SessionStatus.SCHEDULED or (
        session.status != SessionStatus.PUBLISHED and not has_sheets
    )


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
