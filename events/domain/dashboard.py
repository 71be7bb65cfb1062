"""What an organiser's dashboard shows: the counts of the event's challenges, datasets, rounds and
people, its timeline and next deadline, what needs the organiser's attention, and how long its
personal data is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from events.domain import schedule
from events.domain.retention import RetentionStatus, retention_status
from events.domain.rounds import overlapping_rounds
from events.i18n import _, ngettext
from events.models import (
    Challenge,
    ChallengeDataset,
    ChallengeStatus,
    Dataset,
    DatasetStatus,
    Event,
    EventRole,
    Round,
)


@dataclass(frozen=True)
class Dashboard:
    counts: dict[str, int]
    timeline: list[schedule.Milestone]
    next_deadline: schedule.Milestone | None
    attention: list[str]
    retention: RetentionStatus | None = None


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
    return Dashboard(counts, items, schedule.next_deadline(items, now), attention, privacy)
