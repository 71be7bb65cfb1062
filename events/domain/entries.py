"""Entries: a team's submission to a round and a challenge, its revisions, datasets and files.

Rules kept here:
- One entry per team, round and challenge (a UNIQUE constraint settles parallel creations).
- An entry can be changed until the round's deadline plus its grace period, checked with the
  server's clock in UTC inside the transaction that writes; after that it is frozen.
- Every change (fields, datasets, files, status) appends an `EntryRevision` with a snapshot.
- `set_entry_status` is the only place where an entry's status changes (draft → submitted).
- Who may enter a round: a round that follows a selection admits only its finalists
  (`events.domain.finalists`), and a team larger than the round's `team_max` can neither start nor
  submit an entry to it. Both are checked inside the writing transaction, under the team's lock,
  so a form posted by hand is refused like the hidden button.
- Writes for one team run under a lock on its row (PostgreSQL; SQLite serialises transactions),
  so a quota or a revision number cannot be raced past.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain import finalists, gallery, published, webhooks
from events.domain.errors import FormErrors
from events.domain.numbers import parse_id
from events.domain.spdx import code_licence
from events.i18n import _, format_megabytes, format_size, format_when, ngettext, timezone_note
from events.mail import mail_users
from events.models import (
    Challenge,
    ChallengeStatus,
    Dataset,
    DeadlineReminder,
    Entry,
    EntryDataset,
    EntryFile,
    EntryRevision,
    EntryStatus,
    Event,
    EventRole,
    Image,
    Role,
    Round,
    Team,
    TeamChallenge,
    TeamMember,
    User,
)
from events.storage import StoredFile

log = logging.getLogger("hackcity.entries")

MAX_DESCRIPTION = 20_000
MAX_URL = 500
MAX_NOTE = 1000
MAX_SHORT_ANSWER = 500
MAX_LONG_ANSWER = 5000
MAX_FILES_PER_ENTRY = 20
REMINDER_AHEAD = timedelta(hours=24)
ENTRY_FIELDS = ("title", "summary", "description", "repository_url", "demo_url", "video_url", "code_licence")


class EntryClosed(FormErrors):
    """The round does not accept changes now (deadline passed, or not open yet)."""

    def __init__(self, message: str) -> None:
        super().__init__({None: message})
        self.message = message


class QuotaExceeded(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- reading ---------------------------------------------------------------------------------------


def closes_at(stage: Round) -> datetime | None:
    """The instant the server stops accepting changes: the deadline plus the grace period."""
    if stage.deadline is None:
        return None
    return stage.deadline + timedelta(minutes=stage.grace_minutes)


def closed_reason(stage: Round, event: Event, now: datetime) -> str | None:
    """Why the round refuses changes at `now`, or None when it accepts them."""
    end = closes_at(stage)
    if end is not None and now >= end:
        return _(
            "The deadline of this round passed on %(when)s: entries can no longer be changed.",
            when=format_when(stage.deadline, event.timezone),
        )
    if stage.opens_at is not None and now < stage.opens_at:
        return _(
            "This round opens for entries on %(when)s.",
            when=format_when(stage.opens_at, event.timezone),
        )
    return None


def is_frozen(stage: Round, now: datetime) -> bool:
    end = closes_at(stage)
    return end is not None and now >= end


def size_refusal(stage: Round, members: int) -> str | None:
    """Why a team of `members` people may not enter or submit to the round (None: it may)."""
    if members <= stage.team_max:
        return None
    return ngettext(
        "The round %(round)s allows teams of at most %(num)s member and yours has %(count)s: "
        "the team must be smaller to enter it or submit to it.",
        "The round %(round)s allows teams of at most %(num)s members and yours has %(count)s: "
        "the team must be smaller to enter it or submit to it.",
        stage.team_max,
        round=stage.name,
        count=members,
    )


@dataclass
class EntrySlot:
    """One line of a team's entries page: a round and a challenge, the entry if there is one, and
    why none can be started (deadline, finalists only, team size) when it cannot."""

    round: Round
    challenge: Challenge
    entry: Entry | None
    closes_at: datetime | None
    refused: str | None


@dataclass
class Admission:
    """What the entry page says about the round's rules for the team: its size, and why it may not
    submit (None: it may)."""

    members: int
    refused: str | None


async def admission(*, entry: Entry, stage: Round) -> Admission:
    members = await TeamMember.filter(team_id=entry.team_id).count()
    refused = await finalists.refusal(team_id=entry.team_id, stage=stage, challenge_id=entry.challenge_id)
    return Admission(members=members, refused=refused or size_refusal(stage, members))


async def entry_slots(*, event: Event, team: Team, now: datetime | None = None) -> list[EntrySlot]:
    """Every (round, challenge) the team may see on its entries page, in order."""
    now = now or datetime.now(UTC)
    rounds = await Round.filter(event_id=event.id).order_by("position", "id")
    challenges = await challenges_for(team=team, event=event)
    entries = await Entry.filter(team_id=team.id)
    existing = {(e.round_id, e.challenge_id): e for e in entries}
    members = await TeamMember.filter(team_id=team.id).count()
    gated = await finalists.refusals(
        team_id=team.id, rounds=rounds, challenge_ids=[c.id for c in challenges], entries=entries
    )
    return [
        EntrySlot(
            round=stage,
            challenge=challenge,
            entry=existing.get((stage.id, challenge.id)),
            closes_at=closes_at(stage),
            refused=gated.get((stage.id, challenge.id))
            or closed_reason(stage, event, now)
            or size_refusal(stage, members),
        )
        for stage in rounds
        for challenge in challenges
    ]


async def team_of(*, event: Event, user: User | None) -> Team | None:
    if user is None:
        return None
    member = await TeamMember.get_or_none(event_id=event.id, user_id=user.id).select_related("team")
    return member.team if member else None


@dataclass
class TeamEntries:
    """A team's entries page: the user's team (None: not in one), a line per round and challenge,
    and the ids of the entries a published jury session gave feedback on."""

    team: Team | None
    slots: list[EntrySlot]
    with_feedback: set[int]


async def team_entries(*, event: Event, user: User | None, now: datetime | None = None) -> TeamEntries:
    """What the team's entries page shows, in a constant number of queries whatever the number of
    rounds, challenges and entries."""
    team = await team_of(event=event, user=user)
    if team is None:
        return TeamEntries(team=None, slots=[], with_feedback=set())
    slots = await entry_slots(event=event, team=team, now=now)
    with_feedback = await published.entries_with_feedback(
        event, [slot.entry.id for slot in slots if slot.entry is not None]
    )
    return TeamEntries(team=team, slots=slots, with_feedback=with_feedback)


async def is_member(*, team_id: int, user: User | None) -> bool:
    return user is not None and await TeamMember.exists(team_id=team_id, user_id=user.id)


async def is_organiser(*, event: Event, user: User | None) -> bool:
    if user is None:
        return False
    return user.is_admin or await EventRole.exists(event_id=event.id, user_id=user.id, role=Role.ORGANISER)


async def entry_for_member(*, event: Event, user: User | None, entry_id: int) -> Entry | None:
    """The entry if the user is a member of its team; None (the route answers 404) otherwise."""
    entry = await Entry.get_or_none(id=entry_id, event_id=event.id).select_related(
        "team", "round", "challenge"
    )
    if entry is None or not await is_member(team_id=entry.team_id, user=user):
        return None
    return entry


async def entry_for_reader(*, event: Event, user: User | None, entry_id: int) -> Entry | None:
    """The entry if the user may read it and its files: its team's members, the event's organisers,
    and anyone once the entry is in the public gallery (`events.domain.gallery`)."""
    entry = await Entry.get_or_none(id=entry_id, event_id=event.id).select_related(
        "team", "round", "challenge"
    )
    if entry is None:
        return None
    if await is_member(team_id=entry.team_id, user=user) or await is_organiser(event=event, user=user):
        return entry
    if (await gallery.viewer_for(event=event, user=user)).in_gallery(entry):
        return entry
    return None


@dataclass
class EntryPage:
    """What a team's entry page shows besides the entry: its round and challenge, the event's
    dataset catalogue and the datasets declared, the files, the last revisions, whether the round
    accepts changes now, the round's rules for the team, and the team's storage used."""

    stage: Round
    challenge: Challenge
    catalogue: list[Dataset]
    links: list[EntryDataset]
    files: list[EntryFile]
    revisions: list[EntryRevision]
    closed: str | None
    closes_at: datetime | None
    admission: Admission
    used_bytes: int


async def entry_page(*, entry: Entry, event: Event, now: datetime | None = None) -> EntryPage:
    """The entry page of a team's member, in a constant number of queries."""
    now = now or datetime.now(UTC)
    stage = await Round.get(id=entry.round_id)
    return EntryPage(
        stage=stage,
        challenge=await Challenge.get(id=entry.challenge_id),
        catalogue=await Dataset.filter(event_id=event.id).order_by("title", "id"),
        links=await EntryDataset.filter(entry_id=entry.id),
        files=await EntryFile.filter(entry_id=entry.id).order_by("id"),
        revisions=await EntryRevision.filter(entry_id=entry.id)
        .select_related("author")
        .order_by("-number")
        .limit(20),
        closed=closed_reason(stage, event, now),
        closes_at=closes_at(stage),
        admission=await admission(entry=entry, stage=stage),
        used_bytes=await team_usage(entry.team_id),
    )


async def why_closed(*, entry: Entry, event: Event, now: datetime | None = None) -> str | None:
    """Why the entry's round refuses changes now (`closed_reason`), or None when it accepts them."""
    return closed_reason(await Round.get(id=entry.round_id), event, now or datetime.now(UTC))


async def file_for_reader(
    *, event: Event, user: User | None, entry_id: int, file_id: int
) -> EntryFile | None:
    """A file of an entry the user may read (`entry_for_reader`); None for anything else."""
    entry = await entry_for_reader(event=event, user=user, entry_id=entry_id)
    if entry is None:
        return None
    return await EntryFile.get_or_none(id=file_id, entry_id=entry.id)


async def challenges_for(*, team: Team, event: Event) -> list[Challenge]:
    """The challenges a team may enter: the ones it picked, or every published one while it has
    picked none (events where teams do not pick)."""
    published = Challenge.filter(event_id=event.id, status=ChallengeStatus.PUBLISHED)
    picked = await TeamChallenge.filter(team_id=team.id).values_list("challenge_id", flat=True)
    if picked:
        published = published.filter(id__in=list(picked))
    return await published.order_by("position", "id")


async def team_usage(team_id: int) -> int:
    """Bytes of all the files of a team's entries, for the quota."""
    sizes = await EntryFile.filter(entry__team_id=team_id).values_list("size", flat=True)
    return sum(sizes)


async def _mail_members(team_id: int, compose: Callable[[], tuple[str, str]]) -> int:
    """Queue one mail per active member, composed in that member's language."""
    members = await User.filter(memberships__team_id=team_id).order_by("memberships__id")
    return await mail_users(members, lambda _member: compose())


# --- validation ------------------------------------------------------------------------------------


def _url(value: str, name: str, errors: dict[str | None, str]) -> str:
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > MAX_URL:
        errors[name] = _(
            "Enter an address starting with http:// or https:// (at most %(n)s characters).", n=MAX_URL
        )
    elif any(ch.isspace() or ord(ch) < 32 for ch in value):
        errors[name] = _("An address cannot contain spaces.")
    return value


def question_field(key: str) -> str:
    return f"q_{key}"


def _answers(stage: Round, values: dict[str, str], errors: dict[str | None, str]) -> dict[str, Any]:
    """The answers to the round's own questions; other posted names are never read."""
    answers: dict[str, Any] = {}
    for question in stage.questions or []:
        key, kind = question.get("key", ""), question.get("kind", "text")
        name = question_field(key)
        raw = values.get(name, "")
        if kind == "checkbox":
            answers[key] = raw in ("on", "1", "true", "yes")
            continue
        text = raw.strip()
        if kind == "url":
            text = _url(text, name, errors)
        elif kind == "choice":
            if text and text not in question.get("choices", []):
                errors[name] = _("Choose one of the offered answers.")
        elif kind == "long_text":
            if len(text) > MAX_LONG_ANSWER:
                errors[name] = _("Use at most %(n)s characters.", n=MAX_LONG_ANSWER)
        elif len(text) > MAX_SHORT_ANSWER:
            errors[name] = _("Use at most %(n)s characters.", n=MAX_SHORT_ANSWER)
        answers[key] = text
    return answers


def clean_entry(*, stage: Round, values: dict[str, str]) -> dict[str, Any]:
    """The entry's fields from a form (only the names it offers), or FormErrors."""
    errors: dict[str | None, str] = {}
    title = " ".join(values.get("title", "").split())
    if not title or len(title) > 200:
        errors["title"] = _("Enter a title of at most 200 characters.")
    summary = " ".join(values.get("summary", "").split())
    if len(summary) > 500:
        errors["summary"] = _("Use at most %(n)s characters.", n=500)
    description = values.get("description", "").replace("\r\n", "\n").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _("Use at most %(n)s characters.", n=MAX_DESCRIPTION)
    cleaned: dict[str, Any] = {"title": title, "summary": summary, "description": description}
    for name in ("repository_url", "demo_url", "video_url"):
        cleaned[name] = _url(values.get(name, ""), name, errors)
    licence = values.get("code_licence", "").strip()
    if licence:
        spdx = code_licence(licence)
        if spdx is None:
            errors["code_licence"] = _(
                "Enter an SPDX licence identifier from the list, such as MIT or Apache-2.0."
            )
        licence = spdx or licence[:64]
    cleaned["code_licence"] = licence
    cleaned["answers"] = _answers(stage, values, errors)
    if errors:
        raise FormErrors(errors)
    return cleaned


async def _clean_datasets(event: Event, dataset_notes: dict[int, str]) -> dict[int, str]:
    errors: dict[str | None, str] = {}
    known = set(
        await Dataset.filter(event_id=event.id, id__in=list(dataset_notes)).values_list("id", flat=True)
    )
    notes = {}
    for dataset_id, note in dataset_notes.items():
        if dataset_id not in known:
            errors["datasets"] = _("Choose datasets from the event's catalogue.")
            continue
        note = note.strip()
        if len(note) > MAX_NOTE:
            errors[f"dataset_{dataset_id}_note"] = _("Use at most %(n)s characters.", n=MAX_NOTE)
        notes[dataset_id] = note
    if errors:
        raise FormErrors(errors)
    return notes


def missing_for_submission(entry: Entry, stage: Round) -> dict[str | None, str]:
    """What a draft lacks before it can be submitted: the round's required questions."""
    errors: dict[str | None, str] = {}
    for question in stage.questions or []:
        if question.get("required") and not entry.answers.get(question.get("key", "")):
            errors[question_field(question["key"])] = _(
                "Answer the question “%(label)s” before submitting.", label=question.get("label", "")
            )
    return errors


# --- writing ---------------------------------------------------------------------------------------


async def _lock_team(team_id: int) -> None:
    """Serialise one team's writes (a no-op on SQLite, whose transactions are serial anyway)."""
    await Team.select_for_update().get(id=team_id)


async def _check_open(stage_id: int, event: Event, now: datetime | None) -> datetime:
    """Inside the writing transaction: re-read the round (an organiser may have moved the deadline)
    and refuse with the reason if it is closed. Returns the instant used."""
    stage = await Round.get(id=stage_id)
    now = now or datetime.now(UTC)
    reason = closed_reason(stage, event, now)
    if reason:
        raise EntryClosed(reason)
    return now


async def _check_admitted(team_id: int, stage: Round, challenge_id: int) -> None:
    """Inside the writing transaction: the round admits this team (finalists, team size)."""
    reason = await finalists.refusal(team_id=team_id, stage=stage, challenge_id=challenge_id)
    reason = reason or size_refusal(stage, await TeamMember.filter(team_id=team_id).count())
    if reason:
        raise FormErrors({None: reason})


async def snapshot(entry: Entry) -> dict[str, Any]:
    return (await snapshots([entry]))[entry.id]


async def snapshots(entries: list[Entry]) -> dict[int, dict[str, Any]]:
    """What an entry revision keeps of each entry (its fields, datasets and files), for many entries
    in two queries."""
    ids = [entry.id for entry in entries]
    links = (
        await EntryDataset.filter(entry_id__in=ids)
        .select_related("dataset")
        .order_by("entry_id", "dataset_id")
    )
    files = await EntryFile.filter(entry_id__in=ids).order_by("id")
    data: dict[int, dict[str, Any]] = {}
    for entry in entries:
        data[entry.id] = {name: getattr(entry, name) for name in ENTRY_FIELDS}
        data[entry.id].update(status=str(entry.status), answers=entry.answers, datasets=[], files=[])
    for link in links:
        data[link.entry_id]["datasets"].append(
            {"id": link.dataset_id, "title": link.dataset.title, "note": link.note}
        )
    for f in files:
        data[f.entry_id]["files"].append(
            {"id": f.id, "name": f.original_name, "size": f.size, "sha256": f.sha256}
        )
    return data


async def _append_revision(entry: Entry, user: User | None) -> EntryRevision:
    """Bump the entry's version and keep a snapshot under that number (under the team lock)."""
    current = await Entry.filter(id=entry.id).values_list("version", flat=True)
    entry.version = int(current[0]) + 1
    await Entry.filter(id=entry.id).update(version=entry.version)
    return await EntryRevision.create(
        entry_id=entry.id, number=entry.version, data=await snapshot(entry), author=user
    )


async def _set_datasets(entry: Entry, notes: dict[int, str]) -> None:
    """Declare the datasets of `notes` (id -> how the team used it), each at its current version.

    A dataset declared before keeps the version it was declared at; one declared again after
    being removed is a new declaration, at the version of today.
    """
    existing = {link.dataset_id: link for link in await EntryDataset.filter(entry_id=entry.id)}
    for dataset_id, link in existing.items():
        if dataset_id not in notes:
            await link.delete()
        elif link.note != notes[dataset_id]:
            link.note = notes[dataset_id]
            await link.save(update_fields=["note"])
    added = [dataset_id for dataset_id in notes if dataset_id not in existing]
    versions = {
        dataset_id: last_modified or fetched_at
        for dataset_id, last_modified, fetched_at in await Dataset.filter(id__in=added).values_list(
            "id", "last_modified", "fetched_at"
        )
    }
    for dataset_id in added:
        await EntryDataset.create(
            entry_id=entry.id,
            dataset_id=dataset_id,
            note=notes[dataset_id],
            declared_version=versions.get(dataset_id),
        )


async def start_entry(
    *, event: Event, team: Team, user: User, round_id: str, challenge_id: str, title: str
) -> Entry:
    """Start the team's draft from the form of its entries page: a round and a challenge of the event
    (their ids as posted) and a title. The existing entry if the team has one there already."""
    stage = await Round.get_or_none(id=parse_id(round_id) or 0, event_id=event.id)
    challenge = await Challenge.get_or_none(id=parse_id(challenge_id) or 0, event_id=event.id)
    if stage is None or challenge is None:
        raise FormErrors({None: _("Choose a round and a challenge of this event.")})
    return await create_entry(
        event=event,
        team=team,
        stage=stage,
        challenge=challenge,
        user=user,
        values={"title": title},
        dataset_notes={},
    )


async def create_entry(
    *,
    event: Event,
    team: Team,
    stage: Round,
    challenge: Challenge,
    user: User,
    values: dict[str, str],
    dataset_notes: dict[int, str],
    now: datetime | None = None,
) -> Entry:
    """Start the team's draft for a round and a challenge; the existing one if there is one already."""
    if stage.event_id != event.id or challenge.event_id != event.id or team.event_id != event.id:
        raise FormErrors({None: _("Choose a round and a challenge of this event.")})
    if challenge.id not in {c.id for c in await challenges_for(team=team, event=event)}:
        raise FormErrors({None: _("Your team cannot enter this challenge.")})
    fields = clean_entry(stage=stage, values=values)
    notes = await _clean_datasets(event, dataset_notes)
    try:
        async with in_transaction():
            await _lock_team(team.id)
            await _check_open(stage.id, event, now)
            existing = await Entry.get_or_none(team_id=team.id, round_id=stage.id, challenge_id=challenge.id)
            if existing is not None:
                return existing
            await _check_admitted(team.id, await Round.get(id=stage.id), challenge.id)
            entry = await Entry.create(
                event=event, team=team, round=stage, challenge=challenge, version=0, **fields
            )
            await _set_datasets(entry, notes)
            await _append_revision(entry, user)
    except IntegrityError:
        # A parallel request created it first (the UNIQUE constraint): that one is the entry.
        return await Entry.get(team_id=team.id, round_id=stage.id, challenge_id=challenge.id)
    log.info("entry %s created by user %s for team %s", entry.id, user.id, team.id)
    return entry


async def save_entry(
    *,
    entry: Entry,
    event: Event,
    user: User,
    values: dict[str, str],
    dataset_notes: dict[int, str],
    now: datetime | None = None,
) -> Entry:
    """Save the form over the entry and keep a revision; refused once the round has closed."""
    stage = await Round.get(id=entry.round_id)
    fields = clean_entry(stage=stage, values=values)
    notes = await _clean_datasets(event, dataset_notes)
    async with in_transaction():
        await _lock_team(entry.team_id)
        await _check_open(entry.round_id, event, now)
        await Entry.filter(id=entry.id).update(**fields)
        for name, value in fields.items():
            setattr(entry, name, value)
        await _set_datasets(entry, notes)
        await _append_revision(entry, user)
    log.info("entry %s saved by user %s (version %s)", entry.id, user.id, entry.version)
    return entry


def dataset_notes(form: dict[str, str], catalogue: list[Dataset]) -> dict[int, str]:
    """The datasets ticked on the entry form (`dataset_<id>`, with its note `dataset_<id>_note`):
    only ids of this event's catalogue are read."""
    return {
        dataset.id: form.get(f"dataset_{dataset.id}_note", "")
        for dataset in catalogue
        if form.get(f"dataset_{dataset.id}") in ("on", "1", "true", "yes")
    }


async def save_entry_form(
    *,
    entry: Entry,
    event: Event,
    user: User,
    form: dict[str, str],
    submit: bool,
    now: datetime | None = None,
    base_url: str = "",
) -> Entry:
    """The entry form posted: save it (`save_entry`), then submit it (`set_entry_status`) if asked."""
    catalogue = await Dataset.filter(event_id=event.id)
    await save_entry(
        entry=entry,
        event=event,
        user=user,
        values=form,
        dataset_notes=dataset_notes(form, catalogue),
        now=now,
    )
    if submit:
        await set_entry_status(
            entry=entry, event=event, status=EntryStatus.SUBMITTED, user=user, now=now, base_url=base_url
        )
    return entry


async def set_entry_status(
    *,
    entry: Entry,
    event: Event,
    status: EntryStatus | str,
    user: User,
    now: datetime | None = None,
    base_url: str = "",
) -> Entry:
    """The one transition of an entry's status. Today: draft → submitted, before the deadline, with
    the round's required questions answered; the team gets a receipt by mail, and the event's
    webhooks the news (their links built from `base_url`)."""
    try:
        wanted = EntryStatus(status)
    except ValueError:
        raise FormErrors({None: _("This change of status is not possible.")}) from None
    async with in_transaction():
        await _lock_team(entry.team_id)
        moment = await _check_open(entry.round_id, event, now)
        fresh = await Entry.get(id=entry.id)
        if not (fresh.status == EntryStatus.DRAFT and wanted == EntryStatus.SUBMITTED):
            raise FormErrors({None: _("This change of status is not possible.")})
        stage = await Round.get(id=entry.round_id)
        await _check_admitted(fresh.team_id, stage, fresh.challenge_id)
        missing = missing_for_submission(fresh, stage)
        if missing:
            raise FormErrors(missing)
        await Entry.filter(id=entry.id).update(status=wanted, submitted_at=moment)
        entry.status, entry.submitted_at = wanted, moment
        for name in (*ENTRY_FIELDS, "answers"):
            setattr(entry, name, getattr(fresh, name))
        await _append_revision(entry, user)
        await _queue_receipt(entry, event, stage, moment)
        await webhooks.emit(
            event,
            webhooks.ENTRY_SUBMITTED,
            lambda: webhooks.entry_data(entry, event, base_url),
            base_url=base_url,
        )
    log.info("entry %s submitted by user %s", entry.id, user.id)
    return entry


async def _queue_receipt(entry: Entry, event: Event, stage: Round, moment: datetime) -> None:
    """A receipt with what was submitted, to every member of the team (queued in the transaction)."""
    data = await snapshot(entry)
    challenge = await Challenge.get(id=entry.challenge_id)

    def compose() -> tuple[str, str]:
        listed_datasets = "\n".join(f"- {d['title']}" for d in data["datasets"]) or _("(none)")
        listed_files = "\n".join(
            f"- {f['name']} ({format_size(f['size'])}, sha256 {f['sha256'][:12]}…)" for f in data["files"]
        ) or _("(none)")
        body = _(
            "Hello,\n\nYour team's entry to %(event)s is submitted.\n\n"
            "Title: %(title)s\nRound: %(round)s\nChallenge: %(challenge)s\nSubmitted on: %(when)s\n\n"
            "Datasets used:\n%(datasets)s\n\nFiles:\n%(files)s\n\n"
            "You can still change it until %(deadline)s.\n",
            event=event.title,
            title=entry.title,
            round=stage.name,
            challenge=challenge.title,
            when=format_when(moment, event.timezone),
            datasets=listed_datasets,
            files=listed_files,
            deadline=format_when(closes_at(stage), event.timezone)
            if stage.deadline
            else _("the round closes"),
        )
        # a mail has no page header: it names the event's zone itself
        body += "\n" + timezone_note(event.timezone) + "\n"
        return _("Entry submitted: %(title)s", title=entry.title), body

    await _mail_members(entry.team_id, compose)


# --- files -----------------------------------------------------------------------------------------


async def add_entry_file(
    *,
    entry: Entry,
    event: Event,
    user: User,
    stored: StoredFile,
    original_name: str,
    content_type: str,
    quota_bytes: int,
    now: datetime | None = None,
) -> EntryFile:
    """Record a file already moved into storage. Refused (and the caller deletes the stored file)
    when the round has closed or the team's quota would be exceeded."""
    async with in_transaction():
        await _lock_team(entry.team_id)
        await _check_open(entry.round_id, event, now)
        used = await team_usage(entry.team_id)
        if used + stored.size > quota_bytes:
            raise QuotaExceeded(
                _(
                    "Your team's files would use more than its %(quota)s: remove a file first.",
                    quota=format_megabytes(quota_bytes // (1024 * 1024)),
                )
            )
        if await EntryFile.filter(entry_id=entry.id).count() >= MAX_FILES_PER_ENTRY:
            raise QuotaExceeded(
                ngettext(
                    "An entry has at most %(num)s file.",
                    "An entry has at most %(num)s files.",
                    MAX_FILES_PER_ENTRY,
                )
            )
        record = await EntryFile.create(
            entry_id=entry.id,
            storage_key=stored.key,
            original_name=original_name,
            content_type=content_type,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by=user,
        )
        await _append_revision(entry, user)
    log.info("file %s (%s bytes) added to entry %s by user %s", record.id, stored.size, entry.id, user.id)
    return record


async def remove_entry_file(
    *, entry: Entry, event: Event, file_id: int, user: User, now: datetime | None = None
) -> EntryFile | None:
    """Delete a file's row before the deadline; the caller then deletes the stored bytes."""
    async with in_transaction():
        await _lock_team(entry.team_id)
        await _check_open(entry.round_id, event, now)
        record = await EntryFile.get_or_none(id=file_id, entry_id=entry.id)
        if record is None:
            return None
        await record.delete()
        await _append_revision(entry, user)
    log.info("file %s removed from entry %s by user %s", file_id, entry.id, user.id)
    return record


async def sweep_orphan_files(storage, **age) -> int:
    """Remove stored files that no EntryFile or Image row names (crash between move and commit);
    `age` may give `min_age_seconds` (the storage's default otherwise)."""
    known = await EntryFile.all().values_list("storage_key", flat=True)
    known += await Image.all().values_list("storage_key", flat=True)
    return await storage.sweep_orphans(known, **age)


# --- reminders -------------------------------------------------------------------------------------


async def send_deadline_reminders(*, now: datetime | None = None, base_url: str = "") -> int:
    """Mail the teams whose entry is still a draft when a round's deadline is less than 24 hours away.

    Idempotent: a `DeadlineReminder` row per entry and deadline is inserted in the same transaction
    as the mail, and its UNIQUE constraint stops a second sending (parallel runs included).
    Returns how many entries were reminded.
    """
    now = now or datetime.now(UTC)
    stages = await Round.filter(deadline__gt=now, deadline__lte=now + REMINDER_AHEAD).select_related("event")
    reminded = 0
    for stage in stages:
        event = stage.event
        reminded_ids = await DeadlineReminder.filter(
            entry__round_id=stage.id, deadline=stage.deadline
        ).values_list("entry_id", flat=True)
        drafts = await Entry.filter(round_id=stage.id, status=EntryStatus.DRAFT).exclude(
            id__in=list(reminded_ids)
        )
        for entry in drafts:
            try:
                async with in_transaction():
                    await DeadlineReminder.create(entry_id=entry.id, deadline=stage.deadline)
                    link = f"{base_url}/events/{event.slug}/entries/{entry.id}/edit"

                    def compose(entry=entry, stage=stage, event=event, link=link) -> tuple[str, str]:
                        body = _(
                            "Hello,\n\nYour team's entry “%(title)s” to %(event)s is still a draft. "
                            "The deadline of the round %(round)s is %(deadline)s.\n\n"
                            "Submit it before then:\n\n%(link)s\n",
                            title=entry.title,
                            event=event.title,
                            round=stage.name,
                            deadline=format_when(stage.deadline, event.timezone),
                            link=link,
                        )
                        body += "\n" + timezone_note(event.timezone) + "\n"
                        return _(
                            "Reminder: your entry to %(event)s is still a draft", event=event.title
                        ), body

                    await _mail_members(entry.team_id, compose)
            except IntegrityError:
                continue  # reminded by a parallel run
            reminded += 1
    if reminded:
        log.info("deadline reminders sent for %s entries", reminded)
    return reminded
