"""Organiser pages for the rounds of an event: list, add, edit, delete, reorder."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from events.auth import ORGANISER, not_found, route
from events.domain import rounds as round_rules
from events.domain import schedule
from events.flash import flash
from events.forms import checkbox, read_form
from events.i18n import _
from events.models import Event, Round
from events.outcomes import act, submit
from events.templating import render

BLANK_QUESTION_ROWS = 2


def _list_url(event: Event) -> str:
    return f"/events/{event.slug}/manage/rounds"


async def _round_or_404(request: Request, event: Event) -> Round:
    round_id = request.path_params["round_id"]
    stage = await Round.get_or_none(id=round_id, event_id=event.id)
    if stage is None:
        raise not_found(request)
    return stage


def question_rows(values: dict[str, str]) -> list[dict[str, str]]:
    """The question rows of the form (`q0_key`, `q0_label`, ...), as typed."""
    rows = []
    for index in range(round_rules.MAX_QUESTIONS + BLANK_QUESTION_ROWS):
        prefix = f"q{index}_"
        if not any(name.startswith(prefix) for name in values):
            break
        rows.append(
            {
                "key": values.get(prefix + "key", ""),
                "label": values.get(prefix + "label", ""),
                "kind": values.get(prefix + "kind", ""),
                "required": "on" if checkbox(values, prefix + "required") else "",
                "choices": values.get(prefix + "choices", ""),
            }
        )
    return rows


def _round_values(stage: Round | None, event: Event) -> dict[str, str]:
    if stage is None:
        return {"grace_minutes": "0", "team_min": "1", "team_max": "5"}
    values = {
        "name": stage.name,
        "opens_at": schedule.local_input(stage.opens_at, event.timezone),
        "deadline": schedule.local_input(stage.deadline, event.timezone),
        "grace_minutes": str(stage.grace_minutes),
        "team_min": str(stage.team_min),
        "team_max": str(stage.team_max),
    }
    values.update(question_values(stage.questions))
    return values


def question_values(questions: list[dict] | None) -> dict[str, str]:
    """Stored questions as the form's inputs (`q0_key`, `q0_label`, ...)."""
    values: dict[str, str] = {}
    for index, question in enumerate(questions or []):
        prefix = f"q{index}_"
        values[prefix + "key"] = question.get("key", "")
        values[prefix + "label"] = question.get("label", "")
        values[prefix + "kind"] = question.get("kind", "")
        values[prefix + "required"] = "on" if question.get("required") else ""
        values[prefix + "choices"] = "\n".join(question.get("choices", []))
    return values


def question_row_count(values: dict[str, str]) -> int:
    filled = len(question_rows(values))
    return min(filled + BLANK_QUESTION_ROWS, round_rules.MAX_QUESTIONS)


def _fields(values: dict[str, str]) -> dict:
    return {
        "name": values.get("name", ""),
        "opens_at": values.get("opens_at", ""),
        "deadline": values.get("deadline", ""),
        "grace_minutes": values.get("grace_minutes", ""),
        "team_min": values.get("team_min", ""),
        "team_max": values.get("team_max", ""),
        "questions": question_rows(values),
    }


def _form_context(event: Event, values: dict, errors: dict) -> dict:
    return {
        "event": event,
        "values": values,
        "errors": errors,
        "question_rows": question_row_count(values),
        "question_kinds": round_rules.QUESTION_KINDS,
        "question_kind_label": round_rules.question_kind_label,
    }


async def manage_rounds(request: Request):
    event: Event = request.state.event
    errors: dict = {}
    values = _round_values(None, event)
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            round_rules.add_round(event=event, **_fields(values)),
            done=lambda stage: _("The round “%(name)s” is added.", name=stage.name),
            then=_list_url(event),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    rounds = await Round.filter(event_id=event.id).order_by("position", "id")
    overlapping = {r.id for pair in round_rules.overlapping_rounds(rounds) for r in pair}
    context = _form_context(event, values, errors)
    context.update(rounds=rounds, overlapping=overlapping, window_end=round_rules.window_end)
    return render(request, "rounds/list.html", context, status_code=422 if errors else 200)


async def edit_round(request: Request):
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    errors: dict = {}
    values = _round_values(stage, event)
    if request.method == "POST":
        values = await read_form(request)
        answer = await submit(
            request,
            round_rules.update_round(stage=stage, event=event, **_fields(values)),
            done=lambda _saved: _("The round “%(name)s” is saved.", name=stage.name),
            then=_list_url(event),
        )
        if answer.response:
            return answer.response
        errors = answer.errors
    context = _form_context(event, values, errors)
    context["stage"] = stage
    return render(request, "rounds/edit.html", context, status_code=422 if errors else 200)


async def delete_round(request: Request):
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    await round_rules.delete_round(stage=stage)
    flash(request, _("The round “%(name)s” is deleted.", name=stage.name), "success")
    return RedirectResponse(_list_url(event), status_code=303)


async def move_round(request: Request):
    event: Event = request.state.event
    stage = await _round_or_404(request, event)
    form = await read_form(request)
    return await act(
        request,
        round_rules.move_round(stage=stage, direction=form.get("direction", "")),
        done=None,
        then=_list_url(event),
    )


routes = [
    route("/events/{slug}/manage/rounds", manage_rounds, access=ORGANISER, methods=("GET", "POST")),
    route(
        "/events/{slug}/manage/rounds/{round_id:id}/edit",
        edit_round,
        access=ORGANISER,
        methods=("GET", "POST"),
    ),
    route(
        "/events/{slug}/manage/rounds/{round_id:id}/delete", delete_round, access=ORGANISER, methods=("POST",)
    ),
    route("/events/{slug}/manage/rounds/{round_id:id}/move", move_round, access=ORGANISER, methods=("POST",)),
]
