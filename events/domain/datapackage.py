"""The Data Package of an event: what the public reads of it, as a Frictionless Tabular Data Package.

One package per event (`build_package`), in two forms that share one descriptor:
- `/events/{slug}/datapackage.zip`: `datapackage.json` and one CSV file per resource under `data/`
  (`path: "data/entries.csv"`), written by `events.csv_export.csv_text` (UTF-8 without a byte-order
  mark, CRLF line ends);
- `/events/{slug}/datapackage.json` on its own: the same descriptor with each resource's rows inline
  (`data`: the header, then the rows, as JSON values), so it validates without another download.

What it holds is what the public can read, never more (docs/DOMAIN.md, "Open data"):
- the event, its rounds (with their entry questions), its published challenges, its whole dataset
  catalogue (a restricted dataset without its addresses and files: they are for the teams that
  accepted its terms), the challenges' datasets;
- teams by name only: no member, no email, no description;
- the entries of the public gallery (`events.domain.gallery`), with the datasets they declared, and
  the entries the published results rank, by title only (the public results page shows no more);
- the published jury sessions, their ranking (rank, score, counted sheets, public votes) and awards.
A draft event's package (its organisers are the only ones to reach it) is what the public will
read once it is published. Challenges that are not published appear only when a public entry or
result names them, by title, with `published` false.

Rows name each other by the ids of this instance (`id`, `team_id`...), declared as primary and
foreign keys in each resource's Table Schema. Texts keep their Markdown. Descriptions in the
descriptor are in English: it is data for machines, not a page.

CSV cells follow `events.csv_export`: a text a spreadsheet would run as a formula gets a leading
apostrophe. So that the apostrophe can be taken off again on import without a doubt, a text that
already starts with apostrophes followed by one of those characters gets one apostrophe more
(`csv_value`, undone by `from_csv_text`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from events.domain import gallery, public_vote, published
from events.domain.licences import LICENCES
from events.i18n import in_language
from events.models import (
    Award,
    Challenge,
    ChallengeDataset,
    ChallengeStatus,
    Dataset,
    DatasetStatus,
    Entry,
    EntryDataset,
    EntryStatus,
    Event,
    EventKind,
    EventStatus,
    GalleryMode,
    JudgingMode,
    JurySession,
    Normalisation,
    PortalKind,
    Round,
    Team,
)

# The licence of the package when the event states none (the model has no field for it yet): Licence
# Ouverte 2.0, attribution only, compatible with CC BY and the ODbL. Each dataset row keeps its own.
PACKAGE_LICENCE = LICENCES["etalab-2.0"]
FORMAT_VERSION = 1
DATA_DIR = "data"
SLUG_PATTERN = "^[a-z0-9]+(?:-[a-z0-9]+)*$"
# Characters a spreadsheet reads as the start of a formula (events.csv_export.FORMULA_PREFIXES).
FORMULA_START = "=+-@\t\r"
_ESCAPED_RE = re.compile(r"'+[=+\-@\t\r]")


# --- the schema --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A field of a resource's Table Schema, and what an import accepts in it."""

    name: str
    type: str  # string, integer, number, boolean, datetime, array
    description: str
    required: bool = False
    unique: bool = False
    max_length: int | None = None  # checked on import (not declared: the CSV apostrophe adds one)
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    derived: bool = False  # computed on export (an address, a credit line), ignored on import

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {"name": self.name, "type": self.type, "description": self.description}
        if self.type == "datetime":
            found["format"] = "default"  # ISO 8601 in UTC: 2026-03-01T14:00:00Z
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.unique:
            constraints["unique"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.maximum is not None:
            constraints["maximum"] = self.maximum
        if self.pattern:
            constraints["pattern"] = self.pattern
        if constraints:
            found["constraints"] = constraints
        return found


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...] = ("id",)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ("id",)
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def path(self) -> str:
        return f"{DATA_DIR}/{self.name}.csv"

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "fields": [column.schema() for column in self.columns],
            "primaryKey": list(self.primary_key),
            "missingValues": [""],
        }
        if self.foreign_keys:
            found["foreignKeys"] = [
                {
                    "fields": list(key.fields),
                    "reference": {"resource": key.resource, "fields": list(key.reference)},
                }
                for key in self.foreign_keys
            ]
        return found


def _id(description: str) -> Column:
    return Column("id", "integer", description, required=True, unique=True, minimum=1)


def _ref(name: str, description: str, *, required: bool = True) -> Column:
    return Column(name, "integer", description, required=required, minimum=1)


def _when(name: str, description: str) -> Column:
    return Column(name, "datetime", description)


def _text(name: str, description: str, limit: int, *, required: bool = False) -> Column:
    return Column(name, "string", description, required=required, max_length=limit)


def _flag(name: str, description: str) -> Column:
    return Column(name, "boolean", description, required=True)


def _choice(name: str, description: str, values: type) -> Column:
    return Column(name, "string", description, required=True, enum=tuple(v.value for v in values))


def _derived(name: str, description: str) -> Column:
    return Column(name, "string", description, derived=True)


MAX_TEXT = 20_000  # Markdown texts (events.domain.events.MAX_TEXT)

EVENT = Table(
    "event",
    "Event",
    "The event: one row.",
    (
        Column(
            "slug",
            "string",
            "Its address on its instance.",
            required=True,
            unique=True,
            max_length=80,
            pattern=SLUG_PATTERN,
        ),
        _text("title", "Title.", 200, required=True),
        _choice("kind", "The preset it started from.", EventKind),
        _text("summary", "One-line summary.", 500),
        _text("description", "Description, in Markdown.", MAX_TEXT),
        _text("location", "Where it takes place.", 200),
        Column("timezone", "string", "Its time zone (IANA name).", required=True, max_length=64),
        _when("starts_at", "Start, in UTC."),
        _when("ends_at", "End, in UTC."),
        _when("registration_opens_at", "Registration opens, in UTC."),
        _when("registration_closes_at", "Registration closes (excluded), in UTC."),
        Column(
            "challenges_per_team",
            "integer",
            "How many challenges a team may take.",
            required=True,
            minimum=1,
            maximum=10,
        ),
        _flag("allow_challenge_proposals", "Participants may propose challenges."),
        _choice("gallery", "When the gallery of entries is public: auto, open or closed.", GalleryMode),
        _text("rules", "The rules participants accept, in Markdown.", MAX_TEXT),
        _derived("url", "Its page."),
    ),
    primary_key=("slug",),
)
ROUNDS = Table(
    "rounds",
    "Rounds",
    "The stages of the event, in order, with their submission windows.",
    (
        _id("Round id on the source instance."),
        Column("position", "integer", "Order.", required=True, unique=True, minimum=1),
        _text("name", "Name.", 120, required=True),
        _when("opens_at", "Submissions open, in UTC."),
        _when("deadline", "Deadline, in UTC."),
        Column(
            "grace_minutes",
            "integer",
            "Minutes still accepted after the deadline.",
            required=True,
            minimum=0,
            maximum=24 * 60,
        ),
        Column("team_min", "integer", "Smallest team.", required=True, minimum=1, maximum=100),
        Column("team_max", "integer", "Largest team.", required=True, minimum=1, maximum=100),
        Column(
            "questions",
            "array",
            'Extra questions an entry answers: [{"key", "label", "kind", "required", "choices"}].',
        ),
    ),
)
CHALLENGES = Table(
    "challenges",
    "Challenges",
    "The published challenges, and by title any other one that a public entry or result names.",
    (
        _id("Challenge id on the source instance."),
        Column(
            "slug",
            "string",
            "Its address in the event.",
            required=True,
            unique=True,
            max_length=80,
            pattern=SLUG_PATTERN,
        ),
        Column("position", "integer", "Order.", required=True),
        _text("title", "Title.", 200, required=True),
        _flag("published", "Published: false for a challenge shown only by title."),
        Column("sponsors", "array", "The sponsoring organisations' names."),
        _text("statement", "The problem to solve, in Markdown.", MAX_TEXT),
        _text("deliverables", "What is expected, in Markdown.", MAX_TEXT),
        _text("prizes", "Prizes, in Markdown.", MAX_TEXT),
        Column("max_teams", "integer", "Most teams it takes (empty: no limit).", minimum=1, maximum=10_000),
        _derived("url", "Its page."),
    ),
)
DATASETS = Table(
    "datasets",
    "Datasets",
    "The event's catalogue of open datasets, each with its own licence and credit line.",
    (
        _id("Dataset id on the source instance."),
        _text("title", "Title.", 300, required=True),
        _text("publisher", "Publisher.", 300),
        _text("description", "Description.", MAX_TEXT),
        _choice("portal_kind", "The portal it comes from: udata, ckan, opendatasoft, or manual.", PortalKind),
        _text("portal_url", "Base address of the portal.", 500),
        _text("remote_id", "Stable id at the portal.", 200),
        _text("display_id", "Slug or name at the portal.", 200),
        _text("landing_url", "Its page at the source.", 1000),
        _text("api_url", "Its API address at the portal.", 1000),
        _text("licence_id", "The licence, as the portal names it.", 200),
        _text("licence_spdx", "The licence's SPDX id.", 64),
        _text("licence_title", "The licence's title.", 300),
        _text("licence_url", "The licence's address.", 1000),
        _derived("attribution", "How to credit it."),
        _when("last_modified", "Last update at the source, in UTC."),
        _when("fetched_at", "When its description was fetched, in UTC."),
        _text("frequency", "Update frequency at the source.", 100),
        Column("formats", "array", "File formats."),
        Column("resources", "array", 'Its files: [{"id", "title", "format", "url", "filesize"}].'),
        _choice("status", "ok, or gone from its portal.", DatasetStatus),
        _flag("restricted", "Restricted: its addresses and files are for the teams that accept its terms."),
        _text("restricted_terms", "The terms of a restricted dataset, in Markdown.", MAX_TEXT),
        _derived("url", "Its page."),
    ),
)
CHALLENGE_DATASETS = Table(
    "challenge_datasets",
    "Datasets of the challenges",
    "The datasets each challenge offers.",
    (
        _ref("challenge_id", "The challenge."),
        _ref("dataset_id", "The dataset."),
        _flag("is_primary", "The challenge's main dataset."),
    ),
    primary_key=("challenge_id", "dataset_id"),
    foreign_keys=(ForeignKey(("challenge_id",), "challenges"), ForeignKey(("dataset_id",), "datasets")),
)
TEAMS = Table(
    "teams",
    "Teams",
    "The teams, by name only.",
    (_id("Team id on the source instance."), _text("name", "Name.", 100, required=True)),
)
ENTRIES = Table(
    "entries",
    "Entries",
    "The entries of the public gallery, and by title those that published results rank.",
    (
        _id("Entry id on the source instance."),
        _ref("team_id", "The team."),
        _ref("round_id", "The round."),
        _ref("challenge_id", "The challenge."),
        Column(
            "in_gallery", "boolean", "In the public gallery (else only its title is public).", derived=True
        ),
        _text("title", "Title.", 200, required=True),
        _text("summary", "Summary.", 500),
        _text("description", "Description, in Markdown.", MAX_TEXT),
        _text("repository_url", "Source code.", 500),
        _text("demo_url", "Demonstration.", 500),
        _text("video_url", "Video.", 500),
        _text("code_licence", "The code's licence (SPDX id).", 64),
        _when("submitted_at", "Submitted, in UTC."),
        _derived("url", "Its page in the gallery."),
    ),
    foreign_keys=(
        ForeignKey(("team_id",), "teams"),
        ForeignKey(("round_id",), "rounds"),
        ForeignKey(("challenge_id",), "challenges"),
    ),
)
ENTRY_DATASETS = Table(
    "entry_datasets",
    "Datasets used by the entries",
    "The datasets each entry of the gallery declared using, and how.",
    (
        _ref("entry_id", "The entry."),
        _ref("dataset_id", "The dataset."),
        _text("note", "How the team used it.", 1000),
        _when("declared_version", "The version declared: the dataset's last update when it was declared."),
    ),
    primary_key=("entry_id", "dataset_id"),
    foreign_keys=(ForeignKey(("entry_id",), "entries"), ForeignKey(("dataset_id",), "datasets")),
)
JURY_SESSIONS = Table(
    "jury_sessions",
    "Jury sessions",
    "The jury sessions whose results are published.",
    (
        _id("Session id on the source instance."),
        _ref("round_id", "The round it judged."),
        _text("name", "Name.", 120, required=True),
        _when("published_at", "When its results were published, in UTC."),
        _choice("normalisation", "Normalisation of the jurors' totals: none or zscore.", Normalisation),
        _flag("trimmed", "The highest and lowest totals of an entry were dropped."),
        _flag("public_vote", "The public voted."),
        _choice(
            "mode", "How the jury judged: rubric (scores on a grid) or pairwise (two by two).", JudgingMode
        ),
    ),
    foreign_keys=(ForeignKey(("round_id",), "rounds"),),
)
RESULTS = Table(
    "results",
    "Results",
    "The published ranking of each session, per challenge.",
    (
        _ref("session_id", "The session."),
        _ref("challenge_id", "The challenge."),
        Column("rank", "integer", "Rank in the challenge.", required=True, minimum=1),
        _ref("entry_id", "The entry."),
        Column(
            "score",
            "number",
            "Score out of 100 in a rubric session; in a pairwise session, the entry's strength on a log "
            "scale (0: an average entry, may be negative). Empty: not scored.",
        ),
        Column("sheets", "integer", "Score sheets counted.", required=True, minimum=0),
        Column("votes", "integer", "Public votes (empty: no public vote).", minimum=0),
        Column("uncertainty", "number", "Pairwise sessions: the standard error of the strength.", minimum=0),
    ),
    primary_key=("session_id", "challenge_id", "rank"),
    foreign_keys=(
        ForeignKey(("session_id",), "jury_sessions"),
        ForeignKey(("challenge_id",), "challenges"),
        ForeignKey(("entry_id",), "entries"),
    ),
)
AWARDS = Table(
    "awards",
    "Awards",
    "The prizes of the published sessions: a challenge's, or the public's (no challenge).",
    (
        _id("Award id on the source instance."),
        _ref("session_id", "The session."),
        _ref("challenge_id", "The challenge whose prize it is (empty: the public prize).", required=False),
        _ref("entry_id", "The entry awarded."),
        _text("title", "Title of the prize.", 200, required=True),
        Column("position", "integer", "Order among the prizes.", required=True, minimum=0),
    ),
    foreign_keys=(
        ForeignKey(("session_id",), "jury_sessions"),
        ForeignKey(("challenge_id",), "challenges"),
        ForeignKey(("entry_id",), "entries"),
    ),
)
TABLES: tuple[Table, ...] = (
    EVENT,
    ROUNDS,
    CHALLENGES,
    DATASETS,
    CHALLENGE_DATASETS,
    TEAMS,
    ENTRIES,
    ENTRY_DATASETS,
    JURY_SESSIONS,
    RESULTS,
    AWARDS,
)
TABLES_BY_NAME = {table.name: table for table in TABLES}


# --- cells ------------------------------------------------------------------------------------------


def csv_value(value: Any) -> Any:
    """A value as the CSV writer (`events.csv_export.csv_cell`) should receive it: lists as JSON text,
    and one more apostrophe before a text that would otherwise lose one on import."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and _ESCAPED_RE.match(value):
        return "'" + value
    return value


def from_csv_text(text: str) -> str:
    """The text a CSV cell stands for: the apostrophe that the CSV writer or `csv_value` put before a
    formula character is taken off (`'=A1` is `=A1`, `''=A1` is `'=A1`)."""
    return text[1:] if _ESCAPED_RE.match(text) else text


def json_value(value: Any) -> Any:
    """A value for the inline rows of the JSON descriptor: datetimes in ISO 8601 UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


# --- building the package ---------------------------------------------------------------------------


@dataclass
class Package:
    """The descriptor's package-level properties and each resource's rows (plain values, in the order of
    its columns). `zip_descriptor` and `inline_descriptor` give the two forms."""

    properties: dict[str, Any]
    rows: dict[str, list[list[Any]]] = field(default_factory=dict)

    def _resource(self, table: Table) -> dict[str, Any]:
        return {
            "name": table.name,
            "profile": "tabular-data-resource",
            "title": table.title,
            "description": table.description,
            "schema": table.schema(),
        }

    def zip_descriptor(self) -> dict[str, Any]:
        resources = []
        for table in TABLES:
            resource = self._resource(table)
            resource.update(
                path=table.path,
                format="csv",
                mediatype="text/csv",
                encoding="utf-8",
            )
            resource["description"] += (
                " A text a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage"
                " return) starts with an apostrophe, which is not part of it."
            )
            resources.append(resource)
        return {**self.properties, "resources": resources}

    def inline_descriptor(self) -> dict[str, Any]:
        resources = []
        for table in TABLES:
            resource = self._resource(table)
            resource["data"] = [table.header] + [
                [json_value(value) for value in row] for row in self.rows[table.name]
            ]
            resources.append(resource)
        return {**self.properties, "resources": resources}

    def csv_table(self, name: str) -> tuple[list[str], list[list[Any]]]:
        """A resource's header and rows, ready for `events.csv_export.csv_text`."""
        return TABLES_BY_NAME[name].header, [[csv_value(v) for v in row] for row in self.rows[name]]


def _as_published(event: Event) -> Event:
    """The event as the public will see it: a draft's package shows what publishing it would show."""
    if event.is_published:
        return event
    return Event(id=event.id, slug=event.slug, gallery=event.gallery, status=EventStatus.PUBLISHED)


def _properties(event: Event, base_url: str, sponsors: list[str], now: datetime) -> dict[str, Any]:
    homepage = f"{base_url}/events/{event.slug}"
    description = "\n\n".join(part for part in (event.summary.strip(), event.description.strip()) if part)
    contributors: list[dict[str, Any]] = [{"title": "hackcity", "path": base_url, "role": "publisher"}]
    contributors += [{"title": name, "role": "contributor"} for name in sponsors]
    return {
        "profile": "tabular-data-package",
        "name": event.slug,
        "id": homepage,
        "title": event.title,
        "description": description,
        "homepage": homepage,
        "created": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "keywords": [
            "hackcity",
            "open data",
            "hackathon" if event.kind == EventKind.HACKATHON else "programme",
        ],
        "licenses": [
            {"name": PACKAGE_LICENCE.spdx, "title": PACKAGE_LICENCE.title, "path": PACKAGE_LICENCE.url}
        ],
        "contributors": contributors,
        "hackcity": {"format": FORMAT_VERSION},
    }


async def build_package(*, event: Event, base_url: str, now: datetime | None = None) -> Package:
    """The event's package, as the public reads it (see the module's docstring); in a constant number
    of queries."""
    from events.domain.portals import attribution_line  # portals fetches: imported when used

    now = now or datetime.now(UTC)
    home = f"{base_url}/events/{event.slug}"
    rounds = await Round.filter(event_id=event.id).order_by("position", "id")
    stage = rounds[-1] if rounds else None
    public_gallery = gallery.is_public(_as_published(event), stage, now)
    viewer = gallery.Viewer(public=public_gallery, organiser=False, last_round_id=stage.id if stage else None)

    shown = (
        await gallery.gallery_entries(event=event, viewer=viewer)
        if public_gallery and stage is not None
        else []
    )
    sessions = await published.published_sessions(event)
    ranked: list[tuple[JurySession, dict[str, Any]]] = [
        (session, row) for session in sessions for row in (session.results_snapshot or {}).get("entries", [])
    ]
    ranked_ids = {row["entry_id"] for _session, row in ranked} - {entry.id for entry in shown}
    named = await Entry.filter(id__in=list(ranked_ids), event_id=event.id) if ranked_ids else []
    entries = {entry.id: entry for entry in [*shown, *named]}
    awards = await Award.filter(session_id__in=[s.id for s in sessions]).order_by(
        "session_id", "position", "id"
    )

    challenges = await Challenge.filter(event_id=event.id).order_by("position", "id")
    named_challenges = (
        {e.challenge_id for e in entries.values()}
        | {row["challenge_id"] for _s, row in ranked}
        | {a.challenge_id for a in awards if a.challenge_id is not None}
    )
    challenges = [c for c in challenges if c.status == ChallengeStatus.PUBLISHED or c.id in named_challenges]
    challenge_ids = {c.id for c in challenges}
    ranked = [
        (s, row) for s, row in ranked if row["entry_id"] in entries and row["challenge_id"] in challenge_ids
    ]

    datasets = await Dataset.filter(event_id=event.id).order_by("title", "id")
    teams = await Team.filter(event_id=event.id).order_by("name", "id")
    published_challenges = [c.id for c in challenges if c.status == ChallengeStatus.PUBLISHED]
    offered = await ChallengeDataset.filter(challenge_id__in=published_challenges).order_by(
        "challenge_id", "dataset_id"
    )
    used = await EntryDataset.filter(entry_id__in=[e.id for e in shown]).order_by("entry_id", "dataset_id")
    votes = await public_vote.vote_counts_for(sessions)

    sponsors = list(
        dict.fromkeys(
            name for c in challenges if c.status == ChallengeStatus.PUBLISHED for name in c.sponsors
        )
    )
    package = Package(_properties(event, base_url, sponsors, now))
    package.rows["event"] = [
        [
            event.slug,
            event.title,
            str(event.kind),
            event.summary,
            event.description,
            event.location,
            event.timezone,
            event.starts_at,
            event.ends_at,
            event.registration_opens_at,
            event.registration_closes_at,
            event.challenges_per_team,
            event.allow_challenge_proposals,
            str(event.gallery),
            event.rules,
            home,
        ]
    ]
    package.rows["rounds"] = [
        [
            r.id,
            r.position,
            r.name,
            r.opens_at,
            r.deadline,
            r.grace_minutes,
            r.team_min,
            r.team_max,
            [_question(q) for q in r.questions or []],
        ]
        for r in rounds
    ]
    package.rows["challenges"] = [_challenge_row(c, home) for c in challenges]
    with in_language("en"):  # data for machines: one language, whoever downloads it
        package.rows["datasets"] = [_dataset_row(d, home, attribution_line(d)) for d in datasets]
    package.rows["challenge_datasets"] = [
        [link.challenge_id, link.dataset_id, link.is_primary] for link in offered
    ]
    package.rows["teams"] = [[team.id, team.name] for team in teams]
    by_position = {r.id: index for index, r in enumerate(rounds)}
    positions = {c.id: (c.position, c.id) for c in challenges}
    ordered = sorted(
        entries.values(),
        key=lambda e: (by_position.get(e.round_id, 0), positions.get(e.challenge_id, (0, 0)), e.title, e.id),
    )
    package.rows["entries"] = [_entry_row(entry, viewer.in_gallery(entry), home) for entry in ordered]
    package.rows["entry_datasets"] = [
        [link.entry_id, link.dataset_id, link.note, link.declared_version] for link in used
    ]
    package.rows["jury_sessions"] = [
        [
            s.id,
            s.round_id,
            s.name,
            s.published_at,
            str(s.normalisation),
            s.trimmed,
            s.public_vote,
            str(s.mode),
        ]
        for s in sessions
    ]
    package.rows["results"] = []
    for session in sessions:
        counts = votes.get(session.id)
        rows = sorted(
            (row for s, row in ranked if s.id == session.id),
            key=lambda row: (positions[row["challenge_id"]], row["rank"]),
        )
        package.rows["results"] += [
            [
                session.id,
                row["challenge_id"],
                row["rank"],
                row["entry_id"],
                row["score"],
                row["sheets"],
                counts.get(row["entry_id"], 0) if counts is not None else None,
                row.get("uncertainty"),
            ]
            for row in rows
        ]
    package.rows["awards"] = [
        [a.id, a.session_id, a.challenge_id, a.entry_id, a.title, a.position]
        for a in awards
        if a.entry_id in entries and (a.challenge_id is None or a.challenge_id in challenge_ids)
    ]
    return package


def _question(question: dict[str, Any]) -> dict[str, Any]:
    """A round's question in one shape, whatever its age: key, label, kind, required, choices."""
    return {
        "key": question.get("key", ""),
        "label": question.get("label", ""),
        "kind": question.get("kind", ""),
        "required": bool(question.get("required")),
        "choices": list(question.get("choices") or []),
    }


def _challenge_row(challenge: Challenge, home: str) -> list[Any]:
    if challenge.status != ChallengeStatus.PUBLISHED:  # named by a public entry or result: its title only
        return [
            challenge.id,
            challenge.slug,
            challenge.position,
            challenge.title,
            False,
            [],
            "",
            "",
            "",
            None,
            "",
        ]
    return [
        challenge.id,
        challenge.slug,
        challenge.position,
        challenge.title,
        True,
        list(challenge.sponsors or []),
        challenge.statement,
        challenge.deliverables,
        challenge.prizes,
        challenge.max_teams,
        f"{home}/challenges/{challenge.slug}",
    ]


def _dataset_row(dataset: Dataset, home: str, attribution: str) -> list[Any]:
    hidden = dataset.restricted  # its addresses and files are for the teams that accepted its terms
    return [
        dataset.id,
        dataset.title,
        dataset.publisher,
        dataset.description,
        str(dataset.portal_kind),
        "" if hidden else dataset.portal_url,
        "" if hidden else dataset.remote_id or "",
        "" if hidden else dataset.display_id,
        "" if hidden else dataset.landing_url,
        "" if hidden else dataset.api_url,
        dataset.licence_id,
        dataset.licence_spdx,
        dataset.licence_title,
        dataset.licence_url,
        attribution,
        dataset.last_modified,
        dataset.fetched_at,
        dataset.frequency,
        list(dataset.formats or []),
        [] if hidden else list(dataset.resources or []),
        str(dataset.status),
        dataset.restricted,
        dataset.restricted_terms,
        f"{home}/datasets/{dataset.id}",
    ]


def _entry_row(entry: Entry, in_gallery: bool, home: str) -> list[Any]:
    if not in_gallery:  # ranked by published results: the results page shows its title, no more
        blank = ["", "", "", "", "", "", None, ""]
        return [entry.id, entry.team_id, entry.round_id, entry.challenge_id, False, entry.title, *blank]
    return [
        entry.id,
        entry.team_id,
        entry.round_id,
        entry.challenge_id,
        True,
        entry.title,
        entry.summary,
        entry.description,
        entry.repository_url,
        entry.demo_url,
        entry.video_url,
        entry.code_licence,
        entry.submitted_at if entry.status == EntryStatus.SUBMITTED else None,
        f"{home}/entries/{entry.id}",
    ]
