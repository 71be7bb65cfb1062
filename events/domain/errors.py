"""Errors the domain raises for the user to read, already translated."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

from events.i18n import ngettext


class FormErrors(Exception):
    """Field name → message. `None` as a key is an error about the whole form."""

    def __init__(self, errors: dict[str | None, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class RateLimited(Exception):
    """Refused by a rate limit (`events.domain.throttle`): `wait` is how long until it accepts
    again, `message` says so in the reader's language (written by `refusal(minutes)` if given)."""

    def __init__(self, wait: timedelta, refusal: Callable[[int], str] | None = None) -> None:
        super().__init__(wait)
        self.wait = wait
        self.minutes = max(1, math.ceil(wait.total_seconds() / 60))
        self.message = (refusal or _generic_refusal)(self.minutes)

    @property
    def retry_after(self) -> str:
        """The Retry-After header's value, in whole seconds."""
        return str(max(1, math.ceil(self.wait.total_seconds())))


def _generic_refusal(minutes: int) -> str:
    return ngettext(
        "Too many requests. Try again in %(num)s minute.",
        "Too many requests. Try again in %(num)s minutes.",
        minutes,
    )
