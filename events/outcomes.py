"""What a handler answers after it called the domain: the one idiom every form and button follows.

A form page (`submit`): the domain call succeeds, a message is flashed and the browser is sent on with
a 303 (post/redirect/get); or it raises `FormErrors`, and the handler renders the same page again with
the errors and what was typed, with a 422. A button (`act`): flashed success or refusal, and a 303 back
either way. The messages are written by the handler (they are its words); the rule that refused is the
domain's.

`done` and `then` are texts, or functions of the call's result, called once it succeeded: use a function
when the words depend on what the call changed (the new status, the language just chosen). When a
handler needs two steps (a domain call, then signing out), or a refusal other than `FormErrors` (a 404
for another event's object), it awaits a small local coroutine that does them; a `RateLimited` is not
caught here, and the handlers that may meet one catch it themselves (429 with the page).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.domain.errors import FormErrors
from events.flash import flash

T = TypeVar("T")
Said = str | Callable[[Any], str]


def _say(what: Said, result: Any) -> str:
    return what(result) if callable(what) else what


@dataclass
class Submitted:
    """The answer to a form: `response` (the redirect) when the domain accepted it, else `errors`,
    and the refusal itself (`refusal`), for a page that shows more than its messages (a report)."""

    response: Response | None = None
    errors: dict[str | None, str] = field(default_factory=dict)
    refusal: FormErrors | None = None


async def submit(request: Request, action: Awaitable[T], *, done: Said | None, then: Said) -> Submitted:
    """Await the domain call of a form. Accepted: flash `done` (if any) and redirect (303) to `then`,
    each a text or a function of the call's result. Refused: the errors, for the handler to render its
    page with them (and `status_code=422`)."""
    try:
        result = await action
    except FormErrors as error:
        return Submitted(errors=error.errors, refusal=error)
    if done is not None:
        flash(request, _say(done, result), "success")
    return Submitted(response=RedirectResponse(_say(then, result), status_code=303))


async def act(request: Request, action: Awaitable[T], *, done: Said | None, then: str) -> RedirectResponse:
    """Await the domain call of a button, flash its success (`done`, if any) or its refusal (the first
    message of the `FormErrors`), and redirect (303) to `then` either way."""
    try:
        result = await action
    except FormErrors as error:
        flash(request, next(iter(error.errors.values())), "error")
    else:
        if done is not None:
            flash(request, _say(done, result), "success")
    return RedirectResponse(then, status_code=303)
