"""Large demo data, for benchmarks and for trying the app at the size of a national programme:
`hackcity seed --scale large` (issue 12, docs/PERFORMANCE.md).

One event, "Grand Défi des données publiques 2026", with (at full scale, `LARGE`):

- 60 published challenges of 15 French territories, 300 datasets entered by hand (the catalogue's
  "manual" kind: titles, publishers and licences as an organiser types them, no network);
- 3,000 participants, all registered, in 800 teams of 3 or 4; each team submitted one entry to the
  round "Projets" (deadline three weeks ago), with the datasets it used and a small file or two
  (1 to 4 KB) written through the app's storage, so downloads work;
- 40 jurors and a grid of 6 criteria; the national jury scored every entry with 5 jurors (assignment
  by the app, three declared conflicts), every sheet submitted, then it closed, gave each challenge's
  prize and published its results;
- a live final open today on 10 partner challenges (100 entries): 12 jurors, an agenda of 100
  pitches of 6 minutes — the first 20 locked, 10 more pitched, one live, the rest to come — and the
  sheets the jurors filled as the teams pitched (drafts for the live pitch).

Sheets, scores and score-log lines are inserted in bulk (a domain write per value would take
minutes), with the app's own rules for what a write leaves: one log line per change with the old and
new value as `events.domain.sheets` writes them, the status change on submission, every moment
inside the scoring window and before the pitch's lock, the totals computed by the database
(`sheets.refresh_totals`). So `hackcity recount SESSION_ID` finds the log equal to the results.
Everything else goes through the domain (sessions, seats and conflicts, assignments, the agenda and
its slots, closing, awards) with an explicit `now`.

Deterministic: every value comes from `random.Random(SEED)` or from `now` (to the hour; the live
final, to the minute), as in `seeds.demo`. Only storage keys (random by design) and the columns the
database stamps differ between two loads. `Scale` sizes it: the tests load `LARGE.divided(20)`
through the same code.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from events.domain import awards, live, seats, sessions
from events.domain.entries import snapshots
from events.domain.events import slugify
from events.domain.passwords import hash_password
from events.domain.portals import _checked_manual_fields
from events.domain.sheets import refresh_totals
from events.domain.sql import placeholders
from events.domain.teams import name_key
from events.i18n import _current, set_language
from events.models import (
    AssignmentMode,
    Challenge,
    ChallengeDataset,
    ChallengeStatus,
    Criterion,
    Dataset,
    Entry,
    EntryDataset,
    EntryFile,
    EntryRevision,
    EntryStatus,
    Event,
    EventKind,
    EventRole,
    EventStatus,
    GalleryMode,
    JurySession,
    JurySessionJuror,
    Registration,
    Role,
    Round,
    Score,
    ScoreLogEntry,
    ScoreSheet,
    SessionStatus,
    SheetStatus,
    SlotStatus,
    Team,
    TeamChallenge,
    TeamMember,
    User,
)
from events.storage import Storage
from seeds import large_words as words
from seeds.teams import _pdf

SEED = 1212
SLUG = "grand-defi-donnees-2026"
DOMAIN = "grand-defi.demo.hackcity.fr"
ORGANISER_EMAIL = f"organisation@{DOMAIN}"
NATIONAL_JURY = "Jury national"
LIVE_JURY = "Finale en direct"
PITCH_MINUTES = 6
BATCH = 1000  # rows per bulk insert


@dataclass(frozen=True)
class Scale:
    """How much of everything. `divided` keeps the shape (5 jurors per entry, 6 criteria) smaller."""

    challenges: int = 60
    datasets: int = 300
    participants: int = 3000
    teams: int = 800
    jurors: int = 40
    jurors_per_entry: int = 5
    pitches: int = 100
    live_jurors: int = 12

    def __post_init__(self) -> None:
        if not 2 * self.teams <= self.participants <= 5 * self.teams:
            raise ValueError("teams hold 2 to 5 participants")
        if not self.jurors_per_entry <= self.jurors or not 1 <= self.live_jurors <= self.jurors:
            raise ValueError("not enough jurors")
        if not 5 <= self.pitches < self.teams or self.challenges < 2 or self.datasets < self.challenges:
            raise ValueError("too small a scale")

    @property
    def finale_challenges(self) -> int:
        return max(1, self.challenges // 6)

    def divided(self, factor: int) -> Scale:
        return replace(
            self,
            challenges=max(2, self.challenges // factor),
            datasets=max(2, self.datasets // factor),
            participants=max(10, self.participants // factor),
            teams=max(5, self.teams // factor) + 1,
            jurors=max(self.jurors_per_entry + 1, self.jurors // factor),
            pitches=max(5, self.pitches // factor),
            live_jurors=max(2, self.live_jurors // factor),
        )


LARGE = Scale()


@dataclass(frozen=True)
class LargeEvent:
    """What was loaded: the ids a benchmark or a test needs."""

    slug: str
    event_id: int
    national_session_id: int
    live_session_id: int
    organiser: str  # email
    jurors: list[str]  # emails, in order
    live_jurors: list[str]


class LargeAlreadyLoaded(Exception):
    """The large event is in the database already: loading it twice would clash."""


async def load_large(
    *, scale: Scale = LARGE, now: datetime | None = None, storage: Storage | None = None
) -> LargeEvent:
    """Load the large event in one transaction (all or nothing). Every account uses the demo's
    password (`seeds.demo.DEMO_PASSWORD`)."""
    if await Event.exists(slug=SLUG):
        raise LargeAlreadyLoaded(f"The large demo event ({SLUG}) is already in this database.")
    clock = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    token = set_language("fr")  # the grid and messages in the language of the demo
    try:
        async with in_transaction():
            return await _Loader(scale, clock=clock, storage=storage).load()
    finally:
        _current.reset(token)


def _email(kind: str, number: int, width: int) -> str:
    return f"{kind}{number:0{width}d}@{DOMAIN}"


async def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """Rows in one `executemany`, converted by the model's fields as `bulk_create` does, without
    building an instance per row (tens of thousands of sheets, scores and log lines)."""
    if not rows:
        return
    meta = model._meta
    names = list(rows[0])
    fields = [meta.fields_map[name] for name in names]
    columns = ", ".join(f'"{meta.fields_db_projection[name]}"' for name in names)
    conn = connections.get("default")  # the transaction's, inside `in_transaction()`
    query = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({", ".join("?" * len(names))})'  # noqa: S608
    values = [
        [field.to_db_value(row[name], model) for name, field in zip(names, fields, strict=True)]
        for row in rows
    ]
    for start in range(0, len(values), BATCH * 10):
        await conn.execute_many(
            placeholders(conn.capabilities.dialect, query), values[start : start + BATCH * 10]
        )


class _Loader:
    def __init__(self, scale: Scale, *, clock: datetime, storage: Storage | None) -> None:
        self.scale = scale
        self.clock = clock
        self.now = clock.replace(minute=0)
        self.rng = random.Random(SEED)
        self.storage = storage

    async def load(self) -> LargeEvent:
        from seeds.demo import DEMO_PASSWORD

        self.password_hash = await hash_password(DEMO_PASSWORD)
        await self._people()
        await self._event()
        await self._challenges_and_datasets()
        await self._teams()
        await self._entries()
        await self._grid()
        national = await self._national_jury()
        final = await self._live_final()
        return LargeEvent(
            slug=SLUG,
            event_id=self.event.id,
            national_session_id=national.id,
            live_session_id=final.id,
            organiser=ORGANISER_EMAIL,
            jurors=self.juror_emails,
            live_jurors=self.juror_emails[-self.scale.live_jurors :],
        )

    # --- people ---------------------------------------------------------------------------------

    def _name(self) -> str:
        return f"{self.rng.choice(words.FIRST_NAMES)} {self.rng.choice(words.LAST_NAMES)}"

    async def _people(self) -> None:
        scale, now = self.scale, self.now
        self.juror_emails = [_email("jure", n, 2) for n in range(1, scale.jurors + 1)]
        self.participant_emails = [_email("participant", n, 4) for n in range(1, scale.participants + 1)]
        people = [(ORGANISER_EMAIL, "Aurélie Fontaine")]
        people += [(email, self._name()) for email in self.juror_emails + self.participant_emails]
        await User.bulk_create(
            [
                User(
                    email=email,
                    name=name,
                    password_hash=self.password_hash,
                    language="fr",
                    email_verified_at=now - timedelta(days=self.rng.randint(40, 120)),
                    terms_accepted_at=now - timedelta(days=120),
                    opt_in_publish_name=self.rng.random() < 0.4,
                )
                for email, name in people
            ],
            batch_size=BATCH,
        )
        self.user_ids = dict(await User.filter(email__endswith=f"@{DOMAIN}").values_list("email", "id"))

    # --- the event, its round, challenges and catalogue -----------------------------------------

    async def _event(self) -> None:
        now = self.now
        self.event = await Event.create(
            slug=SLUG,
            title="Grand Défi des données publiques 2026",
            kind=EventKind.PROGRAMME,
            summary="Le programme national d'innovation ouverte : quinze territoires, soixante défis, "
            "des centaines d'équipes et leurs prototypes construits avec les données ouvertes.",
            description=DESCRIPTION,
            location="France",
            timezone="Europe/Paris",
            status=EventStatus.PUBLISHED,
            starts_at=now - timedelta(days=100),
            ends_at=now + timedelta(days=30),
            registration_opens_at=now - timedelta(days=100),
            registration_closes_at=now - timedelta(days=40),
            gallery=GalleryMode.OPEN,
        )
        await EventRole.create(event=self.event, user_id=self.user_ids[ORGANISER_EMAIL], role=Role.ORGANISER)
        await EventRole.bulk_create(
            [
                EventRole(event=self.event, user_id=self.user_ids[email], role=Role.JUROR)
                for email in self.juror_emails
            ]
        )
        self.stage = await Round.create(
            event=self.event,
            position=1,
            name="Projets",
            opens_at=now - timedelta(days=90),
            deadline=now - timedelta(days=21),
            team_min=2,
            team_max=5,
            questions=[
                {
                    "key": "territoire",
                    "label": "Territoire d'expérimentation",
                    "kind": "text",
                    "required": True,
                }
            ],
        )

    async def _challenges_and_datasets(self) -> None:
        scale, rng = self.scale, self.rng
        combos = [(theme, place) for theme in words.THEMES for place in words.TERRITORIES]
        chosen = rng.sample(combos, scale.challenges)
        self.challenge_specs = chosen
        await Challenge.bulk_create(
            [
                Challenge(
                    event=self.event,
                    slug=slugify(f"{theme} {place}"),
                    title=f"{theme} à {place}",
                    sponsors=[f"{body} – {department}"],
                    statement=STATEMENT.format(place=place, body=body, problem=problem, theme=theme),
                    deliverables=DELIVERABLES,
                    prizes=f"- {rng.choice((5, 8, 10, 15))} 000 € et six mois d'expérimentation avec {body}",
                    status=ChallengeStatus.PUBLISHED,
                    position=position,
                )
                for position, ((theme, department, problem), (place, body)) in enumerate(chosen, start=1)
            ]
        )
        self.challenges = list(await Challenge.filter(event=self.event).order_by("position"))
        subjects = [(subject, place) for subject in words.DATASET_SUBJECTS for place in words.TERRITORIES]
        picked = rng.sample(subjects, scale.datasets)
        await Dataset.bulk_create(
            [
                Dataset(
                    event=self.event,
                    **_checked_manual_fields(
                        title=f"{subject} – {place}",
                        publisher=body,
                        licence=rng.choice(words.LICENCES),
                        url=f"https://donnees.{slugify(place)}.example/jeux/{slugify(subject)[:60]}",
                        description=f"{body} publie ce jeu de données ({what}, mis à jour "
                        f"{FREQUENCY_WORDS[frequency]}). Saisi à la main par l'équipe du programme.",
                    ),
                )
                for (subject, what, frequency), (place, body) in picked
            ],
            batch_size=BATCH,
        )
        dataset_ids = list(await Dataset.filter(event=self.event).order_by("id").values_list("id", flat=True))
        per = len(dataset_ids) // len(self.challenges)
        self.challenge_datasets: dict[int, list[int]] = {}
        links = []
        for index, challenge in enumerate(self.challenges):
            own = dataset_ids[index * per : (index + 1) * per]
            self.challenge_datasets[challenge.id] = own
            links += [
                ChallengeDataset(challenge=challenge, dataset_id=dataset_id, is_primary=position == 0)
                for position, dataset_id in enumerate(own)
            ]
        await ChallengeDataset.bulk_create(links, batch_size=BATCH)

    # --- participants and teams -----------------------------------------------------------------

    async def _teams(self) -> None:
        scale, rng, event = self.scale, self.rng, self.event
        registration_opens = event.registration_opens_at
        await _insert(
            Registration,
            [
                {
                    "event_id": event.id,
                    "user_id": self.user_ids[email],
                    "rules_accepted_at": (
                        accepted := registration_opens + timedelta(hours=rng.randint(1, 1320))
                    ),
                    "answers": {},
                    "created_at": accepted,
                }
                for email in self.participant_emails
            ],
        )
        names = [f"{first} {second}" for first in words.TEAM_FIRST for second in words.TEAM_SECOND]
        names = rng.sample(names, min(scale.teams, len(names)))
        names += [f"Équipe {number}" for number in range(len(names) + 1, scale.teams + 1)]
        # The first `pitches` teams take the partner challenges of the live final, the others the rest.
        finale = self.challenges[: scale.finale_challenges]
        others = self.challenges[scale.finale_challenges :]
        self.team_challenge = [
            finale[index % len(finale)] if index < scale.pitches else others[index % len(others)]
            for index in range(scale.teams)
        ]
        await Team.bulk_create(
            [
                Team(
                    event=event,
                    name=name,
                    name_key=name_key(name),
                    description=f"Une équipe pluridisciplinaire sur le défi « {challenge.title} ».",
                    invite_token_hash=f"{rng.getrandbits(256):064x}",
                )
                for name, challenge in zip(names, self.team_challenge, strict=True)
            ],
            batch_size=BATCH,
        )
        by_key = dict(await Team.filter(event=event).values_list("name_key", "id"))
        self.team_ids = [by_key[name_key(name)] for name in names]
        self.team_names = names
        # Captains first (one per team), then the others in turn: teams of 3 or 4 at full scale.
        await _insert(
            TeamMember,
            [
                {
                    "team_id": self.team_ids[
                        index if index < scale.teams else (index - scale.teams) % scale.teams
                    ],
                    "event_id": event.id,
                    "user_id": self.user_ids[email],
                    "is_captain": index < scale.teams,
                    "joined_at": event.registration_closes_at - timedelta(hours=index % 500),
                }
                for index, email in enumerate(self.participant_emails)
            ],
        )
        self.captains = [self.user_ids[email] for email in self.participant_emails[: scale.teams]]
        await TeamChallenge.bulk_create(
            [
                TeamChallenge(team_id=team_id, challenge=challenge)
                for team_id, challenge in zip(self.team_ids, self.team_challenge, strict=True)
            ],
            batch_size=BATCH,
        )

    # --- entries, their datasets, files and first revision ---------------------------------------

    async def _entries(self) -> None:
        rng, stage = self.rng, self.stage
        specs = {c.id: spec for c, spec in zip(self.challenges, self.challenge_specs, strict=True)}
        rows = []
        for index, (team_id, challenge) in enumerate(zip(self.team_ids, self.team_challenge, strict=True)):
            (theme, _department, problem), (place, body) = specs[challenge.id]
            noun, adjective = rng.choice(words.PROJECT_NOUNS), rng.choice(words.PROJECT_ADJECTIVES)
            title = f"{noun} {adjective} : {theme[0].lower()}{theme[1:]}"
            project = slugify(f"{noun} {adjective}")
            rows.append(
                Entry(
                    event=self.event,
                    team_id=team_id,
                    round=stage,
                    challenge=challenge,
                    status=EntryStatus.SUBMITTED,
                    title=title[:200],
                    summary=f"À {place}, {problem} : un {noun.lower()} {adjective} construit avec les "
                    f"données de {body}.",
                    description=ENTRY_DESCRIPTION.format(noun=noun.lower(), place=place, body=body),
                    repository_url=f"https://forge.grand-defi.example/{slugify(self.team_names[index])}/{project}",
                    demo_url=f"https://{project}.grand-defi.example/",
                    code_licence=rng.choice(words.CODE_LICENCES),
                    answers={"territoire": place},
                    submitted_at=stage.deadline - timedelta(minutes=rng.randint(30, 20 * 24 * 60)),
                    version=1,
                )
            )
        await Entry.bulk_create(rows, batch_size=BATCH)
        by_team = dict(await Entry.filter(event=self.event).values_list("team_id", "id"))
        self.entries = list(await Entry.filter(event=self.event).order_by("id"))
        self.entry_by_team = by_team
        declared = []
        for entry in self.entries:
            own = self.challenge_datasets[entry.challenge_id]
            for dataset_id in sorted(rng.sample(own, min(len(own), rng.randint(1, 3)))):
                declared.append(
                    EntryDataset(
                        entry_id=entry.id,
                        dataset_id=dataset_id,
                        note=rng.choice(DATASET_NOTES),
                        declared_version=entry.submitted_at - timedelta(days=rng.randint(3, 20)),
                    )
                )
        await EntryDataset.bulk_create(declared, batch_size=BATCH)
        if self.storage is not None:
            await self._files()
        captain_of = dict(zip(self.team_ids, self.captains, strict=True))
        data = await snapshots(self.entries)
        await EntryRevision.bulk_create(
            [
                EntryRevision(
                    entry_id=entry.id, number=1, data=data[entry.id], author_id=captain_of[entry.team_id]
                )
                for entry in self.entries
            ],
            batch_size=BATCH,
        )

    async def _files(self) -> None:
        """A CSV of results (1 to 4 KB) for every entry and a one-page PDF for one in four, written
        through the storage (a temporary file, fsync, a move), a few at a time."""
        captain_of = dict(zip(self.team_ids, self.captains, strict=True))
        wanted = []
        for index, entry in enumerate(self.entries):
            lines = ["jour,quartier,valeur"]
            target = self.rng.randint(1024, 4096)
            day = 0
            while sum(len(line) + 1 for line in lines) < target:
                day += 1
                lines.append(f"{day},{self.rng.choice(QUARTERS)},{self.rng.randint(10, 9999)}")
            wanted.append((entry, "resultats.csv", "text/csv", ("\n".join(lines) + "\n").encode()))
            if index % 4 == 0:
                wanted.append((entry, "presentation.pdf", "application/pdf", _pdf(entry.title)))
        stored = []
        for start in range(0, len(wanted), 16):
            batch = wanted[start : start + 16]
            stored += await asyncio.gather(*(self._store(data) for *_rest, data in batch))
        await EntryFile.bulk_create(
            [
                EntryFile(
                    entry_id=entry.id,
                    storage_key=key,
                    original_name=name,
                    content_type=content_type,
                    size=size,
                    sha256=sha256,
                    uploaded_by_id=captain_of[entry.team_id],
                )
                for (entry, name, content_type, _data), (key, size, sha256) in zip(
                    wanted, stored, strict=True
                )
            ],
            batch_size=BATCH,
        )

    async def _store(self, data: bytes) -> tuple[str, int, str]:
        assert self.storage is not None
        pending = self.storage.begin(max_bytes=len(data) + 1)
        await pending.write(data)
        done = await pending.commit()
        return done.key, done.size, done.sha256

    # --- juries ---------------------------------------------------------------------------------

    async def _grid(self) -> None:
        levels = [{"value": value, "label": label} for value, label in words.LEVELS]
        self.grid = [
            await Criterion.create(
                round=self.stage,
                name=name,
                description=description,
                weight=weight,
                scale_min=0,
                scale_max=10,
                step=1,
                levels=levels,
                position=position,
            )
            for position, (name, description, weight) in enumerate(words.CRITERIA, start=1)
        ]
        # How good each entry is, and how severe each juror: the values jurors give come from both.
        self.quality = {entry.id: self.rng.uniform(3.0, 8.5) for entry in self.entries}
        self.severity = {self.user_ids[email]: self.rng.uniform(-1.5, 1.5) for email in self.juror_emails}

    async def _seat_all(self, session: JurySession, emails: list[str], accepted_at: datetime) -> list[int]:
        """Seat jurors who accepted (their invitations are history): one row each."""
        ids = [self.user_ids[email] for email in emails]
        await JurySessionJuror.bulk_create(
            [
                JurySessionJuror(
                    session=session, user_id=user_id, accepted_at=accepted_at + timedelta(minutes=n)
                )
                for n, user_id in enumerate(ids)
            ]
        )
        return ids

    async def _national_jury(self) -> JurySession:
        """Every entry scored by 5 jurors, sheets submitted within the week after the deadline; the
        session closed, the prizes given, the results published."""
        scale, rng = self.scale, self.rng
        opens_at = self.stage.deadline + timedelta(days=1)
        closes_at = opens_at + timedelta(days=7)
        session = await sessions.create_session(
            stage=self.stage,
            name=NATIONAL_JURY,
            opens_at=opens_at,
            closes_at=closes_at,
            assignment_mode=AssignmentMode.K,
            k=scale.jurors_per_entry,
        )
        juror_ids = await self._seat_all(session, self.juror_emails, opens_at - timedelta(days=3))
        # Three jurors know a team: declared when accepting, so the assignment keeps them apart.
        for number in range(3):
            juror = await User.get(id=juror_ids[number * 7 % len(juror_ids)])
            team_id = self.team_ids[(number * 97 + 11) % len(self.team_ids)]
            await seats.declare_conflicts(
                session=session,
                juror=juror,
                team_ids=[team_id],
                reason="J'ai travaillé avec une personne de cette équipe l'an dernier.",
                now=opens_at - timedelta(days=2),
            )
        await sessions.set_session_status(session=session, status=SessionStatus.OPEN, now=opens_at)
        pairs = sorted(await session.assignments.all().values_list("juror_id", "entry_id"))
        by_juror: dict[int, list[int]] = {}
        for juror_id, entry_id in pairs:
            by_juror.setdefault(juror_id, []).append(entry_id)
        plans = []
        for juror_id, entry_ids in by_juror.items():
            at = opens_at + timedelta(minutes=rng.randint(30, 600))
            pace = (closes_at - timedelta(hours=2) - at) / max(1, len(entry_ids))
            for entry_id in entry_ids:
                plans.append(self._plan(juror_id, entry_id, at, submit=True))
                at += pace
        await self._write_sheets(session, plans)
        await sessions.set_session_status(session=session, status=SessionStatus.CLOSED, now=closes_at)
        closed = await JurySession.get(id=session.id)
        for challenge in self.challenges:
            winners = [
                row
                for row in closed.results_snapshot["entries"]
                if row["challenge_id"] == challenge.id and row["rank"] == 1 and row["score"] is not None
            ]
            if winners:
                await awards.give_award(
                    session=closed,
                    challenge_id=challenge.id,
                    entry_id=min(row["entry_id"] for row in winners),
                    title="Prix du défi",
                )
        await sessions.set_session_status(
            session=closed, status=SessionStatus.PUBLISHED, now=closes_at + timedelta(days=1)
        )
        return closed

    async def _live_final(self) -> JurySession:
        """The final of the partner challenges, open today: the agenda of every entry in scope, the
        first pitches locked, more pitched, one live; jurors scored the pitches as they went."""
        scale, clock = self.scale, self.clock
        finale = self.challenges[: scale.finale_challenges]
        opens_at, closes_at = clock - timedelta(hours=5), clock + timedelta(hours=12)
        session = await sessions.create_session(
            stage=self.stage,
            name=LIVE_JURY,
            challenge_ids=[c.id for c in finale],
            opens_at=opens_at,
            closes_at=closes_at,
            assignment_mode=AssignmentMode.ALL,
        )
        live_emails = self.juror_emails[-scale.live_jurors :]
        juror_ids = await self._seat_all(session, live_emails, opens_at - timedelta(days=1))
        await sessions.set_session_status(session=session, status=SessionStatus.OPEN, now=opens_at)
        locked_count = max(1, scale.pitches // 5)
        pitched = max(locked_count + 2, scale.pitches * 3 // 10)
        step = timedelta(minutes=PITCH_MINUTES)
        first_start = clock - pitched * step - timedelta(minutes=2)
        slots = await live.build_agenda(session=session, start=first_start, duration=PITCH_MINUTES)
        assert len(slots) == scale.pitches, (len(slots), scale.pitches)
        for index in range(pitched + 1):  # the last call puts slot `pitched` live, two minutes ago
            await live.next_slot(session=session, now=first_start + index * step)
        plans = []
        for index, slot in enumerate(slots[: pitched + 1]):
            start = first_start + index * step
            for n, juror_id in enumerate(juror_ids):
                if index < pitched:
                    at = start + timedelta(minutes=1, seconds=7 * n)
                    plans.append(self._plan(juror_id, slot.entry_id, at, submit=True, fast=True))
                elif n % 2 == 0:  # the live pitch: half the jurors hold a draft with a few values
                    at = start + timedelta(seconds=20 + 3 * n)
                    plans.append(self._plan(juror_id, slot.entry_id, at, submit=False, fast=True))
        await self._write_sheets(session, plans)
        for index, slot in enumerate(slots[:locked_count]):
            await live.set_slot_status(
                slot=slot, status=SlotStatus.LOCKED, now=first_start + (index + 2) * step
            )
        return session

    # --- sheets, scores and the log, in bulk ----------------------------------------------------

    def _plan(self, juror_id: int, entry_id: int, at: datetime, *, submit: bool, fast: bool = False) -> dict:
        """One sheet as a juror fills it from `at`: values one after the other (one typed wrong and
        corrected now and then), a comment for the team sometimes, then the submission."""
        rng = self.rng
        gap = timedelta(seconds=8 if fast else 20)
        base = self.quality[entry_id] + self.severity[juror_id]
        criteria = self.grid if submit else self.grid[: rng.randint(1, 3)]
        changes: list[tuple[datetime, int | None, str, str | None, str | None]] = []
        values: dict[int, float] = {}
        for criterion in criteria:
            value = float(min(10, max(0, round(base + rng.uniform(-2, 2)))))
            if rng.random() < 0.05:
                typo = float((value + 3) % 11)
                changes.append((at, criterion.id, "value", None, repr(typo)))
                at += gap
                changes.append((at, criterion.id, "value", repr(typo), repr(value)))
            else:
                changes.append((at, criterion.id, "value", None, repr(value)))
            values[criterion.id] = value
            at += gap
        comment = ""
        if submit and rng.random() < 0.4:
            comment = rng.choice(words.COMMENTS)
            changes.append((at, None, "comment", "", comment))
            at += gap
        if submit:
            changes.append((at, None, "status", SheetStatus.DRAFT.value, SheetStatus.SUBMITTED.value))
        return {
            "juror": juror_id,
            "entry": entry_id,
            "values": values,
            "comment": comment,
            "changes": changes,
            "submitted_at": at if submit else None,
        }

    async def _write_sheets(self, session: JurySession, plans: list[dict]) -> None:
        await _insert(
            ScoreSheet,
            [
                {
                    "session_id": session.id,
                    "juror_id": plan["juror"],
                    "entry_id": plan["entry"],
                    "status": SheetStatus.SUBMITTED if plan["submitted_at"] else SheetStatus.DRAFT,
                    "comment": plan["comment"],
                    "private_note": "",
                    "assigned": True,
                    "submitted_at": plan["submitted_at"],
                    "updated_at": plan["changes"][-1][0],
                }
                for plan in plans
            ],
        )
        sheet_ids = {
            (juror_id, entry_id): sheet_id
            for sheet_id, juror_id, entry_id in await ScoreSheet.filter(session=session).values_list(
                "id", "juror_id", "entry_id"
            )
        }
        scores, log = [], []
        for plan in plans:
            sheet_id = sheet_ids[(plan["juror"], plan["entry"])]
            scores += [
                {"sheet_id": sheet_id, "criterion_id": criterion_id, "value": value}
                for criterion_id, value in plan["values"].items()
            ]
            log += [
                (at, plan["juror"], sheet_id, order, criterion_id, field, old, new)
                for order, (at, criterion_id, field, old, new) in enumerate(plan["changes"])
            ]
        await _insert(Score, scores)
        # The log in the order the changes happened, as the app appends them.
        log.sort(key=lambda line: line[:4])
        await _insert(
            ScoreLogEntry,
            [
                {
                    "sheet_id": sheet_id,
                    "juror_id": juror_id,
                    "criterion_id": criterion_id,
                    "field": field,
                    "old_value": old,
                    "new_value": new,
                    "created_at": at,
                }
                for at, juror_id, sheet_id, _order, criterion_id, field, old, new in log
            ],
        )
        await refresh_totals(session)


FREQUENCY_WORDS = {
    "daily": "chaque jour",
    "weekly": "chaque semaine",
    "monthly": "chaque mois",
    "annual": "chaque année",
    "continuous": "en continu",
    "punctual": "ponctuellement",
}
QUARTERS = ("centre", "nord", "sud", "est", "ouest", "gare", "port", "université", "faubourg", "plateau")
DATASET_NOTES = (
    "Croisé avec les adresses des équipements pour calculer les distances.",
    "Série historique utilisée pour entraîner la prévision.",
    "Fond de carte de l'application.",
    "Indicateur principal du tableau de bord.",
    "Utilisé pour valider nos résultats sur un quartier test.",
)
DESCRIPTION = """\
Le Grand Défi réunit quinze territoires, leurs services et leurs partenaires autour de soixante
défis. Les équipes déposent un projet, un **jury national** les évalue, puis les finalistes des défis
partenaires pitchent en direct lors de la **finale**.

1. **Défis** publiés par les territoires, avec leurs jeux de données.
2. **Projets** : les équipes déposent leur prototype et leur code.
3. **Jury national**, puis **finale en direct** pour les défis partenaires.
"""
STATEMENT = """\
## Le contexte

À {place}, {problem}. {body} ouvre ses données et cherche des solutions testables en six mois.

## Le défi

{theme} : proposez un service ou un outil qui s'appuie sur les données du catalogue, testé avec
les habitants et les agents.
"""
DELIVERABLES = """\
- un prototype testable et son code source publié sous licence libre ;
- une note de deux pages : problème, solution, données utilisées ;
- une vidéo de démonstration de trois minutes.
"""
ENTRY_DESCRIPTION = """\
Notre {noun} aide les habitants et les agents de {place} à agir au bon endroit, au bon moment.

- **Données** : les jeux ouverts de {body}, croisés entre eux ;
- **Prototype** : une application web utilisable sur téléphone ;
- **Suite** : une expérimentation de six mois avec les services.
"""
