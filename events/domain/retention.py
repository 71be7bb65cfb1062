"""How long personal data is kept, and the purge that removes it (docs/PRIVACY.md says the same).

- Each event keeps personal data `Event.retention_months` (12 by default, 1 to 60) after it ends:
  its end date, or when it has none the last deadline of its rounds. An event with neither is
  never purged (its dashboard says so).
- Once that moment has passed, `purge` deletes what links people to the event (registrations,
  memberships, join requests, invitations, jurors' and mentors' roles, restricted-data access
  lines, conflicts, entry revisions, teams without entries), anonymises what the public record
  needs (jurors become "Anonymous juror 1, 2…" shared placeholder accounts so that results still
  add up; public votes, terms acceptances, uploads and proposed challenges lose their person),
  and clears free text about people (score sheets' comments and private notes, entries' answers
  to the round's questions). Published results, awards, entries' content and files stay.
- Each event is purged once, in one transaction that first claims the event's row (`SELECT … FOR
  UPDATE SKIP LOCKED` on PostgreSQL, so several app processes never purge one event twice, then a
  conditional update of `purged_at`, which also takes SQLite's write lock at once). `purged_at`
  tells the organisers when.
- Beside events: server-side sessions past their lifetime, rate-limit counters older than
  `RATE_LIMIT_RETENTION`, mail that left the outbox more than `MAIL_RETENTION` ago and finished
  webhook deliveries older than `WEBHOOK_DELIVERY_RETENTION`.

`purge(dry_run=True)` counts the same rows without changing anything.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from events.domain import passwords
from events.domain.errors import FormErrors
from events.domain.numbers import parse_int
from events.i18n import _, catalogue, lazy
from events.models import (
    Announcement,
    ApiToken,
    Assignment,
    Challenge,
    ChallengeOwner,
    Comparison,
    ConflictOfInterest,
    Dataset,
    DatasetAcceptance,
    DatasetAccess,
    DeliberationChange,
    DeliveryStatus,
    Entry,
    EntryFile,
    EntryRevision,
    Event,
    EventRole,
    Invitation,
    JoinRequest,
    JurySession,
    JurySessionJuror,
    MailStatus,
    OutboxMessage,
    PairwiseState,
    PortalKey,
    PortalReuse,
    PublicVote,
    Registration,
    Role,
    Round,
    ScoreLogEntry,
    ScoreSheet,
    Team,
    TeamMember,
    Throttle,
    User,
    UserSession,
    Webhook,
    WebhookDelivery,
)

log = logging.getLogger("hackcity.retention")

DEFAULT_RETENTION_MONTHS = 12
MIN_RETENTION_MONTHS = 1
MAX_RETENTION_MONTHS = 60
# Every throttle window is a day at most and the longest delay two hours (events.domain.throttle):
# an older counter counts for nothing.
RATE_LIMIT_RETENTION = timedelta(days=2)
# Sent, logged or failed mail: bodies hold links and names, and nothing reads them after delivery.
MAIL_RETENTION = timedelta(days=30)
# Finished webhook deliveries (their payloads name entries and teams) are kept this long for the log.
WEBHOOK_DELIVERY_RETENTION = timedelta(days=30)
# Placeholder accounts that take the jurors' place once an event is purged. No sign-up can take such an
# address (the domain has no dot), and the accounts cannot sign in.
ANONYMOUS_JUROR_EMAIL = "anonymous-juror-{n}@invalid"
ANONYMOUS_JUROR_NAME = lazy("Anonymous juror %(n)s")

# What the purge does to each kind of row, in the order it does it (docs/PRIVACY.md).
DELETE, ANONYMISE, CLEAR = "deleted", "anonymised", "cleared"
KINDS: dict[str, str] = {
    "registrations": DELETE,
    "team_members": DELETE,
    "join_requests": DELETE,
    "invitations": DELETE,
    "juror_and_mentor_roles": DELETE,
    "challenge_proposers": ANONYMISE,
    "entry_answers": CLEAR,
    "entry_revisions": DELETE,
    "file_uploaders": ANONYMISE,
    "dataset_acceptances": ANONYMISE,
    "dataset_accesses": DELETE,
    "jury_conflicts": DELETE,
    "score_sheet_texts": CLEAR,
    "score_log_texts": DELETE,
    "jurors": ANONYMISE,
    "public_votes": ANONYMISE,
    "teams_without_entries": DELETE,
}

# Models that refer to a person and that the purge leaves as they are, with the reason
# (tests/domain/test_retention.py fails on a model that is neither purged nor listed here).
KEPT: dict[type, str] = {
    User: "accounts belong to their owners, who delete them from their account page",
    ChallengeOwner: "a sponsor's link to its challenge, like the organisers' roles: it runs the challenge",
    Announcement: "news posted by an organiser, whose role stays: public pages and feeds name the event, "
    "not the author",
    ApiToken: "an organiser's API tokens, like the organisers' roles: their owner revokes them on the "
    "account page, and deleting the account deletes them",
    PortalKey: "a portal API key the event's organisers stored, like their roles: they forget it on the "
    "reuses page, and deleting the account of whoever stored it keeps the key without their name",
    PortalReuse: "a reuse published on an open-data portal, public there like the awards: it names the "
    "organiser who published it, whose role stays",
    DeliberationChange: "a change of a ranking in deliberation, with the jury's reason: part of how the "
    "published results came about, it names the organiser who recorded it, whose role stays",
    Webhook: "an event's webhooks, registered by an organiser whose role stays: they belong to the event, "
    "and their deliveries name no person",
}


# --- the setting -------------------------------------------------------------------------------


def clean_retention(raw: str) -> int:
    """The organiser's number of months, or FormErrors saying which numbers are allowed."""
    months = parse_int(raw, low=MIN_RETENTION_MONTHS, high=MAX_RETENTION_MONTHS)
    if months is None:
        raise FormErrors(
            {
                "retention_months": _(
                    "Enter a whole number of months between %(min)s and %(max)s.",
                    min=MIN_RETENTION_MONTHS,
                    max=MAX_RETENTION_MONTHS,
                )
            }
        )
    return months


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the month's last day when it is shorter)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


async def retention_start(event: Event) -> datetime | None:
    """When the retention period starts: the event's end, else its rounds' last deadline."""
    if event.ends_at is not None:
        return event.ends_at
    deadlines = await Round.filter(event_id=event.id, deadline__isnull=False).values_list(
        "deadline", flat=True
    )
    return max(deadlines, default=None)


async def purge_date(event: Event) -> datetime | None:
    start = await retention_start(event)
    return add_months(start, event.retention_months) if start is not None else None


@dataclass(frozen=True)
class RetentionStatus:
    """What the organiser's dashboard says about the event's personal data."""

    months: int
    purge_on: datetime | None  # None: no end date, nothing is ever purged
    purged_at: datetime | None
    due: bool  # the period is over, the purge has not run yet


async def retention_status(event: Event, now: datetime | None = None) -> RetentionStatus:
    now = now or datetime.now(UTC)
    purge_on = await purge_date(event)
    due = event.purged_at is None and purge_on is not None and purge_on <= now
    return RetentionStatus(event.retention_months, purge_on, event.purged_at, due)


# --- the purge ---------------------------------------------------------------------------------


@dataclass
class EventPurge:
    event_id: int
    slug: str
    purge_on: datetime
    counts: dict[str, int]


@dataclass
class PurgeReport:
    dry_run: bool
    events: list[EventPurge] = field(default_factory=list)
    # expired_sessions, old_rate_limits, old_mail
    other: dict[str, int] = field(default_factory=dict)


async def due_events(now: datetime) -> list[tuple[Event, datetime]]:
    """Events not purged yet whose retention period is over, with the moment it ended."""
    # A month is at least 28 days: an event that ended later cannot be due yet (a cheap first filter).
    latest_start = now - timedelta(days=28 * MIN_RETENTION_MONTHS)
    candidates = await Event.filter(
        Q(ends_at__isnull=True) | Q(ends_at__lte=latest_start), purged_at__isnull=True
    ).order_by("id")
    due = []
    for event in candidates:
        purge_on = await purge_date(event)
        if purge_on is not None and purge_on <= now:
            due.append((event, purge_on))
    return due


class _Scope:
    """The event's rows, as subqueries (an event may hold far more ids than SQLite takes as variables)."""

    def __init__(self, event_id: int) -> None:
        self.event_id = event_id
        self.teams = Subquery(Team.filter(event_id=event_id).values("id"))
        self.entries = Subquery(Entry.filter(event_id=event_id).values("id"))
        self.sessions = Subquery(JurySession.filter(event_id=event_id).values("id"))
        self.sheets = Subquery(ScoreSheet.filter(session__event_id=event_id).values("id"))
        self.datasets = Subquery(Dataset.filter(event_id=event_id).values("id"))


def _plain_steps(scope: _Scope) -> list[tuple[str, QuerySet, dict[str, Any] | None]]:
    """(kind, the rows, None to delete them or the update that anonymises or clears them)."""
    e = scope.event_id
    return [
        ("registrations", Registration.filter(event_id=e), None),
        ("team_members", TeamMember.filter(event_id=e), None),
        ("join_requests", JoinRequest.filter(team_id__in=scope.teams), None),
        ("invitations", Invitation.filter(event_id=e), None),
        ("juror_and_mentor_roles", EventRole.filter(event_id=e, role__in=[Role.JUROR, Role.MENTOR]), None),
        (
            "challenge_proposers",
            Challenge.filter(event_id=e, proposed_by_id__isnull=False),
            {"proposed_by_id": None},
        ),
        ("entry_revisions", EntryRevision.filter(entry_id__in=scope.entries), None),
        (
            "file_uploaders",
            EntryFile.filter(entry_id__in=scope.entries, uploaded_by_id__isnull=False),
            {"uploaded_by_id": None},
        ),
        (
            "dataset_acceptances",
            DatasetAcceptance.filter(dataset_id__in=scope.datasets, user_id__isnull=False),
            {"user_id": None},
        ),
        ("dataset_accesses", DatasetAccess.filter(dataset_id__in=scope.datasets), None),
        ("jury_conflicts", ConflictOfInterest.filter(session_id__in=scope.sessions), None),
        (
            "score_sheet_texts",
            ScoreSheet.filter(Q(comment__not="") | Q(private_note__not=""), session_id__in=scope.sessions),
            {"comment": "", "private_note": ""},
        ),
        (
            "score_log_texts",
            ScoreLogEntry.filter(sheet_id__in=scope.sheets, field__in=["comment", "private_note"]),
            None,
        ),
        (
            "public_votes",
            PublicVote.filter(session_id__in=scope.sessions, user_id__isnull=False),
            {"user_id": None},
        ),
    ]


async def _answered_entries(event_id: int) -> list[int]:
    return [
        entry_id
        for entry_id, answers in await Entry.filter(event_id=event_id).values_list("id", "answers")
        if answers
    ]


async def _jurors(scope: _Scope) -> list[int]:
    """Everyone who sat, was assigned or scored in the event's sessions (placeholders excluded)."""
    found: set[int] = set()
    found.update(
        await JurySessionJuror.filter(session_id__in=scope.sessions).values_list("user_id", flat=True)
    )
    found.update(await Assignment.filter(session_id__in=scope.sessions).values_list("juror_id", flat=True))
    found.update(await ScoreSheet.filter(session_id__in=scope.sessions).values_list("juror_id", flat=True))
    found.update(await ScoreLogEntry.filter(sheet_id__in=scope.sheets).values_list("juror_id", flat=True))
    placeholders = set(
        await User.filter(
            id__in=list(found), email__startswith="anonymous-juror-", email__endswith="@invalid"
        ).values_list("id", flat=True)
    )
    return sorted(found - placeholders)


async def _teams_without_entries(scope: _Scope) -> QuerySet:
    with_entries = Subquery(Entry.filter(event_id=scope.event_id).values("team_id"))
    return Team.filter(event_id=scope.event_id).exclude(id__in=with_entries)


async def count_event(event: Event) -> dict[str, int]:
    """What purging the event would remove, anonymise or clear, per kind (nothing is changed)."""
    scope = _Scope(event.id)
    counts = {kind: await rows.count() for kind, rows, _update in _plain_steps(scope)}
    counts["entry_answers"] = len(await _answered_entries(event.id))
    counts["jurors"] = len(await _jurors(scope))
    counts["teams_without_entries"] = await (await _teams_without_entries(scope)).count()
    return {kind: counts[kind] for kind in KINDS}


async def anonymous_jurors(count: int, *, language: str = "fr") -> list[int]:
    """The ids of placeholder accounts 1..count, created when missing (shared by every purged event),
    named in `language` (a background purge has no reader to ask)."""
    emails = [ANONYMOUS_JUROR_EMAIL.format(n=n) for n in range(1, count + 1)]
    existing = dict(await User.filter(email__in=emails).values_list("email", "id"))
    for number, email in enumerate(emails, start=1):
        if email in existing:
            continue
        try:
            user = await User.create(
                email=email,
                name=catalogue(language).gettext(ANONYMOUS_JUROR_NAME) % {"n": number},
                password_hash=passwords.unusable_hash(),
                is_active=False,
                anonymised_at=datetime.now(UTC),
            )
        except IntegrityError:  # another process made it at the same moment
            user = await User.get(email=email)
        existing[email] = user.id
    return [existing[email] for email in emails]


def _remap_snapshot(snapshot: dict[str, Any] | None, mapping: dict[int, int]) -> dict[str, Any] | None:
    """The frozen results name jurors by account id (labels, normalisation): follow the placeholders."""
    if not snapshot:
        return snapshot
    for key in ("juror_labels", "coefficients"):
        if isinstance(snapshot.get(key), dict):
            snapshot[key] = {str(mapping.get(int(k), int(k))): v for k, v in snapshot[key].items()}
    return snapshot


async def _replace_jurors(scope: _Scope, mapping: dict[int, int]) -> None:
    for real, placeholder in mapping.items():
        await JurySessionJuror.filter(session_id__in=scope.sessions, user_id=real).update(user_id=placeholder)
        await Assignment.filter(session_id__in=scope.sessions, juror_id=real).update(juror_id=placeholder)
        await ScoreSheet.filter(session_id__in=scope.sessions, juror_id=real).update(juror_id=placeholder)
        await ScoreLogEntry.filter(sheet_id__in=scope.sheets, juror_id=real).update(juror_id=placeholder)
        # pairwise sessions: the comparison log still adds up, under the placeholder
        await Comparison.filter(session_id__in=scope.sessions, juror_id=real).update(juror_id=placeholder)
        await PairwiseState.filter(session_id__in=scope.sessions, juror_id=real).update(juror_id=placeholder)
    for session in await JurySession.filter(event_id=scope.event_id, results_snapshot__isnull=False):
        snapshot = _remap_snapshot(session.results_snapshot, mapping)
        await JurySession.filter(id=session.id).update(results_snapshot=snapshot)


async def _claim(event: Event, now: datetime, conn) -> bool:
    """Take the event for this transaction, or False when another process has it or it is done."""
    if conn.capabilities.dialect == "postgres":
        locked = await (
            Event.select_for_update(skip_locked=True).filter(id=event.id, purged_at__isnull=True).first()
        )
        if locked is None:
            return False
    # A write first: on SQLite the transaction holds the write lock from here on.
    return bool(await Event.filter(id=event.id, purged_at__isnull=True).update(purged_at=now))


async def purge_event(event: Event, *, now: datetime, language: str = "fr") -> dict[str, int] | None:
    """Purge one event's personal data (see the module docstring); None when it was not ours to purge."""
    scope = _Scope(event.id)
    # Made before the transaction: two processes purging two events may both create the next one.
    placeholders = await anonymous_jurors(len(await _jurors(scope)), language=language)
    async with in_transaction() as conn:
        if not await _claim(event, now, conn):
            return None
        counts: dict[str, int] = {}
        for kind, rows, update in _plain_steps(scope):
            counts[kind] = await (rows.update(**update) if update is not None else rows.delete())
        answered = await _answered_entries(event.id)
        if answered:
            await Entry.filter(id__in=answered).update(answers={})
        counts["entry_answers"] = len(answered)
        jurors = await _jurors(scope)
        if len(placeholders) < len(jurors):  # a juror seated since the count: one more placeholder
            placeholders = await anonymous_jurors(len(jurors), language=language)
        await _replace_jurors(scope, dict(zip(jurors, placeholders, strict=False)))
        counts["jurors"] = len(jurors)
        counts["teams_without_entries"] = await (await _teams_without_entries(scope)).delete()
    event.purged_at = now
    counts = {kind: counts[kind] for kind in KINDS}
    log.info(
        "purged personal data of event %s (%s): %s",
        event.id,
        event.slug,
        ", ".join(f"{kind}={n}" for kind, n in counts.items()),
    )
    return counts


async def _delete(rows: QuerySet, dry_run: bool) -> int:
    return await (rows.count() if dry_run else rows.delete())


async def purge_expired_sessions(*, now: datetime, session_lifetime: timedelta, dry_run: bool = False) -> int:
    """Server-side sessions past their lifetime: they no longer sign anyone in."""
    return await _delete(UserSession.filter(created_at__lt=now - session_lifetime), dry_run)


async def purge_old_rate_limits(*, now: datetime, dry_run: bool = False) -> int:
    """Rate-limit counters (failed sign-ins among them) older than RATE_LIMIT_RETENTION."""
    return await _delete(Throttle.filter(created_at__lt=now - RATE_LIMIT_RETENTION), dry_run)


async def purge_old_mail(*, now: datetime, dry_run: bool = False) -> int:
    """Mail that left the outbox (sent, logged, given up) more than MAIL_RETENTION ago."""
    done = [MailStatus.SENT, MailStatus.LOGGED, MailStatus.FAILED]
    return await _delete(OutboxMessage.filter(status__in=done, created_at__lt=now - MAIL_RETENTION), dry_run)


async def purge_old_webhook_deliveries(*, now: datetime, dry_run: bool = False) -> int:
    """Webhook deliveries delivered or given up more than WEBHOOK_DELIVERY_RETENTION ago; those
    still to try stay, whatever their age."""
    done = [DeliveryStatus.DELIVERED, DeliveryStatus.GAVE_UP]
    old = now - WEBHOOK_DELIVERY_RETENTION
    return await _delete(WebhookDelivery.filter(status__in=done, created_at__lt=old), dry_run)


async def purge(
    *,
    session_lifetime: timedelta,
    now: datetime | None = None,
    dry_run: bool = False,
    language: str = "fr",
) -> PurgeReport:
    """Purge every event past its retention, and expired sessions, old rate-limit counters, old mail
    and old webhook deliveries.

    `session_lifetime` is the web layer's (events.auth.SESSION_LIFETIME). `language` names the
    placeholder jurors when they are first made. A dry run counts and changes nothing.
    """
    now = now or datetime.now(UTC)
    report = PurgeReport(dry_run=dry_run)
    for event, purge_on in await due_events(now):
        try:
            if dry_run:
                counts: dict[str, int] | None = await count_event(event)
            else:
                counts = await purge_event(event, now=now, language=language)
        except Exception:  # one event's failure (rolled back) must not keep the others' data
            log.exception("purge of event %s failed: it is left to the next run", event.id)
            continue
        if counts is not None:
            report.events.append(EventPurge(event.id, event.slug, purge_on, counts))
    report.other = {
        "expired_sessions": await purge_expired_sessions(
            now=now, session_lifetime=session_lifetime, dry_run=dry_run
        ),
        "old_rate_limits": await purge_old_rate_limits(now=now, dry_run=dry_run),
        "old_mail": await purge_old_mail(now=now, dry_run=dry_run),
        "old_webhook_deliveries": await purge_old_webhook_deliveries(now=now, dry_run=dry_run),
    }
    if not dry_run and any(report.other.values()):
        log.info("purged %s", ", ".join(f"{kind}={n}" for kind, n in report.other.items()))
    return report
