"""Demo juries: a published final jury and a pairwise mentors' prize for the Lyon hackathon, and a
live selection jury open today in Paris.

- Hackathon Mobilités Lyon 2026: the hackathon final grid on its round, a final jury of four jurors
  (one declared a conflict with a team when accepting), every sheet scored, commented and submitted
  through `events.domain.sheets` at moments inside the scoring window (so the score log is the real
  history, one undone change included), the public's vote, then the session closed, the challenges'
  prizes awarded to the top entry of each challenge (and the public's prize) and the results published.
  Its "Prix des mentors": a pairwise session of three jurors (one conflict declared, one comparison
  undone and given again), closed and published with its stability report.
- DataCity Paris 2026: the DataCity selection grid on the "Candidature" round, a session of three
  jurors open today (from this morning to tonight, Europe/Paris) with its agenda of auditions: the
  first pitch is over, the second is live, the others are to come. jure1 has submitted two sheets,
  jure2 holds a draft, jure3 has not accepted the seat yet.

Every value is written here or derived from the dates: the Lyon jury from the round's deadline, the
Paris one from `clock` (the time of loading, to the minute). Everything goes through the domain
(`events.domain.sessions`, `seats`, `sheets`, `criteria`, `public_vote`, `awards`, `live`) with an
explicit `now`, so the rules the app enforces hold for the demo too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from events.domain import awards, live, pairwise, public_vote, seats, sessions, sheets
from events.domain.criteria import apply_preset
from events.i18n import _current, set_language
from events.models import (
    Challenge,
    Criterion,
    Entry,
    EntryStatus,
    Event,
    EventRole,
    JudgingMode,
    JurySession,
    PairwiseState,
    Role,
    Round,
    ScoreSheet,
    SessionStatus,
    SlotStatus,
    Team,
    User,
)

# Jurors added to the two that `seeds.demo` already had (jure1, jure2): (email, name).
JURORS = [
    ("jure3@demo.hackcity.fr", "Élodie Roux"),
    ("jure4@demo.hackcity.fr", "Marc Lambert"),
]
LYON_JURY = "Jury final"
PARIS_JURY = "Jury de sélection : auditions"
PUBLIC_PRIZE = "Prix du public"
PITCH_MINUTES = 7


@dataclass(frozen=True)
class SheetSpec:
    juror: str  # email
    team: str  # team name: the team's entry in the session's round
    values: tuple[float, ...]  # in the order of the grid; fewer values leave the sheet incomplete
    comment: str = ""
    private_note: str = ""
    submit: bool = True
    slip: tuple[int, float] | None = None  # (criterion index, a value typed by mistake), then undone


async def load_juries(*, paris: Event, lyon: Event, users: dict[str, User], clock: datetime) -> None:
    # The grids are written in the language of the demo, whatever the caller's language.
    token = set_language("fr")
    try:
        await _lyon_final(lyon, users)
        await _lyon_mentors(lyon, users)
        await _paris_live(paris, users, clock=clock)
    finally:
        _current.reset(token)


async def _seat(session: JurySession, event: Event, user: User) -> None:
    await EventRole.get_or_create(event=event, user=user, role=Role.JUROR)
    await seats.add_juror(session=session, user=user)


async def _entries_by_team(stage: Round) -> dict[str, Entry]:
    entries = await Entry.filter(round=stage, status=EntryStatus.SUBMITTED).order_by("id")
    names = dict(await Team.filter(id__in=[e.team_id for e in entries]).values_list("id", "name"))
    return {names[entry.team_id]: entry for entry in entries}


async def _score(
    session: JurySession,
    spec: SheetSpec,
    *,
    users: dict[str, User],
    entries: dict[str, Entry],
    grid: list[Criterion],
    at: datetime,
) -> datetime:
    """Fill one sheet through the domain, one action every 20 seconds from `at`; returns the next moment."""
    juror, entry = users[spec.juror], entries[spec.team]
    step = timedelta(seconds=20)
    keys = {"session": session, "juror": juror, "entry": entry}
    for criterion, value in zip(grid, spec.values, strict=False):
        await sheets.save_score(**keys, criterion=criterion, value=value, now=at)
        at += step
    if spec.slip is not None:
        # A value typed by mistake, then undone: both moves stay in the score log.
        index, mistake = spec.slip
        await sheets.save_score(**keys, criterion=grid[index], value=mistake, now=at)
        at += step
        sheet = await ScoreSheet.get(session_id=session.id, juror_id=juror.id, entry_id=entry.id)
        await sheets.undo_last_change(sheet=sheet, juror=juror, now=at)
        at += step
    if spec.comment:
        await sheets.save_comment(**keys, comment=spec.comment, now=at)
        at += step
    if spec.private_note:
        await sheets.save_private_note(**keys, note=spec.private_note, now=at)
        at += step
    if spec.submit:
        await sheets.submit_sheet(**keys, now=at)
        at += step
    return at


# --- Lyon: the published final jury -------------------------------------------------------------------


async def _lyon_final(event: Event, users: dict[str, User]) -> JurySession:
    stage = await Round.get(event=event, name="Hackathon")
    assert stage.deadline is not None
    grid = await apply_preset(stage=stage, preset="hackathon_final")
    opens_at = stage.deadline + timedelta(hours=1)  # the pitches, on Sunday afternoon
    closes_at = opens_at + timedelta(hours=4)
    session = await sessions.create_session(
        stage=stage, name=LYON_JURY, opens_at=opens_at, closes_at=closes_at, public_vote=True
    )
    entries = await _entries_by_team(stage)
    accepted_at = opens_at - timedelta(days=3)
    for email in LYON_JURORS:
        await _seat(session, event, users[email])
    conflict_juror, conflict_team, conflict_reason = LYON_CONFLICT
    for index, email in enumerate(LYON_JURORS):
        conflicted = email == conflict_juror
        await seats.accept_seat(
            session=session,
            juror=users[email],
            conflict_team_ids=[entries[conflict_team].team_id] if conflicted else [],
            reason=conflict_reason if conflicted else "",
            now=accepted_at + timedelta(hours=index),
        )
    await sessions.set_session_status(session=session, status=SessionStatus.OPEN, now=opens_at)
    at = opens_at + timedelta(minutes=30)
    for spec in LYON_SHEETS:
        at = await _score(session, spec, users=users, entries=entries, grid=grid, at=at)
    await _public_votes(session, users, entries, at=at + timedelta(minutes=5))
    await sessions.set_session_status(session=session, status=SessionStatus.CLOSED, now=closes_at)
    await _awards(await JurySession.get(id=session.id))
    await sessions.set_session_status(
        session=session, status=SessionStatus.PUBLISHED, now=closes_at + timedelta(minutes=30)
    )
    return session


# --- Lyon: the mentors' prize, judged two by two ------------------------------------------------------


async def _lyon_mentors(event: Event, users: dict[str, User]) -> JurySession:
    """A pairwise session on the same round: three jurors walk from entry to entry, each answer
    given by `MENTORS_PREFERENCE` (jure4 puts Part-Dieu Fluide first, so the ranking is not
    unanimous), one conflict declared, one comparison undone and answered again; then closed and
    published, its ranking and stability report on the results page."""
    stage = await Round.get(event=event, name="Hackathon")
    assert stage.deadline is not None
    opens_at = stage.deadline + timedelta(hours=1)
    closes_at = opens_at + timedelta(hours=4)
    session = await sessions.create_session(
        stage=stage, name=MENTORS_JURY, opens_at=opens_at, closes_at=closes_at, mode=JudgingMode.PAIRWISE
    )
    entries = await _entries_by_team(stage)
    for index, email in enumerate(MENTORS_JURORS):
        await _seat(session, event, users[email])
        conflicts = [entries[team].team_id for juror, team in MENTORS_CONFLICTS if juror == email]
        await seats.accept_seat(
            session=session,
            juror=users[email],
            conflict_team_ids=conflicts,
            now=opens_at - timedelta(days=2, hours=-index),
        )
    await sessions.set_session_status(session=session, status=SessionStatus.OPEN, now=opens_at)
    titles = {entry.id: team for team, entry in entries.items()}
    at = opens_at + timedelta(minutes=45)
    for email in MENTORS_JURORS:
        juror = users[email]
        at = await _walk(session, juror, titles, MENTORS_PREFERENCE[email], at=at, undo=email == MENTORS_UNDO)
    await sessions.set_session_status(session=session, status=SessionStatus.CLOSED, now=closes_at)
    await sessions.set_session_status(
        session=session, status=SessionStatus.PUBLISHED, now=closes_at + timedelta(minutes=40)
    )
    return session


async def _walk(
    session: JurySession,
    juror: User,
    titles: dict[int, str],
    preference: tuple[str, ...],
    *,
    at: datetime,
    undo: bool,
) -> datetime:
    """A juror's walk through the pairwise page, one step every two minutes from `at`: the first
    entry, the second, then a vote per entry served (the one `preference` puts first wins) until
    none is left; with `undo`, the first vote is undone and given again."""

    async def press(action: str) -> PairwiseState:
        nonlocal at
        state = await PairwiseState.get_or_none(session_id=session.id, juror_id=juror.id)
        await pairwise.act(
            session=session, juror=juror, action=action, step=state.step if state else 0, now=at
        )
        at += timedelta(minutes=2)
        return await PairwiseState.get(session_id=session.id, juror_id=juror.id)

    await press(pairwise.Action.START)
    state = await press(pairwise.Action.START)
    while state.current_id is not None:
        before, now = titles[state.previous_id], titles[state.current_id]
        better = preference.index(before) < preference.index(now)
        if undo:  # the wrong button first, then undone
            await press(pairwise.Action.CURRENT if better else pairwise.Action.PREVIOUS)
            await press(pairwise.Action.UNDO)
            undo = False
        state = await press(pairwise.Action.PREVIOUS if better else pairwise.Action.CURRENT)
    return at


async def _public_votes(
    session: JurySession, users: dict[str, User], entries: dict[str, Entry], *, at: datetime
) -> None:
    """Participants vote for another team's entry (the domain refuses a vote for one's own team)."""
    for index, (email, team) in enumerate(LYON_PUBLIC_VOTES):
        await public_vote.cast_vote(
            session=session, user=users[email], entry_id=entries[team].id, now=at + timedelta(minutes=index)
        )


def prize_title(prizes: str, fallback: str) -> str:
    """The first line of a challenge's prizes ("- 3 000 € et ..."), without its bullet, or `fallback`."""
    for line in prizes.splitlines():
        line = line.strip().lstrip("-*").strip().rstrip(".").strip()
        if line:
            return line[:200]
    return fallback


async def _awards(session: JurySession) -> None:
    """Each challenge's prize to its first entry in the frozen ranking, then the public's prize."""
    winners = [
        row
        for row in (session.results_snapshot or {}).get("entries", [])
        if row["rank"] == 1 and row["score"] is not None
    ]
    challenges = {c.id: c for c in await Challenge.filter(id__in=[row["challenge_id"] for row in winners])}
    for row in sorted(winners, key=lambda r: (challenges[r["challenge_id"]].position, r["challenge_id"])):
        challenge = challenges[row["challenge_id"]]
        await awards.give_award(
            session=session,
            challenge_id=challenge.id,
            entry_id=row["entry_id"],
            title=prize_title(challenge.prizes, "Prix du jury"),
        )
    favourite = await public_vote.public_winner(session)
    if favourite is not None:
        await awards.give_award(session=session, challenge_id=None, entry_id=favourite, title=PUBLIC_PRIZE)


# --- Paris: the selection jury, live today -------------------------------------------------------------


def paris_window(clock: datetime, timezone: str = "Europe/Paris") -> tuple[datetime, datetime]:
    """From 8:00 to 22:00 today in Paris, widened so that scoring is open from 30 minutes before `clock`
    to 4 hours after it (the demo stays usable when it is loaded at night)."""
    zone = ZoneInfo(timezone)
    today = clock.astimezone(zone).date()
    morning = datetime.combine(today, time(8, 0), tzinfo=zone)
    night = datetime.combine(today, time(22, 0), tzinfo=zone)
    return min(morning, clock - timedelta(minutes=30)), max(night, clock + timedelta(hours=4))


async def _paris_live(event: Event, users: dict[str, User], *, clock: datetime) -> JurySession:
    stage = await Round.get(event=event, name="Candidature")
    grid = await apply_preset(stage=stage, preset="datacity_selection")
    opens_at, closes_at = paris_window(clock, event.timezone)
    session = await sessions.create_session(
        stage=stage, name=PARIS_JURY, opens_at=opens_at, closes_at=closes_at
    )
    for email in PARIS_JURORS:
        await _seat(session, event, users[email])
    for index, email in enumerate(PARIS_ACCEPTED):
        await seats.accept_seat(
            session=session,
            juror=users[email],
            conflict_team_ids=[],
            now=opens_at - timedelta(days=2) + timedelta(hours=index),
        )
    await sessions.set_session_status(session=session, status=SessionStatus.OPEN, now=opens_at)
    entries = await _entries_by_team(stage)
    grid_of = {"session": session, "users": users, "entries": entries, "grid": grid}
    # The agenda: every entry, 7 minutes each from 11 minutes ago; the first pitch ran one minute
    # over, the second started 3 minutes ago. Jurors score as the teams pitch.
    first_start = clock - timedelta(minutes=11)
    slots = await live.build_agenda(session=session, start=first_start, duration=PITCH_MINUTES)
    await live.set_slot_status(slot=slots[0], status=SlotStatus.LIVE, now=first_start)
    jure1_first, jure2_draft, jure1_second = PARIS_SHEETS
    await _score(spec=jure1_first, at=clock - timedelta(minutes=7), **grid_of)
    await _score(spec=jure2_draft, at=clock - timedelta(minutes=4, seconds=30), **grid_of)
    await live.next_slot(session=session, now=clock - timedelta(minutes=3))
    await _score(spec=jure1_second, at=clock - timedelta(minutes=2, seconds=40), **grid_of)
    return session


# --- the juries' contents --------------------------------------------------------------------------------

MENTORS_JURY = "Prix des mentors"
MENTORS_JURORS = ["jure1@demo.hackcity.fr", "jure2@demo.hackcity.fr", "jure4@demo.hackcity.fr"]
# (juror, team): declared when accepting the seat; that team is never shown to them.
MENTORS_CONFLICTS = (("jure2@demo.hackcity.fr", "Covoit'Lyon"),)
MENTORS_UNDO = "jure1@demo.hackcity.fr"
# Each juror's answers: the first team of their order wins every comparison it is in.
MENTORS_ORDER = ("Vélo'v Prédictif", "Part-Dieu Fluide", "Quai Malin", "Covoit'Lyon", "Station Pleine")
MENTORS_PREFERENCE = {
    "jure1@demo.hackcity.fr": (*MENTORS_ORDER, "Zone Partagée"),
    "jure2@demo.hackcity.fr": (
        "Vélo'v Prédictif",
        "Part-Dieu Fluide",
        "Zone Partagée",
        "Quai Malin",
        "Station Pleine",
    ),
    "jure4@demo.hackcity.fr": (
        "Part-Dieu Fluide",
        "Vélo'v Prédictif",
        "Covoit'Lyon",
        "Quai Malin",
        "Zone Partagée",
        "Station Pleine",
    ),
}

LYON_JURORS = [
    "jure1@demo.hackcity.fr",
    "jure2@demo.hackcity.fr",
    "jure3@demo.hackcity.fr",
    "jure4@demo.hackcity.fr",
]
# (juror, team, reason): declared when accepting the seat.
LYON_CONFLICT = (
    "jure3@demo.hackcity.fr",
    "Covoit'Lyon",
    "J'ai encadré le stage de fin d'études de Chloé Garnier l'an dernier.",
)
# The hackathon final grid: use of the data (×2), feasibility, innovation, impact (×2), openness.
LYON_SHEETS = (
    SheetSpec(
        "jure1@demo.hackcity.fr",
        "Vélo'v Prédictif",
        (5, 4, 4, 4, 4),
        "Modèle solide et bien expliqué ; la carte mobile est convaincante. "
        "Publiez les données d'entraînement nettoyées pour que d'autres puissent comparer.",
    ),
    SheetSpec(
        "jure1@demo.hackcity.fr",
        "Covoit'Lyon",
        (4, 3, 3, 4, 4),
        "Bonne idée de croiser la base des lieux de covoiturage et le registre des trajets. "
        "L'appariement reste à tester avec de vrais salariés.",
        private_note="Demander le retour de la zone d'activité de Saint-Priest.",
    ),
    SheetSpec(
        "jure1@demo.hackcity.fr",
        "Part-Dieu Fluide",
        (4, 3, 5, 5, 3),
        "Un vrai besoin, très bien présenté. Documentez le calcul de l'affluence pour qu'il soit "
        "réutilisable par d'autres gares.",
    ),
    SheetSpec(
        "jure2@demo.hackcity.fr",
        "Vélo'v Prédictif",
        (4, 4, 3, 5, 5),
        "Très bon usage de l'historique des stations, code propre et sous licence libre : bravo.",
        slip=(3, 2),
    ),
    SheetSpec(
        "jure2@demo.hackcity.fr",
        "Covoit'Lyon",
        (3, 3, 4, 3, 4),
        "L'interface est soignée ; le modèle économique pour les employeurs manque encore.",
    ),
    SheetSpec(
        "jure2@demo.hackcity.fr",
        "Part-Dieu Fluide",
        (5, 4, 4, 5, 3),
        "Excellent usage de la fréquentation par heure. Pensez aux personnes à mobilité réduite.",
    ),
    SheetSpec(
        "jure3@demo.hackcity.fr",
        "Vélo'v Prédictif",
        (4, 5, 3, 4, 4),
        "La démo fonctionne sur le terrain, c'est rare en 48 heures.",
    ),
    SheetSpec(
        "jure3@demo.hackcity.fr",
        "Part-Dieu Fluide",
        (4, 3, 4, 4, 3),
        "Belle visualisation ; le guidage pas à pas gagnerait à être testé avec des voyageurs.",
    ),
    SheetSpec(
        "jure4@demo.hackcity.fr",
        "Vélo'v Prédictif",
        (3, 4, 4, 4, 4),
        "Comparez la prévision à une base simple (la disponibilité de la veille) pour montrer le gain.",
    ),
    SheetSpec(
        "jure4@demo.hackcity.fr",
        "Covoit'Lyon",
        (4, 4, 4, 3, 3),
        "Idée utile et bien ciblée ; publiez le code pour qu'une collectivité puisse le reprendre.",
    ),
    SheetSpec(
        "jure4@demo.hackcity.fr",
        "Part-Dieu Fluide",
        (4, 4, 5, 4, 4),
        "Le projet le plus abouti du week-end côté usagers.",
        private_note="À présenter à Sytral Mobilités.",
    ),
    SheetSpec(
        "jure1@demo.hackcity.fr",
        "Station Pleine",
        (4, 3, 4, 3, 4),
        "Une alerte utile au quotidien ; montrez la fiabilité de la prévision station par station.",
    ),
    SheetSpec(
        "jure1@demo.hackcity.fr",
        "Zone Partagée",
        (5, 4, 4, 5, 4),
        "La carte des zones sans aire de covoiturage parlera aux collectivités : très bon usage du registre.",
    ),
    SheetSpec(
        "jure1@demo.hackcity.fr",
        "Quai Malin",
        (3, 4, 3, 3, 4),
        "Prototype simple et lisible ; un seul jeu de données, c'est un peu court.",
    ),
    SheetSpec(
        "jure2@demo.hackcity.fr",
        "Station Pleine",
        (3, 4, 4, 4, 4),
        "Bonne expérience sur mobile. Croisez avec les aménagements cyclables pour proposer un itinéraire.",
    ),
    SheetSpec(
        "jure2@demo.hackcity.fr",
        "Zone Partagée",
        (4, 3, 4, 4, 5),
        "Code ouvert sous EUPL, bravo. Le passage de la carte à l'action reste à imaginer.",
    ),
    SheetSpec(
        "jure2@demo.hackcity.fr",
        "Quai Malin",
        (3, 3, 4, 4, 3),
        "Idée originale ; il faudrait valider les sorties de quai avec l'exploitant.",
    ),
    SheetSpec(
        "jure3@demo.hackcity.fr",
        "Station Pleine",
        (4, 4, 3, 3, 4),
        "Démo claire. Expliquez ce qui se passe quand la prévision se trompe.",
    ),
    SheetSpec(
        "jure3@demo.hackcity.fr",
        "Zone Partagée",
        (4, 4, 5, 4, 4),
        "Une méthode reproductible dans d'autres métropoles : documentez-la.",
    ),
    SheetSpec(
        "jure3@demo.hackcity.fr",
        "Quai Malin",
        (3, 3, 3, 4, 3),
        "Pensez aux annonces sonores pour les voyageurs malvoyants.",
    ),
    SheetSpec(
        "jure4@demo.hackcity.fr",
        "Station Pleine",
        (4, 4, 3, 4, 3),
        "Solide ; l'écart avec Vélo'v Prédictif tient surtout à l'usage des données.",
    ),
    SheetSpec(
        "jure4@demo.hackcity.fr",
        "Zone Partagée",
        (4, 4, 4, 4, 4),
        "Un outil dont les services de la Métropole pourraient se servir dès demain.",
        private_note="Mettre l'équipe en relation avec le service mobilité de la Métropole.",
    ),
    SheetSpec(
        "jure4@demo.hackcity.fr",
        "Quai Malin",
        (4, 3, 3, 3, 4),
        "L'écran est clair ; publiez la maquette pour que d'autres gares l'essaient.",
    ),
)
# (voter, team voted for): participants of the hackathon and one visitor, never for their own team.
LYON_PUBLIC_VOTES = (
    ("equipe-a@demo.hackcity.fr", "Part-Dieu Fluide"),
    ("equipe-d@demo.hackcity.fr", "Covoit'Lyon"),
    ("equipe-e@demo.hackcity.fr", "Part-Dieu Fluide"),
    ("equipe-b@demo.hackcity.fr", "Vélo'v Prédictif"),
    ("equipe-c@demo.hackcity.fr", "Part-Dieu Fluide"),
    ("equipe-g@demo.hackcity.fr", "Vélo'v Prédictif"),
    ("equipe-f@demo.hackcity.fr", "Covoit'Lyon"),
    ("equipe-h@demo.hackcity.fr", "Part-Dieu Fluide"),
    ("equipe-i@demo.hackcity.fr", "Part-Dieu Fluide"),
    ("equipe-j@demo.hackcity.fr", "Quai Malin"),
    ("equipe-k@demo.hackcity.fr", "Vélo'v Prédictif"),
    ("equipe-l@demo.hackcity.fr", "Station Pleine"),
    ("equipe-m@demo.hackcity.fr", "Zone Partagée"),
    ("equipe-n@demo.hackcity.fr", "Part-Dieu Fluide"),
)

PARIS_JURORS = ["jure1@demo.hackcity.fr", "jure2@demo.hackcity.fr", "jure3@demo.hackcity.fr"]
PARIS_ACCEPTED = ["jure1@demo.hackcity.fr", "jure2@demo.hackcity.fr"]  # jure3 has not answered yet
# The DataCity selection grid: team (×2), fit (×3), use of the data (×2), feasibility (×2), scale.
PARIS_SHEETS = (
    SheetSpec(
        "jure1@demo.hackcity.fr",
        "Canopée",
        (8, 9, 8, 7, 7),
        "Équipe solide et relevés de température bien exploités. Précisez le protocole de mesure "
        "dans les cours pour l'expérimentation.",
    ),
    SheetSpec(
        "jure2@demo.hackcity.fr",
        "Canopée",
        (7, 8),
        private_note="Revoir le budget avant de noter la faisabilité.",
        submit=False,
    ),
    SheetSpec(
        "jure1@demo.hackcity.fr",
        "Dernier Kilomètre",
        (7, 6, 5, 6, 8),
        "Une idée utile pour Paris Centre ; l'usage des comptages routiers reste à démontrer.",
    ),
)
