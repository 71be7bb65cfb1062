"""The demo-day stage screen: what the projector shows, who may watch it, and the awards' reveal.

- **What it shows** (`stage_state`) follows the control room: before the first pitch, the agenda;
  while a slot is live, its team, entry, challenge and datasets with the slot's timer and who is
  next; between two pitches, the agenda and who is next; once every pitch is over, or the session
  is closed or published, the awards the organiser has revealed so far, and only those.
- **The reveal** (`move_reveal`, the one transition): "next" reveals the first award not revealed
  yet in the reveal order, "back" hides the last one revealed (a button pressed too early). Awards
  exist once the session is closed, so the reveal does too. The order: challenges in their order,
  each from its last prize to its first (the first prize comes last), then the public's prize.
  An award is revealed when its `revealed_at` is set: an award given or removed during the
  ceremony changes nothing already shown, and nothing not revealed ever leaves the server.
- **Who may watch**: the event's organisers; anyone when the event is published and the session
  has a public vote (the public is invited to follow it); anyone else only through the sharing
  link, whose token is an HMAC of the session and its `stage_secret` under the app's secret key
  (compared in constant time). `rotate_stage_link` draws a new secret: the old link stops working.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from events import broker
from events.domain.awards import AWARDABLE, can_award
from events.domain.errors import FormErrors
from events.domain.live import SlotTimer, agenda, slot_timer
from events.i18n import _
from events.models import Award, Challenge, EntryDataset, Event, JurySession, PitchSlot, SlotStatus

log = logging.getLogger("hackcity.live")

TOKEN_LENGTH = 40
REVEAL_STEPS = ("next", "back")
AGENDA_SHOWN = 6  # rows of the agenda on the screen: more would not fit at 1280×720
AWARDS_SHOWN = 4  # awards revealed before the latest, listed under it


# --- who may watch --------------------------------------------------------------------------------


def stage_token(session: JurySession, *, secret_key: str) -> str:
    """The token of the session's sharing link: changes when its secret is drawn again."""
    message = f"stage:{session.id}:{session.stage_secret}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:TOKEN_LENGTH]


def token_matches(session: JurySession, token: str | None, *, secret_key: str) -> bool:
    """Whether `token` is the session's current one, compared in constant time."""
    if not token or len(token) != TOKEN_LENGTH:
        return False
    # As bytes: compare_digest refuses a str with characters outside ASCII.
    return hmac.compare_digest(stage_token(session, secret_key=secret_key).encode(), token.encode())


def is_public(event: Event, session: JurySession) -> bool:
    """The stage of a session with a public vote in a published event is open to anyone."""
    return event.is_published and session.public_vote


def stage_path(event: Event, session: JurySession) -> str:
    return f"/events/{event.slug}/live/{session.id}/stage"


def stage_link(event: Event, session: JurySession, *, secret_key: str, base_url: str) -> str:
    """The sharing link, from the configured BASE_URL (never the Host header)."""
    token = stage_token(session, secret_key=secret_key)
    return f"{base_url.rstrip('/')}{stage_path(event, session)}?key={token}"


async def rotate_stage_link(*, session: JurySession) -> JurySession:
    """Draw a new secret: the link given out so far stops working, open stage screens included
    (their stream is refused when it reconnects)."""
    session.stage_secret = secrets.token_hex(32)
    await JurySession.filter(id=session.id).update(stage_secret=session.stage_secret)
    log.info("jury session %s: new stage link", session.id)
    await broker.publish(broker.session_channel(session.id), {"type": "stage-link"})
    return session


# --- the reveal -------------------------------------------------------------------------------------


def _reveal_key(award: Award, challenge_positions: dict[int, tuple[int, int]]) -> tuple:
    if award.challenge_id is None:  # the public's prize comes after every challenge
        return (1, (0, 0), 0, award.id)
    return (
        0,
        challenge_positions.get(award.challenge_id, (0, award.challenge_id)),
        -award.position,
        -award.id,
    )


async def reveal_order(session: JurySession) -> list[Award]:
    """The session's awards in the order the stage reveals them, with entry, team and challenge."""
    awards = await Award.filter(session_id=session.id).select_related("entry__team", "challenge")
    challenge_ids = {award.challenge_id for award in awards if award.challenge_id is not None}
    positions = {
        challenge_id: (position, challenge_id)
        for challenge_id, position in await Challenge.filter(id__in=challenge_ids).values_list(
            "id", "position"
        )
    }
    return sorted(awards, key=lambda award: _reveal_key(award, positions))


async def move_reveal(*, session: JurySession, step: str, now: datetime | None = None) -> Award:
    """The one transition of the reveal: "next" reveals the next award, "back" hides the last one
    revealed. Returns the award concerned."""
    if step not in REVEAL_STEPS:
        raise FormErrors({None: _("Choose to reveal the next award or to hide the last one.")})
    async with in_transaction():
        current = await JurySession.select_for_update().get(id=session.id)
        if not can_award(current):
            raise FormErrors({None: _("Awards are revealed once the session is locked.")})
        awards = await reveal_order(current)
        if step == "next":
            award = next((award for award in awards if award.revealed_at is None), None)
            if award is None:
                raise FormErrors({None: _("Every award is revealed.")})
            award.revealed_at = now or datetime.now(UTC)
        else:
            shown = [award for award in awards if award.revealed_at is not None]
            if not shown:
                raise FormErrors({None: _("No award is revealed yet.")})
            award = max(shown, key=lambda award: (award.revealed_at, awards.index(award)))
            award.revealed_at = None
        await Award.filter(id=award.id).update(revealed_at=award.revealed_at)
    log.info("jury session %s: award %s %s", session.id, award.id, "revealed" if step == "next" else "hidden")
    await broker.publish(broker.session_channel(session.id), {"type": "reveal"})
    return award


@dataclass
class RevealProgress:
    revealed: int
    total: int


async def reveal_progress(session: JurySession) -> RevealProgress:
    """How many of the session's awards the stage shows, for the control room."""
    total = await Award.filter(session_id=session.id).count()
    revealed = await Award.filter(session_id=session.id, revealed_at__isnull=False).count()
    return RevealProgress(revealed, total)


# --- what the screen shows ------------------------------------------------------------------------


@dataclass
class StageState:
    session: JurySession
    phase: str  # before, pitch, between, awards
    current: PitchSlot | None = None
    timer: SlotTimer | None = None
    challenge: str = ""
    datasets: list[str] = field(default_factory=list)
    upcoming: PitchSlot | None = None  # who is next
    agenda: list[PitchSlot] = field(default_factory=list)  # the next rows to show
    more: int = 0  # rows of the agenda not shown
    revealed: list[Award] = field(default_factory=list)  # in the order they were revealed

    @property
    def latest(self) -> Award | None:
        return self.revealed[-1] if self.revealed else None

    @property
    def earlier(self) -> list[Award]:
        """The awards revealed before the latest one, the most recent first, as many as fit."""
        return list(reversed(self.revealed[:-1]))[:AWARDS_SHOWN]


def _phase(session: JurySession, slots: list[PitchSlot]) -> str:
    statuses = {slot.status for slot in slots}
    if session.status in AWARDABLE:  # locked: a slot left live is over too
        return "awards"
    if SlotStatus.LIVE in statuses:
        return "pitch"
    if slots and SlotStatus.PENDING not in statuses:
        return "awards"
    if statuses & {SlotStatus.DONE, SlotStatus.LOCKED}:
        return "between"
    return "before"


async def stage_state(session: JurySession, now: datetime | None = None) -> StageState:
    """The screen's state, read from the database (a constant number of queries)."""
    slots = await agenda(session)
    phase = _phase(session, slots)
    state = StageState(session=session, phase=phase)
    pending = [slot for slot in slots if slot.status == SlotStatus.PENDING]
    state.upcoming = pending[0] if pending else None
    if phase == "pitch":
        current = next(slot for slot in slots if slot.status == SlotStatus.LIVE)
        state.current, state.timer = current, slot_timer(current, now)
        challenge = await Challenge.get_or_none(id=current.entry.challenge_id)
        state.challenge = challenge.title if challenge else ""
        state.datasets = list(
            await EntryDataset.filter(entry_id=current.entry_id)
            .order_by("dataset__title", "id")
            .values_list("dataset__title", flat=True)
        )
    elif phase in ("before", "between"):
        state.agenda, state.more = pending[:AGENDA_SHOWN], max(len(pending) - AGENDA_SHOWN, 0)
    else:
        revealed = [award for award in await reveal_order(session) if award.revealed_at is not None]
        state.revealed = sorted(revealed, key=lambda award: award.revealed_at)
    return state
