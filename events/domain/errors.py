"""Errors the domain raises for the user to read, already translated."""

from __future__ import annotations


class FormErrors(Exception):
    """Field name → message. `None` as a key is an error about the whole form."""

    def __init__(self, errors: dict[str | None, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class RateLimited(Exception):
    pass
