"""French and English: message catalogues, language negotiation, localised dates.

The language of a request is chosen once (user's choice, then the `lang` cookie, then
Accept-Language, then DEFAULT_LANGUAGE) and kept in a context variable, so templates, domain
messages and mail all translate with the same `gettext`.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from events.domain.numbers import parse_number
from events.settings import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
_current = contextvars.ContextVar("language", default="fr")
_catalogues: dict[str, NullTranslations] = {}


def catalogue(language: str) -> NullTranslations:
    """The translations for a language, compiled in memory from the committed `.po` file.

    English is the source language. Compiling here, not at install time, means the catalogue
    in the repository is exactly what runs: no stale `.mo` file.
    """
    if language not in _catalogues:
        po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
        if language == "en" or not po_path.exists():
            _catalogues[language] = NullTranslations()
        else:
            with po_path.open("rb") as po_file:
                messages = read_po(po_file, locale=language)
            buffer = io.BytesIO()
            write_mo(buffer, messages)
            buffer.seek(0)
            _catalogues[language] = Translations(fp=buffer, domain="messages")
    return _catalogues[language]


def set_language(language: str) -> contextvars.Token:
    return _current.set(language if language in LANGUAGES else "fr")


def get_language() -> str:
    return _current.get()


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Translate in another language for a while, e.g. a mail in its recipient's language."""
    token = set_language(language)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, **variables) -> str:
    text = catalogue(get_language()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    text = catalogue(get_language()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def lazy(message: str) -> str:
    """Mark a message for extraction where it is defined; translate it where it is shown."""
    return message


def negotiate(accept_language: str | None, default: str) -> str:
    """Pick fr or en from an Accept-Language header, honouring q-values."""
    if not accept_language:
        return default
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            quality = parse_number(params.strip()[2:]) or 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            choices.append((-quality, position, primary))
    return min(choices)[2] if choices else default


def format_when(value: datetime | None, timezone: str = "Europe/Paris", fmt: str = "medium") -> str:
    """A date and time in the given time zone and the reader's language."""
    if value is None:
        return ""
    tz = ZoneInfo(timezone)
    return format_datetime(value.astimezone(tz), format=fmt, tzinfo=tz, locale=Locale.parse(get_language()))


def format_day(value: datetime | None, timezone: str = "Europe/Paris", fmt: str = "long") -> str:
    if value is None:
        return ""
    return format_date(value.astimezone(ZoneInfo(timezone)).date(), format=fmt, locale=get_language())
