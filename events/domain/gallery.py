"""The public side of entries: when the gallery is public, who may read an entry, the reuse report.

Rules kept here:
- The gallery shows the *submitted* entries of the event's *last* round (the prototypes, the
  hackathon's projects). Entries of earlier rounds (applications) stay private to their team and
  to the organisers: they often hold company details that were never meant for the public.
- `Event.gallery`: `open` shows it now, `closed` hides it (404 to the public), `auto` (the default)
  shows it once the last round's deadline plus its grace period has passed, on the server's clock.
- An entry is readable by the public when the gallery is public and the entry is in it; its
  team's members and the event's organisers can always read it.
- A member's name is published only if they opted in (`User.opt_in_publish_name`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from events.domain.errors import FormErrors
from events.domain.rounds import window_end
from events.i18n import _
from events.models import (
    Challenge,
    Dataset,
    Entry,
    EntryDataset,
    EntryFile,
    EntryStatus,
    Event,
    EventRole,
    GalleryMode,
    Role,
    Round,
    TeamMember,
    User,
)


async def last_round(event: Event) -> Round | None:
    return await Round.filter(event_id=event.id).order_by("-position", "-id").first()


def opens_at(event: Event, stage: Round | None) -> datetime | None:
    """When an `auto` gallery opens: the end of the last round's window (None: it never does)."""
    if event.gallery == GalleryMode.OPEN:
        return None
    return window_end(stage) if stage is not None else None


def is_public(event: Event, stage: Round | None, now: datetime) -> bool:
    if not event.is_published:
        return False
    if event.gallery == GalleryMode.OPEN:
        return True
    if event.gallery == GalleryMode.CLOSED:
        return False
    end = window_end(stage) if stage is not None else None
    return end is not None and now >= end


async def gallery_is_public(*, event: Event, now: datetime | None = None) -> bool:
    return is_public(event, await last_round(event), now or datetime.now(UTC))


async def galleries_are_public(events: list[Event], *, now: datetime | None = None) -> dict[int, bool]:
    """`gallery_is_public` for many events in one query (for lists)."""
    if not events:
        return {}
    last: dict[int, Round] = {}
    for stage in await Round.filter(event_id__in=[e.id for e in events]).order_by("position", "id"):
        last[stage.event_id] = stage
    moment = now or datetime.now(UTC)
    return {e.id: is_public(e, last.get(e.id), moment) for e in events}


async def is_organiser(*, event: Event, user: User | None) -> bool:
    if user is None:
        return False
    return user.is_admin or await EventRole.exists(event_id=event.id, user_id=user.id, role=Role.ORGANISER)


async def set_gallery_mode(*, event: Event, mode: GalleryMode | str) -> Event:
    try:
        event.gallery = GalleryMode(mode)
    except ValueError:
        raise FormErrors({"gallery": _("Choose when the gallery is public.")}) from None
    await event.save(update_fields=["gallery"])
    return event


# --- reading entries ------------------------------------------------------------------------------


@dataclass
class Viewer:
    """What a visitor may read of one event's entries."""

    public: bool  # the gallery is public now
    organiser: bool
    team_ids: frozenset[int] = field(default_factory=frozenset)
    last_round_id: int | None = None

    def can_read(self, entry: Entry) -> bool:
        if self.organiser or entry.team_id in self.team_ids:
            return True
        return self.in_gallery(entry)

    def in_gallery(self, entry: Entry) -> bool:
        return self.public and entry.status == EntryStatus.SUBMITTED and entry.round_id == self.last_round_id


async def viewer_for(*, event: Event, user: User | None, now: datetime | None = None) -> Viewer:
    stage = await last_round(event)
    team_ids: frozenset[int] = frozenset()
    if user is not None:
        team_ids = frozenset(
            await TeamMember.filter(event_id=event.id, user_id=user.id).values_list("team_id", flat=True)
        )
    return Viewer(
        public=is_public(event, stage, now or datetime.now(UTC)),
        organiser=await is_organiser(event=event, user=user),
        team_ids=team_ids,
        last_round_id=stage.id if stage else None,
    )


def gallery_query(event: Event, viewer: Viewer, challenge: Challenge | None):
    query = Entry.filter(event_id=event.id, round_id=viewer.last_round_id, status=EntryStatus.SUBMITTED)
    if challenge is not None:
        query = query.filter(challenge_id=challenge.id)
    return query


async def gallery_entries(
    *,
    event: Event,
    viewer: Viewer,
    challenge: Challenge | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[Entry]:
    """The gallery's entries (from `offset`, at most `limit` of them). Organisers see what it will show
    even while it is not public."""
    if viewer.last_round_id is None:
        return []
    query = (
        gallery_query(event, viewer, challenge)
        .select_related("team", "challenge")
        .order_by("challenge__position", "title", "id")
        .offset(offset)
    )
    return await (query.limit(limit) if limit is not None else query)


@dataclass(frozen=True)
class Named:
    """A related row as a list names it."""

    id: int
    name: str


@dataclass(frozen=True)
class ChallengeName:
    id: int
    slug: str
    title: str


@dataclass(frozen=True)
class EntryCard:
    """An entry as lists show it (the gallery, the API's entries, the event's JSON-LD): the columns
    they read and the names of its team, challenge and round, from one joined query. Tortoise builds
    a whole `Entry` by converting every column (dates, the answers' JSON) and each related row the
    same way: for a page of 48 that was about six times the cost of these few values."""

    id: int
    title: str
    summary: str
    description: str
    repository_url: str
    demo_url: str
    video_url: str
    code_licence: str
    submitted_at: datetime | None
    team_id: int
    team: Named
    challenge: ChallengeName
    round: Named


CARD_COLUMNS = (
    "id",
    "title",
    "summary",
    "description",
    "repository_url",
    "demo_url",
    "video_url",
    "code_licence",
    "submitted_at",
    "team_id",
    "team__name",
    "challenge_id",
    "challenge__slug",
    "challenge__title",
    "round_id",
    "round__name",
)


async def entry_cards(query) -> list[EntryCard]:
    """The cards of the entries a query selects, in its order."""
    return [
        EntryCard(
            id=row["id"],
            title=row["title"],
            summary=row["summary"],
            description=row["description"],
            repository_url=row["repository_url"],
            demo_url=row["demo_url"],
            video_url=row["video_url"],
            code_licence=row["code_licence"],
            submitted_at=row["submitted_at"],
            team_id=row["team_id"],
            team=Named(row["team_id"], row["team__name"]),
            challenge=ChallengeName(row["challenge_id"], row["challenge__slug"], row["challenge__title"]),
            round=Named(row["round_id"], row["round__name"]),
        )
        for row in await query.values(*CARD_COLUMNS)
    ]


async def gallery_cards(
    *,
    event: Event,
    viewer: Viewer,
    challenge: Challenge | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[EntryCard]:
    """`gallery_entries` as cards, for the lists that show them."""
    if viewer.last_round_id is None:
        return []
    query = (
        gallery_query(event, viewer, challenge).order_by("challenge__position", "title", "id").offset(offset)
    )
    return await entry_cards(query.limit(limit) if limit is not None else query)


async def count_gallery_entries(*, event: Event, viewer: Viewer, challenge: Challenge | None = None) -> int:
    if viewer.last_round_id is None:
        return 0
    return await gallery_query(event, viewer, challenge).count()


async def readable_entry(*, event: Event, entry_id: int, viewer: Viewer) -> Entry | None:
    entry = await Entry.get_or_none(id=entry_id, event_id=event.id).select_related(
        "team", "round", "challenge"
    )
    if entry is None or not viewer.can_read(entry):
        return None
    return entry


@dataclass
class EntryDetails:
    datasets: list[DeclaredLink]
    files: list[EntryFile]
    member_names: list[str]  # only those who opted in
    hidden_members: int


async def entry_details(entry: Entry) -> EntryDetails:
    return (await entries_details([entry]))[entry.id]


@dataclass(frozen=True)
class DatasetCredit:
    """What a list of entries shows of a declared dataset: its name, credit line and licence
    (`portals.attribution_line` reads these), not its portal metadata (JSON)."""

    id: int
    title: str
    restricted: bool
    portal_url: str
    landing_url: str
    source_url: str
    publisher: str
    last_modified: datetime | None
    fetched_at: datetime | None
    licence_title: str
    licence_spdx: str
    licence_url: str


@dataclass(frozen=True)
class DeclaredLink:
    entry_id: int
    note: str
    declared_version: datetime | None
    dataset: DatasetCredit


CREDIT_COLUMNS = tuple(name for name in DatasetCredit.__dataclass_fields__)


async def entries_details(entries) -> dict[int, EntryDetails]:
    """`entry_details` for many entries (or cards) in three queries (for lists), each reading only
    the columns a list shows."""
    if not entries:
        return {}
    ids = [e.id for e in entries]
    links = [
        DeclaredLink(
            row["entry_id"],
            row["note"],
            row["declared_version"],
            DatasetCredit(**{name: row[f"dataset__{name}"] for name in CREDIT_COLUMNS}),
        )
        for row in await EntryDataset.filter(entry_id__in=ids)
        .order_by("dataset__title", "id")
        .values("entry_id", "note", "declared_version", *(f"dataset__{name}" for name in CREDIT_COLUMNS))
    ]
    files = await EntryFile.filter(entry_id__in=ids).order_by("id")
    members = (
        await TeamMember.filter(team_id__in={e.team_id for e in entries})
        .order_by("joined_at", "id")
        .values_list("team_id", "user__name", "user__opt_in_publish_name")
    )
    by_team: dict[int, list[tuple[str, bool]]] = {}
    for team_id, name, opted_in in members:
        by_team.setdefault(team_id, []).append((name, opted_in))
    by_entry: dict[int, list[DeclaredLink]] = {}
    for link in links:
        by_entry.setdefault(link.entry_id, []).append(link)
    files_of: dict[int, list[EntryFile]] = {}
    for f in files:
        files_of.setdefault(f.entry_id, []).append(f)
    details = {}
    for entry in entries:
        team = by_team.get(entry.team_id, [])
        names = [name for name, opted_in in team if opted_in and name]
        details[entry.id] = EntryDetails(
            by_entry.get(entry.id, []), files_of.get(entry.id, []), names, len(team) - len(names)
        )
    return details


# --- the reuse report -----------------------------------------------------------------------------


async def reuse_report(*, dataset: Dataset, viewer: Viewer) -> list[EntryDataset]:
    """The entries that declared this dataset, with their note, among those the viewer may read."""
    links = (
        await EntryDataset.filter(dataset_id=dataset.id)
        .select_related("entry", "entry__team", "entry__challenge", "entry__round")
        .order_by("entry__round__position", "entry__title", "entry_id")
    )
    return [link for link in links if viewer.can_read(link.entry)]


def reuse_by_challenge(links: list[EntryDataset]) -> list[tuple[str, int]]:
    """How many entries of the reuse report answer each challenge, most first (then by title): the
    report's figure. Counts the links already read, no query."""
    counts: dict[str, int] = {}
    for link in links:
        counts[link.entry.challenge.title] = counts.get(link.entry.challenge.title, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))


def reuse_table(
    links: list[EntryDataset], *, base_url: str, event: Event
) -> tuple[list[str], list[list[str]]]:
    """The reuse report as a header and rows, for the CSV export (`events.csv_export`)."""
    header = [
        _("Entry"),
        _("Team"),
        _("Challenge"),
        _("Round"),
        _("Status"),
        _("How the data is used"),
        _("Link"),
    ]
    rows = [
        [
            link.entry.title,
            link.entry.team.name,
            link.entry.challenge.title,
            link.entry.round.name,
            link.entry.status.label,
            link.note,
            f"{base_url}/events/{event.slug}/entries/{link.entry.id}",
        ]
        for link in links
    ]
    return header, rows
