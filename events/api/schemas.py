"""The shapes of what the API returns and reads, as pydantic models.

They are the contract: each answer is built by filling one of them (`model_dump(mode="json")`), and
the OpenAPI document takes their JSON Schema (2020-12, what OpenAPI 3.1 uses). Class names become the
document's schema names. Descriptions are English source text (`lazy`): the document shows them as
written, `/api/docs` in the reader's language.

Nothing here holds what the public pages keep to themselves: the public models have no email address,
no member a team did not publish, no address of a restricted dataset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from events.i18n import lazy


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- references -------------------------------------------------------------------------------------


class EventRef(Schema):
    slug: str
    title: str
    status: Literal["draft", "published", "archived"]


class ChallengeRef(Schema):
    id: int
    slug: str
    title: str


class RoundRef(Schema):
    id: int
    name: str


class TeamRef(Schema):
    id: int
    name: str


class EntryRef(Schema):
    id: int
    title: str


class UserRef(Schema):
    id: int
    name: str


class Person(Schema):
    """Someone taking part, as their organisers know them."""

    id: int
    name: str
    email: str


# --- public reads -----------------------------------------------------------------------------------


class Event(Schema):
    """A published or archived event (a programme of several rounds, or a hackathon)."""

    slug: str = Field(description=lazy("The event's name in addresses."))
    title: str
    kind: Literal["programme", "hackathon"]
    status: Literal["draft", "published", "archived"] = Field(
        description=lazy("Public reads list published and archived events only.")
    )
    summary: str
    description: str = Field(description=lazy("Markdown."))
    location: str
    timezone: str = Field(description=lazy("The time zone of the event's wall-clock times (IANA name)."))
    starts_at: datetime | None
    ends_at: datetime | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    gallery_public: bool = Field(description=lazy("Whether the gallery of entries is public now."))
    url: str = Field(description=lazy("The event's page."))
    hackathon_json: str = Field(description=lazy("The event as schema.org JSON-LD (hackathon.json)."))
    calendar: str = Field(description=lazy("The schedule as iCalendar."))


class Round(Schema):
    """A stage of an event (an application, a prototype…) and its submission window."""

    id: int
    position: int
    name: str
    opens_at: datetime | None
    deadline: datetime | None
    grace_minutes: int = Field(
        description=lazy("Minutes after the deadline during which entries are still accepted.")
    )
    closes_at: datetime | None = Field(description=lazy("The deadline plus the grace period."))
    team_min: int
    team_max: int


class Challenge(Schema):
    """A published challenge and the datasets it offers."""

    id: int
    slug: str
    title: str
    sponsors: list[str]
    statement: str = Field(description=lazy("Markdown."))
    deliverables: str = Field(description=lazy("Markdown."))
    prizes: str = Field(description=lazy("Markdown."))
    max_teams: int | None = Field(description=lazy("How many teams may take it; null: no limit."))
    dataset_ids: list[int] = Field(description=lazy("The datasets it offers, the primary one first."))
    primary_dataset_id: int | None
    url: str


class Licence(Schema):
    id: str = Field(description=lazy("The licence as the portal names it."))
    spdx: str = Field(description=lazy("Its SPDX identifier, when known."))
    title: str
    url: str


class Resource(Schema):
    title: str
    format: str
    url: str | None
    filesize: int | None


class Dataset(Schema):
    """A dataset of an event's catalogue, with its licence and the credit its reusers owe."""

    id: int
    title: str
    description: str
    publisher: str
    licence: Licence
    attribution: str = Field(
        description=lazy("The credit line to show with a reuse: source, portal and date of the last update.")
    )
    frequency: str
    formats: list[str]
    last_modified: datetime | None = Field(description=lazy("Last update at the source."))
    fetched_at: datetime | None
    status: Literal["ok", "gone"] = Field(
        description=lazy("gone: it disappeared from its portal, and is kept.")
    )
    portal_kind: Literal["udata", "ckan", "opendatasoft", "manual"]
    restricted: bool = Field(description=lazy("Teams accept its terms before they get the data."))
    terms: str = Field(description=lazy("The terms of a restricted dataset."))
    addresses_withheld: bool = Field(
        description=lazy(
            "True for a restricted dataset: its addresses are shown only to teams that accepted its terms."
        )
    )
    portal_url: str | None
    landing_url: str | None
    api_url: str | None
    source_url: str | None
    remote_id: str | None = Field(description=lazy("Its id at the source."))
    resources: list[Resource]
    url: str = Field(description=lazy("The dataset's page."))


class Team(Schema):
    """A team, as the public list of teams shows it."""

    id: int
    name: str
    description: str
    size: int = Field(description=lazy("How many members it has."))
    challenge_ids: list[int] = Field(description=lazy("The published challenges it took."))
    members: list[str] = Field(description=lazy("The names of the members who chose to publish theirs."))


class DeclaredDataset(Schema):
    id: int
    title: str
    note: str = Field(description=lazy("How the team used it."))
    attribution: str = Field(description=lazy("The credit line, for the version the team declared."))


class File(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class Entry(Schema):
    """An entry of the public gallery."""

    id: int
    title: str
    summary: str
    description: str = Field(description=lazy("Markdown."))
    challenge: ChallengeRef
    round: RoundRef
    team: TeamRef
    members: list[str] = Field(description=lazy("The names of the members who chose to publish theirs."))
    hidden_members: int = Field(description=lazy("How many members are not named."))
    repository_url: str | None
    demo_url: str | None
    video_url: str | None
    code_licence: str = Field(description=lazy("The SPDX identifier of the code's licence."))
    submitted_at: datetime | None
    datasets: list[DeclaredDataset]
    files: list[File]
    url: str


class RankedEntry(Schema):
    rank: int
    entry: EntryRef
    team: TeamRef
    score: float | None = Field(description=lazy("Out of 100; null: not scored."))
    sheets: int = Field(description=lazy("How many score sheets count."))
    votes: int | None = Field(description=lazy("Public votes; null when the session had no public vote."))


class ChallengeRanking(Schema):
    challenge: ChallengeRef
    entries: list[RankedEntry]


class Award(Schema):
    """A prize given to an entry by a published jury session."""

    id: int
    title: str = Field(description=lazy("In the reader's language for the default titles."))
    session_id: int
    challenge_id: int | None = Field(description=lazy("null: the public's prize."))
    position: int
    entry: EntryRef
    team: TeamRef


class Results(Schema):
    """The published results of one jury session: the ranking per challenge and the awards."""

    session_id: int
    name: str
    round_id: int
    published_at: datetime | None
    public_vote: bool
    challenges: list[ChallengeRanking]
    awards: list[Award]


# --- with a token -----------------------------------------------------------------------------------


class Token(Schema):
    """The token that made the request."""

    name: str
    prefix: str = Field(description=lazy("Its first characters."))
    scope: Literal["read", "write"]
    created_at: datetime
    last_used_at: datetime | None
    event: EventRef
    owner: UserRef = Field(description=lazy("Who made it."))


class Registrant(Schema):
    id: int
    person: Person
    registered_at: datetime
    answers: dict[str, Any] = Field(description=lazy("The answers to the event's registration questions."))
    team_id: int | None


class Member(Schema):
    person: Person
    captain: bool
    joined_at: datetime


class ManagedTeam(Schema):
    """A team with its members, for its event's organisers."""

    id: int
    name: str
    description: str
    created_at: datetime
    challenge_ids: list[int]
    members: list[Member]


class ManagedEntry(Schema):
    """An entry, whatever its status, for its event's organisers."""

    id: int
    title: str
    summary: str
    team: TeamRef
    round: RoundRef
    challenge: ChallengeRef
    status: Literal["draft", "submitted"]
    selection: Literal["pending", "selected", "waitlisted", "rejected"]
    selection_message: str
    version: int
    repository_url: str
    demo_url: str
    video_url: str
    code_licence: str
    dataset_ids: list[int]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    url: str


class JurySession(Schema):
    id: int
    name: str
    round_id: int
    status: Literal["scheduled", "open", "closed", "published"]
    opens_at: datetime | None
    closes_at: datetime | None
    locked_at: datetime | None
    published_at: datetime | None
    assignment_mode: Literal["all", "k"]
    k: int
    blind: bool
    normalisation: Literal["none", "zscore"]
    trimmed: bool
    public_vote: bool


class CriterionAverage(Schema):
    criterion_id: int
    criterion: str
    average: float | None


class ResultRow(Schema):
    model_config = ConfigDict(extra="ignore")

    rank: int
    entry_id: int
    entry: str
    team_id: int
    team: str
    challenge_id: int
    challenge: str
    score: float | None
    raw_mean: float | None
    difference: float | None
    sheets: int
    trimmed: bool
    tie_broken: bool
    criteria: list[CriterionAverage]
    votes: int | None = None


class GivenAward(Schema):
    model_config = ConfigDict(extra="ignore")

    title: str
    challenge_id: int | None
    challenge: str | None
    entry_id: int
    entry: str
    position: int


class SessionResults(Schema):
    """A jury session's results: frozen once the session is closed, as they stand while it is open."""

    model_config = ConfigDict(extra="ignore")

    computed_at: str
    normalisation: str
    trimmed: bool
    public_vote: bool
    entries: list[ResultRow]
    awards: list[GivenAward]


class CriterionScore(Schema):
    criterion_id: int
    value: float


class ScoreSheet(Schema):
    """One juror's sheet for one entry (never the juror's private note)."""

    id: int
    juror: Person
    entry_id: int
    status: Literal["draft", "submitted"]
    counted: bool = Field(description=lazy("False once the juror's assignment was withdrawn (a conflict)."))
    total: float | None = Field(description=lazy("Out of 100."))
    comment: str = Field(description=lazy("The comment for the team."))
    submitted_at: datetime | None
    scores: list[CriterionScore]


# --- writes -----------------------------------------------------------------------------------------


class Body(Schema):
    """A request's body: exact types, nothing unknown."""

    model_config = ConfigDict(extra="forbid", strict=True)


class DatasetImport(Body):
    """A dataset to import from an open-data portal (udata, CKAN, Opendatasoft)."""

    url: str = Field(description=lazy("The dataset's address on its portal."), max_length=2000)


class InvitationRequest(Body):
    email: str = Field(max_length=1000, json_schema_extra={"format": "email"})
    role: Literal["organiser", "challenge_owner", "juror", "mentor"]


class Invitation(Schema):
    email: str
    role: Literal["organiser", "challenge_owner", "juror", "mentor"]
    granted: bool = Field(
        description=lazy(
            "True: an account had this address and holds the role now. False: an invitation was mailed."
        )
    )


class RoundChange(Body):
    """What to change in a round: the fields sent, the others stay."""

    opens_at: str | None = Field(
        default=None,
        max_length=64,
        description=lazy(
            "A date and time in ISO 8601: with an offset (such as Z), or without one, in the event's "
            "time zone. null: none."
        ),
    )
    deadline: str | None = Field(default=None, max_length=64, description=lazy("Same format. null: none."))
    grace_minutes: int | None = Field(default=None, description=lazy("From 0 to 1440."))
