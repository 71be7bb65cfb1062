"""Public reads of the API: what the public pages show, as JSON, for anyone (no token, CORS open).

Thin handlers over `events/domain/open_data.py`, which applies the pages' rules; here each row is
only put into its shape (`events/api/schemas.py`). Addresses are absolute, built from BASE_URL, and
only http(s) addresses from portals or teams are handed on (`is_web_url`).
"""

from __future__ import annotations

from events.api import schemas as s
from events.api.routing import PUBLIC_READ, ApiError, Call, Listing, Operation, api_route, default_message
from events.domain import awards, open_data, portals, published, rounds
from events.domain.gallery import EntryDetails
from events.domain.links import is_web_url
from events.i18n import lazy
from events.models import Dataset, Entry, Event, Round

EVENT = "/api/v1/events/{slug}"


def _web(value: str) -> str | None:
    return value if is_web_url(value) else None


def event_out(event: Event, *, base_url: str, gallery_public: bool) -> s.Event:
    page = f"{base_url}/events/{event.slug}"
    return s.Event(
        slug=event.slug,
        title=event.title,
        kind=event.kind.value,
        status=event.status.value,
        summary=event.summary,
        description=event.description,
        location=event.location,
        timezone=event.timezone,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        registration_opens_at=event.registration_opens_at,
        registration_closes_at=event.registration_closes_at,
        gallery_public=gallery_public,
        url=page,
        hackathon_json=f"{page}/hackathon.json",
        calendar=f"{page}/calendar.ics",
    )


def round_out(stage: Round) -> s.Round:
    return s.Round(
        id=stage.id,
        position=stage.position,
        name=stage.name,
        opens_at=stage.opens_at,
        deadline=stage.deadline,
        grace_minutes=stage.grace_minutes,
        closes_at=rounds.window_end(stage),
        team_min=stage.team_min,
        team_max=stage.team_max,
    )


def dataset_out(dataset: Dataset, *, event: Event, base_url: str, show_addresses: bool) -> s.Dataset:
    """A dataset; `show_addresses` False withholds every address, as the page does for a restricted
    dataset whose terms the reader never accepted (`events/domain/restricted.py`)."""
    shown = show_addresses or not dataset.restricted
    resources = [
        s.Resource(
            title=str(resource.get("title") or "")[:300],
            format=str(resource.get("format") or "")[:50],
            url=_web(resource.get("url") or "") if shown else None,
            filesize=resource["filesize"]
            if isinstance(resource.get("filesize"), int) and not isinstance(resource.get("filesize"), bool)
            else None,
        )
        for resource in (dataset.resources or [])
        if isinstance(resource, dict)
    ]
    return s.Dataset(
        id=dataset.id,
        title=dataset.title,
        description=dataset.description,
        publisher=dataset.publisher,
        licence=s.Licence(
            id=dataset.licence_id,
            spdx=dataset.licence_spdx,
            title=dataset.licence_title,
            url=dataset.licence_url,
        ),
        attribution=portals.attribution_line(dataset),
        frequency=dataset.frequency,
        formats=[str(f) for f in dataset.formats or []],
        last_modified=dataset.last_modified,
        fetched_at=dataset.fetched_at,
        status=dataset.status.value,
        portal_kind=dataset.portal_kind.value,
        restricted=dataset.restricted,
        terms=dataset.restricted_terms,
        addresses_withheld=not shown,
        portal_url=_web(dataset.portal_url) if shown else None,
        landing_url=_web(dataset.landing_url) if shown else None,
        api_url=_web(dataset.api_url) if shown else None,
        source_url=_web(dataset.source_url) if shown else None,
        remote_id=dataset.remote_id if shown else None,
        resources=resources if shown else [],
        url=f"{base_url}/events/{event.slug}/datasets/{dataset.id}",
    )


def challenge_out(item: open_data.OfferedChallenge, *, event: Event, base_url: str) -> s.Challenge:
    challenge = item.challenge
    return s.Challenge(
        id=challenge.id,
        slug=challenge.slug,
        title=challenge.title,
        sponsors=[str(name) for name in challenge.sponsors or []],
        statement=challenge.statement,
        deliverables=challenge.deliverables,
        prizes=challenge.prizes,
        max_teams=challenge.max_teams,
        dataset_ids=item.dataset_ids,
        primary_dataset_id=item.primary_dataset_id,
        url=f"{base_url}/events/{event.slug}/challenges/{challenge.slug}",
    )


def entry_out(entry: Entry, details: EntryDetails, *, event: Event, base_url: str) -> s.Entry:
    page = f"{base_url}/events/{event.slug}/entries/{entry.id}"
    return s.Entry(
        id=entry.id,
        title=entry.title,
        summary=entry.summary,
        description=entry.description,
        challenge=s.ChallengeRef(
            id=entry.challenge.id, slug=entry.challenge.slug, title=entry.challenge.title
        ),
        round=s.RoundRef(id=entry.round.id, name=entry.round.name),
        team=s.TeamRef(id=entry.team.id, name=entry.team.name),
        members=details.member_names,
        hidden_members=details.hidden_members,
        repository_url=_web(entry.repository_url),
        demo_url=_web(entry.demo_url),
        video_url=_web(entry.video_url),
        code_licence=entry.code_licence,
        submitted_at=entry.submitted_at,
        datasets=[
            s.DeclaredDataset(
                id=link.dataset.id,
                title=link.dataset.title,
                note=link.note,
                attribution=portals.attribution_line(link.dataset, link.declared_version),
            )
            for link in details.datasets
        ],
        files=[
            s.File(
                id=file.id,
                name=file.original_name,
                content_type=file.content_type,
                size=file.size,
                url=f"{page}/files/{file.id}",
            )
            for file in details.files
        ],
        url=page,
    )


def award_out(award: awards.ShownAward) -> s.Award:
    return s.Award(
        id=award.id,
        title=awards.award_title(award.title),
        session_id=award.session_id,
        challenge_id=award.challenge_id,
        position=award.position,
        entry=s.EntryRef(id=award.entry.id, title=award.entry.title),
        team=s.TeamRef(id=award.entry.team.id, name=award.entry.team.name),
    )


def results_out(item: open_data.PublishedSession) -> s.Results:
    session = item.results.session
    votes = item.awards.votes
    given = [*item.awards.public, *(a for group in item.awards.by_challenge.values() for a in group)]
    return s.Results(
        session_id=session.id,
        name=session.name,
        round_id=session.round_id,
        published_at=session.published_at,
        public_vote=votes is not None,
        challenges=[
            s.ChallengeRanking(
                challenge=s.ChallengeRef(
                    id=ranking.challenge.id, slug=ranking.challenge.slug, title=ranking.challenge.title
                ),
                entries=[_ranked(row, votes) for row in ranking.entries],
            )
            for ranking in item.results.challenges
        ],
        awards=[award_out(award) for award in sorted(given, key=lambda a: (a.position, a.id))],
    )


def _ranked(row: published.RankedEntry, votes: dict[int, int] | None) -> s.RankedEntry:
    return s.RankedEntry(
        rank=row.rank,
        entry=s.EntryRef(id=row.entry.id, title=row.entry.title),
        team=s.TeamRef(id=row.entry.team.id, name=row.entry.team.name),
        score=row.score,
        sheets=row.sheets,
        votes=votes.get(row.entry.id, 0) if votes is not None else None,
    )


def _not_found() -> ApiError:
    return ApiError(404, default_message(404))


# --- handlers ---------------------------------------------------------------------------------------


async def list_events(call: Call) -> Listing:
    found = await open_data.events(after=call.after, limit=call.limit)
    public = await open_data.galleries_are_public(found.items)
    return Listing(
        [event_out(e, base_url=call.base_url, gallery_public=public[e.id]) for e in found.items],
        found.after,
    )


async def get_event(call: Call) -> s.Event:
    event = call.event
    assert event is not None
    return event_out(event, base_url=call.base_url, gallery_public=await open_data.gallery_is_public(event))


async def list_rounds(call: Call) -> Listing:
    found = await open_data.rounds(call.event, after=call.after, limit=call.limit)
    return Listing([round_out(stage) for stage in found.items], found.after)


async def list_challenges(call: Call) -> Listing:
    found = await open_data.challenges(call.event, after=call.after, limit=call.limit)
    return Listing(
        [challenge_out(c, event=call.event, base_url=call.base_url) for c in found.items], found.after
    )


async def get_challenge(call: Call) -> s.Challenge:
    found = await open_data.challenge(call.event, call.request.path_params["challenge"])
    if found is None:
        raise _not_found()
    return challenge_out(found, event=call.event, base_url=call.base_url)


async def list_datasets(call: Call) -> Listing:
    found = await open_data.datasets(call.event, after=call.after, limit=call.limit)
    return Listing(
        [dataset_out(d, event=call.event, base_url=call.base_url, show_addresses=False) for d in found.items],
        found.after,
    )


async def get_dataset(call: Call) -> s.Dataset:
    found = await open_data.dataset(call.event, call.path_id("dataset_id"))
    if found is None:
        raise _not_found()
    return dataset_out(found, event=call.event, base_url=call.base_url, show_addresses=False)


async def list_teams(call: Call) -> Listing:
    found = await open_data.public_teams(call.event, after=call.after, limit=call.limit)
    return Listing(
        [
            s.Team(
                id=item.team.id,
                name=item.team.name,
                description=item.team.description,
                size=item.size,
                challenge_ids=[c.id for c in item.challenges],
                members=item.names,
            )
            for item in found.items
        ],
        found.after,
    )


async def list_entries(call: Call) -> Listing:
    found = await open_data.gallery_entries(call.event, after=call.after, limit=call.limit)
    return Listing(
        [entry_out(e.entry, e.details, event=call.event, base_url=call.base_url) for e in found.items],
        found.after,
    )


async def get_entry(call: Call) -> s.Entry:
    found = await open_data.gallery_entry(call.event, call.path_id("entry_id"))
    if found is None:
        raise _not_found()
    return entry_out(found.entry, found.details, event=call.event, base_url=call.base_url)


async def list_results(call: Call) -> Listing:
    found = await open_data.results(call.event, after=call.after, limit=call.limit)
    return Listing([results_out(item) for item in found.items], found.after)


async def list_awards(call: Call) -> Listing:
    found = await open_data.published_awards(call.event, after=call.after, limit=call.limit)
    return Listing([award_out(award) for award in found.items], found.after)


def _read(path: str, name: str, handler, model, summary: str, *, listing: bool, description: str = ""):
    return api_route(
        Operation(
            path=path,
            method="GET",
            name=name,
            summary=summary,
            description=description,
            tag="public",
            access=PUBLIC_READ,
            model=model,
            listing=listing,
        ),
        handler,
    )


routes = [
    _read(
        "/api/v1/events",
        "api_events",
        list_events,
        s.Event,
        lazy("Published and archived events"),
        listing=True,
    ),
    _read(EVENT, "api_event", get_event, s.Event, lazy("One event"), listing=False),
    _read(
        EVENT + "/rounds", "api_rounds", list_rounds, s.Round, lazy("The rounds of an event"), listing=True
    ),
    _read(
        EVENT + "/challenges",
        "api_challenges",
        list_challenges,
        s.Challenge,
        lazy("The published challenges of an event"),
        listing=True,
    ),
    _read(
        EVENT + "/challenges/{challenge}",
        "api_challenge",
        get_challenge,
        s.Challenge,
        lazy("One published challenge"),
        listing=False,
    ),
    _read(
        EVENT + "/datasets",
        "api_datasets",
        list_datasets,
        s.Dataset,
        lazy("The dataset catalogue of an event"),
        listing=True,
        description=lazy(
            "With licence, SPDX identifier and credit line. A restricted dataset's addresses are withheld."
        ),
    ),
    _read(
        EVENT + "/datasets/{dataset_id:id}",
        "api_dataset",
        get_dataset,
        s.Dataset,
        lazy("One dataset"),
        listing=False,
    ),
    _read(
        EVENT + "/teams",
        "api_teams",
        list_teams,
        s.Team,
        lazy("The teams of an event"),
        listing=True,
        description=lazy("Members are named only when they chose to publish their name."),
    ),
    _read(
        EVENT + "/entries",
        "api_entries",
        list_entries,
        s.Entry,
        lazy("The entries of the public gallery"),
        listing=True,
        description=lazy(
            "The submitted entries of the last round, once the gallery is public; an empty list before."
        ),
    ),
    _read(
        EVENT + "/entries/{entry_id:id}",
        "api_entry",
        get_entry,
        s.Entry,
        lazy("One entry of the public gallery"),
        listing=False,
    ),
    _read(
        EVENT + "/results",
        "api_results",
        list_results,
        s.Results,
        lazy("The published results of the jury sessions"),
        listing=True,
    ),
    _read(
        EVENT + "/awards",
        "api_awards",
        list_awards,
        s.Award,
        lazy("The awards of the published jury sessions"),
        listing=True,
    ),
]
