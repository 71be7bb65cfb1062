"""What anyone may read of hackcity through the JSON API, a page at a time.

The same rules as the public pages, read through the modules that hold them:
- Events: published and archived ones (`linked_data.is_listed`); a draft is nobody's business.
- Challenges: published ones only, with the datasets they offer.
- Datasets: the whole catalogue of a listed event; a restricted dataset's addresses are withheld
  by the API layer exactly as the dataset page does (`restricted`: the public never accepted terms).
- Teams: `teams.public_teams` (names, size, published challenges, and the names of the members who
  chose to publish theirs).
- Entries: the public gallery (`gallery`): nothing while it is not public, then the submitted
  entries of the last round, with the members who published their name.
- Results and awards: published jury sessions only (`published`, `awards.published_awards`).

Lists come a page at a time in a stable order (by id): `after` is the last id of the previous page
(0 for the first), and `Page.after` the one to ask for next (None at the end), so that pages never
repeat or skip a row, even when rows are added in between.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from tortoise.queryset import QuerySet

from events.domain import awards, gallery, linked_data, published, teams
from events.models import (
    Challenge,
    ChallengeDataset,
    ChallengeStatus,
    Dataset,
    Entry,
    Event,
    EventStatus,
    Round,
)

T = TypeVar("T")
LISTED = (EventStatus.PUBLISHED, EventStatus.ARCHIVED)


@dataclass
class Page(Generic[T]):
    items: list[T]
    after: int | None  # the id to continue after, None when this page is the last


def fits_column(model, name: str, value: str) -> bool:
    """Whether `value` can name a row by `model.name` (a longer value or a NUL byte is a database
    error, not a miss)."""
    return len(value) <= model._meta.fields_map[name].max_length and "\x00" not in value


async def page_query(query: QuerySet, *, after: int, limit: int) -> Page:
    rows = await query.filter(id__gt=after).order_by("id").limit(limit + 1)
    return Page(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def page_of(items: Iterable[T], *, key: Callable[[T], int], after: int, limit: int) -> Page[T]:
    """A page of a list the rules computed whole (teams, gallery entries, results), by id."""
    rest = sorted((item for item in items if key(item) > after), key=key)
    return Page(rest[:limit], key(rest[limit - 1]) if len(rest) > limit else None)


# --- events -----------------------------------------------------------------------------------------


async def events(*, after: int, limit: int) -> Page[Event]:
    return await page_query(Event.filter(status__in=LISTED), after=after, limit=limit)


async def event(slug: str) -> Event | None:
    """A listed event by its slug; None for a draft or a slug that names nothing."""
    if not fits_column(Event, "slug", slug):
        return None
    found = await Event.get_or_none(slug=slug)
    return found if found is not None and linked_data.is_listed(found) else None


async def gallery_is_public(event: Event) -> bool:
    return await gallery.gallery_is_public(event=event)


async def galleries_are_public(events: list[Event]) -> dict[int, bool]:
    return await gallery.galleries_are_public(events)


async def rounds(event: Event, *, after: int, limit: int) -> Page[Round]:
    return await page_query(Round.filter(event_id=event.id), after=after, limit=limit)


# --- challenges and datasets ------------------------------------------------------------------------


@dataclass
class OfferedChallenge:
    challenge: Challenge
    dataset_ids: list[int] = field(default_factory=list)  # the primary dataset first
    primary_dataset_id: int | None = None


async def _with_datasets(challenges: list[Challenge]) -> list[OfferedChallenge]:
    offered = {c.id: OfferedChallenge(c) for c in challenges}
    for link in await ChallengeDataset.filter(challenge_id__in=list(offered)).order_by(
        "-is_primary", "dataset_id"
    ):
        item = offered[link.challenge_id]
        item.dataset_ids.append(link.dataset_id)
        if link.is_primary and item.primary_dataset_id is None:
            item.primary_dataset_id = link.dataset_id
    return list(offered.values())


def _published_challenges(event: Event) -> QuerySet:
    return Challenge.filter(event_id=event.id, status=ChallengeStatus.PUBLISHED)


async def challenges(event: Event, *, after: int, limit: int) -> Page[OfferedChallenge]:
    found = await page_query(_published_challenges(event), after=after, limit=limit)
    return Page(await _with_datasets(found.items), found.after)


async def challenge(event: Event, slug: str) -> OfferedChallenge | None:
    if not fits_column(Challenge, "slug", slug):
        return None
    found = await _published_challenges(event).get_or_none(slug=slug)
    return (await _with_datasets([found]))[0] if found is not None else None


# Every column of a dataset but the portal's raw answer (JSON, often the largest), which nothing reads
# back: a page of 100 datasets spent most of its time decoding it.
DATASET_COLUMNS = tuple(name for name in Dataset._meta.db_fields if name != "raw_metadata")


async def datasets(event: Event, *, after: int, limit: int) -> Page[Dataset]:
    return await page_query(
        Dataset.filter(event_id=event.id).only(*DATASET_COLUMNS), after=after, limit=limit
    )


async def dataset(event: Event, dataset_id: int) -> Dataset | None:
    return await Dataset.get_or_none(id=dataset_id, event_id=event.id)


# --- teams and entries ------------------------------------------------------------------------------


async def public_teams(event: Event, *, after: int, limit: int) -> Page[teams.PublicTeam]:
    return page_of(await teams.public_teams(event=event), key=lambda t: t.team.id, after=after, limit=limit)


async def _anyone(event: Event) -> gallery.Viewer:
    return await gallery.viewer_for(event=event, user=None)


@dataclass
class GalleryEntry:
    entry: Entry | gallery.EntryCard  # with its team, challenge and round
    details: gallery.EntryDetails


async def gallery_entries(event: Event, *, after: int, limit: int) -> Page[GalleryEntry]:
    """The public gallery's entries: none while the gallery is not public."""
    viewer = await _anyone(event)
    if not viewer.public or viewer.last_round_id is None:
        return Page([], None)
    query = gallery.gallery_query(event, viewer, None).filter(id__gt=after).order_by("id").limit(limit + 1)
    cards = await gallery.entry_cards(query)
    found = Page(cards[:limit], cards[limit - 1].id if len(cards) > limit else None)
    details = await gallery.entries_details(found.items)
    return Page([GalleryEntry(e, details[e.id]) for e in found.items], found.after)


async def gallery_entry(event: Event, entry_id: int) -> GalleryEntry | None:
    entry = await gallery.readable_entry(event=event, entry_id=entry_id, viewer=await _anyone(event))
    return GalleryEntry(entry, await gallery.entry_details(entry)) if entry is not None else None


# --- results and awards -----------------------------------------------------------------------------


@dataclass
class PublishedSession:
    results: published.SessionResults
    awards: awards.PublishedAwards


async def results(event: Event, *, after: int, limit: int) -> Page[PublishedSession]:
    """Each published jury session's ranking per challenge, with its awards and public votes."""
    found = page_of(
        await published.public_results(event), key=lambda r: r.session.id, after=after, limit=limit
    )
    given = await awards.published_awards([item.session for item in found.items])
    return Page(
        [
            PublishedSession(item, given.get(item.session.id, awards.PublishedAwards()))
            for item in found.items
        ],
        found.after,
    )


async def published_awards(event: Event, *, after: int, limit: int) -> Page[awards.ShownAward]:
    """The awards of the event's published sessions, with their entry and team."""
    sessions = await published.published_sessions(event)
    given = await awards.published_awards(sessions)
    every = [award for item in given.values() for award in [*item.public, *_flat(item.by_challenge)]]
    return page_of(every, key=lambda a: a.id, after=after, limit=limit)


def _flat(by_challenge: dict[int, list[awards.ShownAward]]) -> list[awards.ShownAward]:
    return [award for given in by_challenge.values() for award in given]
