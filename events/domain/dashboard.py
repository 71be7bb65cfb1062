"""What an organiser's dashboard shows: the counts of the event's challenges, datasets, rounds and
people, its timeline and next deadline, what needs the organiser's attention, how long its
personal data is kept, and the figures it draws (docs/FIGURES.md)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.functions import Count

from events.domain import schedule
from events.domain.retention import RetentionStatus, retention_status
from events.domain.rounds import overlapping_rounds
from events.domain.sql import rows
from events.i18n import _, ngettext
from events.models import (
    Challenge,
    ChallengeDataset,
    ChallengeStatus,
    Dataset,
    DatasetStatus,
    Entry,
    EntryDataset,
    EntryStatus,
    Event,
    EventRole,
    Registration,
    Round,
    Selection,
)

MOST_REUSED = 10  # datasets in the dashboard's figure of reuses

# The funnel's five counts in one statement. Parameters: the event's id (four times), the submitted
# status, the event's id, the selected decision.
FUNNEL = (
    "SELECT (SELECT COUNT(*) FROM registration WHERE event_id = ?) AS registrants, "
    "(SELECT COUNT(*) FROM team WHERE event_id = ?) AS teams, "
    "(SELECT COUNT(*) FROM entry WHERE event_id = ?) AS entries, "
    "(SELECT COUNT(*) FROM entry WHERE event_id = ? AND status = ?) AS submitted, "
    "(SELECT COUNT(*) FROM entry WHERE event_id = ? AND selection = ?) AS selected"
)
FUNNEL_STAGES = ("registrants", "teams", "entries", "submitted", "selected")


@dataclass(frozen=True)
class Figures:
    """What the dashboard draws (templates/_figures.html), each list in the order it is drawn."""

    per_day: list[tuple[date, int]] = field(default_factory=list)  # every day, first to last
    funnel: list[tuple[str, int]] = field(default_factory=list)  # (stage, count), FUNNEL_STAGES
    per_challenge: list[tuple[str, int]] = field(default_factory=list)  # (title, entries), by title
    reuse: list[tuple[str, int]] = field(default_factory=list)  # (title, entries): most reused first


def days_of(moments: list[datetime], timezone: str) -> list[tuple[date, int]]:
    """How many `moments` fell on each local day, from the first day to the last, empty days included."""
    zone = ZoneInfo(timezone)
    counted = Counter(moment.astimezone(zone).date() for moment in moments)
    if not counted:
        return []
    day, last = min(counted), max(counted)
    result = []
    while day <= last:
        result.append((day, counted.get(day, 0)))
        day += timedelta(days=1)
    return result


@dataclass(frozen=True)
class Dashboard:
    counts: dict[str, int]
    timeline: list[schedule.Milestone]
    next_deadline: schedule.Milestone | None
    attention: list[str]
    retention: RetentionStatus | None = None
    figures: Figures = field(default_factory=Figures)


async def figures(event: Event, challenges: list[tuple[int, str, str]]) -> Figures:
    """The dashboard's figures in four queries, whatever the size of the event: registration dates,
    the funnel's counts, entries grouped by challenge, and the most reused datasets."""
    moments = await Registration.filter(event_id=event.id).values_list("created_at", flat=True)
    counts = (
        await rows(
            FUNNEL,
            [event.id] * 4 + [EntryStatus.SUBMITTED.value, event.id, Selection.SELECTED.value],
        )
    )[0]
    per_challenge = Counter(
        dict(
            await Entry.filter(event_id=event.id)
            .group_by("challenge_id")
            .annotate(n=Count("id"))
            .values_list("challenge_id", "n")
        )
    )
    reused = (
        await EntryDataset.filter(dataset__event_id=event.id)
        .group_by("dataset_id", "dataset__title")
        .annotate(n=Count("entry_id", distinct=True))
        .order_by("-n", "dataset__title")
        .limit(MOST_REUSED)
        .values_list("dataset__title", "n")
    )
    return Figures(
        per_day=days_of(list(moments), event.timezone),
        funnel=[(stage, int(counts[stage])) for stage in FUNNEL_STAGES],
        per_challenge=sorted(
            ((title, per_challenge.get(challenge_id, 0)) for challenge_id, title, _status in challenges),
            key=lambda item: item[0].casefold(),
        ),
        reuse=[(title, int(n)) for title, n in reused],
    )


async def dashboard(*, event: Event, now: datetime | None = None) -> Dashboard:
    """Counts, the timeline and what needs the organiser's attention."""
    rounds = await Round.filter(event_id=event.id).order_by("position", "id")
    # A few columns of each: a catalogue of hundreds read whole (JSON metadata included) costs more
    # than the rest of the page.
    challenges = await Challenge.filter(event_id=event.id).values_list("id", "title", "status")
    offering = set(
        await ChallengeDataset.filter(challenge__event_id=event.id).values_list("challenge_id", flat=True)
    )
    datasets = await Dataset.filter(event_id=event.id).values_list("title", "status", "licence_spdx")
    people = await EventRole.filter(event_id=event.id).distinct().values_list("user_id", flat=True)
    items = schedule.timeline(event, rounds)
    attention: list[str] = []
    for challenge_id, title, status in challenges:
        if status in (ChallengeStatus.DRAFT, ChallengeStatus.PUBLISHED) and challenge_id not in offering:
            attention.append(_("The challenge “%(title)s” offers no dataset.", title=title))
    proposed = sum(1 for _id, _title, status in challenges if status == ChallengeStatus.PROPOSED)
    if proposed:
        attention.append(
            ngettext(
                "%(num)s proposed challenge waits for a decision.",
                "%(num)s proposed challenges wait for a decision.",
                proposed,
            )
        )
    if not any(status == ChallengeStatus.PUBLISHED for _id, _title, status in challenges):
        attention.append(_("No challenge is published yet."))
    for title, status, licence_spdx in datasets:
        if status == DatasetStatus.GONE:
            attention.append(_("The dataset “%(title)s” is gone at its source.", title=title))
        if not licence_spdx:
            attention.append(_("The dataset “%(title)s” has no known licence.", title=title))
    for first, second in overlapping_rounds(rounds):
        attention.append(
            _(
                "The submission windows of the rounds “%(first)s” and “%(second)s” overlap.",
                first=first.name,
                second=second.name,
            )
        )
    if event.registration_opens_at is None or event.registration_closes_at is None:
        attention.append(_("The registration window is not set."))
    counts = {
        "challenges": len(challenges),
        "datasets": len(datasets),
        "rounds": len(rounds),
        "people": len(set(people)),
    }
    privacy = await retention_status(event, now)
    drawn = await figures(event, list(challenges))
    return Dashboard(counts, items, schedule.next_deadline(items, now), attention, privacy, drawn)
