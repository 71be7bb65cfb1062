"""Rounds of an event: ordered stages with a submission window, team sizes and extra questions."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from events.domain import schedule
from events.domain.errors import FormErrors
from events.domain.numbers import parse_int
from events.i18n import _, lazy
from events.models import Event, Round

log = logging.getLogger("hackcity.rounds")
QUESTION_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
QUESTION_KINDS = {
    "text": lazy("Short text"),
    "long_text": lazy("Long text"),
    "url": lazy("Web address (URL)"),
    "choice": lazy("Single choice"),
    "checkbox": lazy("Checkbox"),
}
MAX_QUESTIONS = 10
MAX_CHOICES = 20
MAX_GRACE_MINUTES = 24 * 60
MAX_TEAM_SIZE = 100


def question_kind_label(kind: str) -> str:
    return _(QUESTION_KINDS.get(kind, kind))


def _int(value: str, name: str, errors: dict[str | None, str], message: str) -> int | None:
    number = parse_int(value)
    if number is None:
        errors[name] = message
    return number


def clean_questions(rows: list[dict[str, str]], errors: dict[str | None, str]) -> list[dict[str, Any]]:
    """Validate the extra questions typed in the form; rows left blank are dropped.

    Each row is `{"key", "label", "kind", "required", "choices"}` as typed, `choices` one per
    line; the error keys are `q{index}_{field}`, the names of the form's inputs.
    """
    questions: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        key, label = row.get("key", "").strip(), " ".join(row.get("label", "").split())
        if not key and not label:
            continue
        prefix = f"q{index}_"
        kind = row.get("kind", "")
        choices = [c.strip() for c in row.get("choices", "").splitlines() if c.strip()]
        if not QUESTION_KEY_RE.match(key):
            errors[prefix + "key"] = _(
                "A key starts with a lower-case letter, then letters, digits or underscores (at most 40)."
            )
        elif key in seen:
            errors[prefix + "key"] = _("Two questions use the key %(key)s.", key=key)
        seen.add(key)
        if not label or len(label) > 200:
            errors[prefix + "label"] = _("Enter a question of at most 200 characters.")
        if kind not in QUESTION_KINDS:
            errors[prefix + "kind"] = _("Choose a kind of answer.")
        if kind == "choice" and not 2 <= len(choices) <= MAX_CHOICES:
            errors[prefix + "choices"] = _(
                "A single choice needs between 2 and %(n)s choices, one per line.", n=MAX_CHOICES
            )
        if any(len(c) > 200 for c in choices):
            errors[prefix + "choices"] = _("Use at most %(n)s characters.", n=200)
        questions.append(
            {
                "key": key,
                "label": label,
                "kind": kind,
                "required": bool(row.get("required")),
                "choices": choices if kind == "choice" else [],
            }
        )
    if len(questions) > MAX_QUESTIONS:
        errors["questions"] = _("A round has at most %(n)s questions.", n=MAX_QUESTIONS)
    return questions


def _clean(
    *,
    event: Event,
    name: str,
    opens_at: str,
    deadline: str,
    grace_minutes: str,
    team_min: str,
    team_max: str,
    questions: list[dict[str, str]],
) -> dict[str, Any]:
    errors: dict[str | None, str] = {}
    name = " ".join(name.split())
    if not name or len(name) > 120:
        errors["name"] = _("Enter a name of at most 120 characters.")
    dates: dict[str, datetime | None] = {}
    for field, value in (("opens_at", opens_at), ("deadline", deadline)):
        try:
            dates[field] = schedule.parse_local(value, event.timezone)
        except ValueError as problem:
            errors[field] = str(problem)
    if dates.get("opens_at") and dates.get("deadline") and dates["deadline"] <= dates["opens_at"]:
        errors["deadline"] = _("The deadline must come after the opening.")
    grace = _int(grace_minutes or "0", "grace_minutes", errors, _("Enter a number of minutes."))
    if grace is not None and not 0 <= grace <= MAX_GRACE_MINUTES:
        errors["grace_minutes"] = _("Enter between 0 and %(n)s minutes.", n=MAX_GRACE_MINUTES)
    size_message = _("Enter a whole number.")
    smallest = _int(team_min, "team_min", errors, size_message)
    largest = _int(team_max, "team_max", errors, size_message)
    if smallest is not None and not 1 <= smallest <= MAX_TEAM_SIZE:
        errors["team_min"] = _("A team has at least 1 and at most %(n)s members.", n=MAX_TEAM_SIZE)
    if largest is not None and smallest is not None and "team_min" not in errors:
        if not smallest <= largest <= MAX_TEAM_SIZE:
            errors["team_max"] = _(
                "The largest team size must be at least the smallest, and at most %(n)s.", n=MAX_TEAM_SIZE
            )
    cleaned_questions = clean_questions(questions, errors)
    if errors:
        raise FormErrors(errors)
    return {
        "name": name,
        "opens_at": dates["opens_at"],
        "deadline": dates["deadline"],
        "grace_minutes": grace,
        "team_min": smallest,
        "team_max": largest,
        "questions": cleaned_questions,
    }


async def add_round(
    *,
    event: Event,
    name: str,
    opens_at: str,
    deadline: str,
    grace_minutes: str,
    team_min: str,
    team_max: str,
    questions: list[dict[str, str]],
) -> Round:
    fields = _clean(
        event=event,
        name=name,
        opens_at=opens_at,
        deadline=deadline,
        grace_minutes=grace_minutes,
        team_min=team_min,
        team_max=team_max,
        questions=questions,
    )
    async with in_transaction():
        last = await Round.filter(event_id=event.id).order_by("-position").first()
        created = await Round.create(event=event, position=(last.position + 1) if last else 1, **fields)
    log.info("round %s added to event %s", created.id, event.id)
    return created


async def update_round(
    *,
    stage: Round,
    event: Event,
    name: str,
    opens_at: str,
    deadline: str,
    grace_minutes: str,
    team_min: str,
    team_max: str,
    questions: list[dict[str, str]],
) -> Round:
    fields = _clean(
        event=event,
        name=name,
        opens_at=opens_at,
        deadline=deadline,
        grace_minutes=grace_minutes,
        team_min=team_min,
        team_max=team_max,
        questions=questions,
    )
    for field, value in fields.items():
        setattr(stage, field, value)
    await stage.save(update_fields=list(fields))
    log.info("round %s of event %s updated", stage.id, event.id)
    return stage


async def delete_round(*, stage: Round) -> None:
    await stage.delete()
    log.info("round %s of event %s deleted", stage.id, stage.event_id)


async def move_round(*, stage: Round, direction: str) -> bool:
    """Swap a round with its neighbour ("up" or "down"); False at either end."""
    if direction not in ("up", "down"):
        raise FormErrors({"direction": _("Choose up or down.")})
    siblings = Round.filter(event_id=stage.event_id)
    if direction == "up":
        neighbour = await siblings.filter(position__lt=stage.position).order_by("-position").first()
    else:
        neighbour = await siblings.filter(position__gt=stage.position).order_by("position").first()
    if neighbour is None:
        return False
    mine, theirs = stage.position, neighbour.position
    async with in_transaction():
        # (event, position) is unique: park one round on a free negative position first.
        await Round.filter(id=stage.id).update(position=-stage.id)
        await Round.filter(id=neighbour.id).update(position=mine)
        await Round.filter(id=stage.id).update(position=theirs)
    stage.position = theirs
    return True


def window_end(stage: Round) -> datetime | None:
    """When submissions really close: the deadline plus the grace period."""
    if stage.deadline is None:
        return None
    return stage.deadline + timedelta(minutes=stage.grace_minutes)


def overlapping_rounds(rounds: list[Round]) -> list[tuple[Round, Round]]:
    """Pairs of rounds whose dated submission windows overlap (undated windows never do)."""
    dated = [r for r in rounds if r.opens_at and r.deadline]
    pairs = []
    for index, first in enumerate(dated):
        for second in dated[index + 1 :]:
            first_end, second_end = window_end(first), window_end(second)
            assert first.opens_at and second.opens_at and first_end and second_end
            if first.opens_at < second_end and second.opens_at < first_end:
                pairs.append((first, second))
    return pairs
