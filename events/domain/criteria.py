"""Scoring grids: criteria of a round (or of one challenge), the presets, and the validation of a value.

A challenge that has criteria of its own uses them instead of the round's grid (`copy_round_grid`
starts them from a copy of the round's, `drop_challenge_grid` goes back to the round's). A value is valid when
it is a finite number within [scale_min, scale_max] on the step grid that starts at scale_min.
"""

from __future__ import annotations

import logging
from typing import Any

from tortoise.transactions import in_transaction

from events import i18n
from events.domain.errors import FormErrors
from events.domain.numbers import parse_number
from events.i18n import _, lazy
from events.models import Challenge, Criterion, JurySession, Round, SessionStatus

log = logging.getLogger("hackcity.jury")

MAX_CRITERIA = 20
MAX_LEVELS = 20
# Values are stored on the grid, rounded to this many decimals so that 0.1 + 0.2 lands on 0.3.
GRID_DECIMALS = 6

_TEN = [
    (0, lazy("Absent")),
    (3, lazy("Weak")),
    (5, lazy("Fair")),
    (8, lazy("Good")),
    (10, lazy("Excellent")),
]
_FIVE = [
    (1, lazy("Insufficient")),
    (2, lazy("Fair")),
    (3, lazy("Good")),
    (4, lazy("Very good")),
    (5, lazy("Excellent")),
]

# name, description, weight; the scale and its levels are the preset's.
PRESETS: dict[str, dict[str, Any]] = {
    "datacity_selection": {
        "label": lazy("DataCity selection grid (0 to 10)"),
        "scale": (0, 10, 1),
        "levels": _TEN,
        "criteria": [
            (
                lazy("Quality of the team"),
                lazy("Skills, complementarity and commitment of the team for the experiment."),
                2.0,
            ),
            (
                lazy("Fit between problem and solution"),
                lazy("The solution answers the problem stated by the challenge and its users."),
                3.0,
            ),
            (
                lazy("Use of the data"),
                lazy("The open data is understood and used where it makes a difference."),
                2.0,
            ),
            (
                lazy("Feasibility of the experiment"),
                lazy("The experiment can be run in the time, budget and place available."),
                2.0,
            ),
            (
                lazy("Potential to scale"),
                lazy("The solution could spread to other districts, cities or services."),
                1.0,
            ),
        ],
    },
    "hackathon_final": {
        "label": lazy("Hackathon final grid (1 to 5)"),
        "scale": (1, 5, 1),
        "levels": _FIVE,
        "criteria": [
            (
                lazy("Use of the data"),
                lazy("The open data is understood and used where it makes a difference."),
                2.0,
            ),
            (
                lazy("Feasibility of the experiment"),
                lazy("The prototype works and could be run for real."),
                1.0,
            ),
            (lazy("Innovation"), lazy("A new idea, or a known idea done in a new way."), 1.0),
            (lazy("Impact"), lazy("The difference it would make for residents and the city."), 2.0),
            (
                lazy("Openness"),
                lazy("Code under an open licence, published and documented so others can reuse it."),
                1.0,
            ),
        ],
    },
}


def preset_choices() -> list[tuple[str, str]]:
    labels = {key: preset["label"] for key, preset in PRESETS.items()}
    return [(key, _(label)) for key, label in labels.items()]


async def apply_preset(*, stage: Round, preset: str, challenge: Challenge | None = None) -> list[Criterion]:
    """Create a preset's criteria (in the current language) for a round or one of its challenges."""
    if preset not in PRESETS:
        raise FormErrors({"preset": _("Choose a grid.")})
    chosen = PRESETS[preset]
    low, high, step = chosen["scale"]
    levels = [{"value": value, "label": _(label)} for value, label in chosen["levels"]]
    async with in_transaction():
        await refuse_once_judging(stage)
        if await Criterion.exists(round_id=stage.id, challenge_id=challenge.id if challenge else None):
            raise FormErrors({"preset": _("This grid already has criteria: edit them instead.")})
        return [
            await Criterion.create(
                round=stage,
                challenge=challenge,
                name=_(name),
                description=_(description),
                weight=weight,
                scale_min=low,
                scale_max=high,
                step=step,
                levels=levels,
                position=position,
            )
            for position, (name, description, weight) in enumerate(chosen["criteria"], start=1)
        ]


async def refuse_once_judging(stage: Round) -> None:
    """Sheets scored on a grid must keep their meaning: the grid is fixed once a jury has opened."""
    if await JurySession.filter(round_id=stage.id).exclude(status=SessionStatus.SCHEDULED).exists():
        raise FormErrors({None: _("A jury of this round has opened: its grid can no longer change.")})


def on_grid(value: float, low: float, step: float) -> float | None:
    """The value snapped to the step grid starting at `low`, or None when it is off the grid."""
    steps = (value - low) / step
    nearest = round(steps)
    if abs(steps - nearest) > 1e-9 * max(1.0, abs(steps)):
        return None
    return round(low + nearest * step, GRID_DECIMALS)


def clean_value(criterion: Criterion, raw: Any) -> float:
    """The score `raw` as a number on the criterion's scale, or FormErrors keyed by the criterion."""
    key = f"criterion_{criterion.id}"
    number = parse_number(raw)
    if number is None:
        raise FormErrors({key: _("Enter a number.")})
    if not criterion.scale_min <= number <= criterion.scale_max:
        raise FormErrors(
            {
                key: _(
                    "Enter a score between %(min)s and %(max)s.",
                    min=i18n.format_number(criterion.scale_min, 4),
                    max=i18n.format_number(criterion.scale_max, 4),
                )
            }
        )
    snapped = on_grid(number, criterion.scale_min, criterion.step)
    if snapped is None:
        raise FormErrors(
            {key: _("Scores go by steps of %(step)s.", step=i18n.format_number(criterion.step, 4))}
        )
    return snapped


def format_number(value: float) -> str:
    """A number as form fields and `<input type="number">` read it (dot decimals); pages use
    `events.i18n.format_number`, in the reader's language."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def clean_criterion(
    *, name: str, description: str, weight: Any, scale_min: Any, scale_max: Any, step: Any, levels: list[dict]
) -> dict[str, Any]:
    """Validate a criterion typed by an organiser; levels are [{"value", "label"}], blank rows dropped."""
    errors: dict[str | None, str] = {}
    name = " ".join(name.split())
    if not name or len(name) > 120:
        errors["name"] = _("Enter a name of at most 120 characters.")
    if len(description) > 2000:
        errors["description"] = _("Use at most %(n)s characters.", n=2000)
    numbers = {}
    for field, raw in (
        ("weight", weight),
        ("scale_min", scale_min),
        ("scale_max", scale_max),
        ("step", step),
    ):
        numbers[field] = parse_number(raw)
        if numbers[field] is None:
            errors[field] = _("Enter a number.")
    if numbers["weight"] is not None and not 0 < numbers["weight"] <= 1000:
        errors["weight"] = _("A weight is a number greater than 0.")
    low, high, grid = numbers["scale_min"], numbers["scale_max"], numbers["step"]
    if low is not None and high is not None and low >= high:
        errors["scale_max"] = _("The maximum must be greater than the minimum.")
    elif low is not None and high is not None and grid is not None:
        if grid <= 0 or on_grid(high, low, grid) is None or (high - low) / grid > 1000:
            errors["step"] = _("The step must divide the scale (at most 1000 steps).")
    cleaned_levels = []
    for index, row in enumerate(levels[:MAX_LEVELS]):
        label = " ".join(str(row.get("label", "")).split())
        raw_value = row.get("value", "")
        if not label and raw_value in ("", None):
            continue
        value = parse_number(raw_value)
        if value is None or "step" in errors or low is None or high is None or grid is None:
            errors[f"level{index}_value"] = _("Enter a number.")
            continue
        snapped = on_grid(value, low, grid)
        if snapped is None or not low <= snapped <= high:
            errors[f"level{index}_value"] = _("A level is a score of the scale.")
        if not label or len(label) > 200:
            errors[f"level{index}_label"] = _("Enter a description of at most 200 characters.")
        cleaned_levels.append({"value": snapped, "label": label})
    if errors:
        raise FormErrors(errors)
    return {
        "name": name,
        "description": description.strip(),
        "weight": numbers["weight"],
        "scale_min": low,
        "scale_max": high,
        "step": grid,
        "levels": sorted(cleaned_levels, key=lambda level: level["value"]),
    }


async def add_criterion(*, stage: Round, challenge: Challenge | None = None, **typed: Any) -> Criterion:
    fields = clean_criterion(**typed)
    async with in_transaction():
        await refuse_once_judging(stage)
        siblings = Criterion.filter(round_id=stage.id, challenge_id=challenge.id if challenge else None)
        if await siblings.count() >= MAX_CRITERIA:
            raise FormErrors({None: _("A grid has at most %(n)s criteria.", n=MAX_CRITERIA)})
        last = await siblings.order_by("-position").first()
        return await Criterion.create(
            round=stage, challenge=challenge, position=(last.position + 1) if last else 1, **fields
        )


async def criteria_by_challenge(round_id: int, challenge_ids: list[int]) -> dict[int, list[Criterion]]:
    """The grid each challenge uses: its own criteria if it has any, else the round's general ones."""
    rows = await Criterion.filter(round_id=round_id).order_by("position", "id")
    general = [c for c in rows if c.challenge_id is None]
    own: dict[int, list[Criterion]] = {}
    for criterion in rows:
        if criterion.challenge_id is not None:
            own.setdefault(criterion.challenge_id, []).append(criterion)
    return {challenge_id: own.get(challenge_id, general) for challenge_id in challenge_ids}


async def criteria_for(round_id: int, challenge_id: int) -> list[Criterion]:
    return (await criteria_by_challenge(round_id, [challenge_id]))[challenge_id]


async def update_criterion(*, criterion: Criterion, **typed: Any) -> Criterion:
    """Change a criterion typed by an organiser; refused once a jury of its round has opened."""
    fields = clean_criterion(**typed)
    async with in_transaction():
        await refuse_once_judging(await Round.get(id=criterion.round_id))
        await Criterion.filter(id=criterion.id).update(**fields)
    for name, value in fields.items():
        setattr(criterion, name, value)
    return criterion


async def delete_criterion(*, criterion: Criterion) -> None:
    """Remove a criterion from its grid; refused once a jury of its round has opened."""
    async with in_transaction():
        await refuse_once_judging(await Round.get(id=criterion.round_id))
        await Criterion.filter(id=criterion.id).delete()


def parse_levels(text: str) -> list[dict[str, str]]:
    """Level descriptions typed one per line as "value: label" (blank lines skipped), unchecked."""
    levels = []
    for line in text.replace("\r\n", "\n").split("\n")[: MAX_LEVELS + 1]:
        if not line.strip():
            continue
        value, _sep, label = line.partition(":")
        levels.append({"value": value.strip(), "label": label.strip()})
    return levels


def levels_text(levels: list[dict]) -> str:
    return "\n".join(f"{format_number(level['value'])}: {level['label']}" for level in levels or [])


# --- a challenge's own grid -----------------------------------------------------------------------


async def own_grid_sizes(stage: Round) -> dict[int, int]:
    """How many criteria of its own each challenge has in the round (challenges without: absent)."""
    sizes: dict[int, int] = {}
    for challenge_id in await Criterion.filter(round_id=stage.id, challenge_id__isnull=False).values_list(
        "challenge_id", flat=True
    ):
        sizes[challenge_id] = sizes.get(challenge_id, 0) + 1
    return sizes


async def copy_round_grid(*, stage: Round, challenge: Challenge) -> list[Criterion]:
    """Start a challenge's own grid from a copy of the round's, to adjust it. Refused when the
    challenge already has criteria, when the round has none, or once a jury of the round opened."""
    async with in_transaction():
        await refuse_once_judging(stage)
        if await Criterion.exists(round_id=stage.id, challenge_id=challenge.id):
            raise FormErrors({None: _("This challenge already has its own grid: edit it instead.")})
        general = await Criterion.filter(round_id=stage.id, challenge_id=None).order_by("position", "id")
        if not general:
            raise FormErrors({None: _("The round has no criterion to copy yet.")})
        copies = [
            await Criterion.create(
                round_id=stage.id,
                challenge_id=challenge.id,
                name=criterion.name,
                description=criterion.description,
                weight=criterion.weight,
                scale_min=criterion.scale_min,
                scale_max=criterion.scale_max,
                step=criterion.step,
                levels=criterion.levels,
                position=position,
            )
            for position, criterion in enumerate(general, start=1)
        ]
    log.info("round %s grid copied to challenge %s (%s criteria)", stage.id, challenge.id, len(copies))
    return copies


async def drop_challenge_grid(*, stage: Round, challenge: Challenge) -> int:
    """Delete a challenge's own criteria: it uses the round's grid again. Refused once judging began."""
    async with in_transaction():
        await refuse_once_judging(stage)
        deleted = await Criterion.filter(round_id=stage.id, challenge_id=challenge.id).delete()
    log.info("challenge %s grid in round %s dropped (%s criteria)", challenge.id, stage.id, deleted)
    return deleted
