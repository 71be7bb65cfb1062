"""French and English: message catalogues, language negotiation, localised dates.

The language of a request is chosen once (user's choice, then the `lang` cookie, then
Accept-Language, then DEFAULT_LANGUAGE) and kept in a context variable, so templates, domain
messages and mail all translate with the same `gettext`.
"""

from __future__ import annotations

import contextvars
import functools
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, format_decimal, parse_pattern
from babel.numbers import format_percent as babel_format_percent
from babel.support import NullTranslations, Translations

from events.settings import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
# A weight in Accept-Language (RFC 9110, 12.4.2): 0 to 1 with at most three decimals, ASCII only.
QVALUE_RE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")
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


def pgettext(context: str, message: str, **variables) -> str:
    """A message whose translation depends on what it qualifies (French "publié" or "publiée")."""
    text = catalogue(get_language()).pgettext(context, message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    """The catalogue's form for `n`, with `num` written in the reader's language ("2 000", "2,000")."""
    text = catalogue(get_language()).ngettext(singular, plural, n)
    variables.setdefault("num", format_number(n, 0))
    return text % variables


def ngettext_for_templates(singular: str, plural: str, n: int) -> str:
    """The catalogue's form for `n`, with `num` already written in the reader's language: Jinja's
    newstyle `ngettext` formats the rest itself, with every other variable of the call, but would
    write `num` as a bare integer ("2000" in a French page)."""
    text = catalogue(get_language()).ngettext(singular, plural, n)
    return text.replace("%(num)s", format_number(n, 0))


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
            weight = params.strip()[2:].strip()
            quality = float(weight) if QVALUE_RE.fullmatch(weight) else 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            choices.append((-quality, position, primary))
    return min(choices)[2] if choices else default


# One family of date formats, the same in both languages (docs/ARCHITECTURE.md, Translations):
# a day, a date and time without seconds, a time alone. The time zone is never printed beside a
# time (no "+0100", no "CET"): each page names it once, in words (`timezone_note`).
DAY_PATTERN = "d MMMM y"  # 6 décembre 2026 / 6 December 2026
WHEN_PATTERN = "d MMM y, HH:mm"  # 6 déc. 2026, 20:00 / 6 Dec 2026, 20:00
TIME_PATTERN = "HH:mm"  # 20:00, for agendas on the day


def _locale() -> Locale:
    return _parsed_locale(get_language())


@functools.cache
def _parsed_locale(language: str) -> Locale:
    """Babel's locale of a language, parsed once per process (parsing it reads its CLDR data)."""
    return Locale.parse(language)


@functools.cache
def _number_pattern(pattern: str) -> NumberPattern:
    """A number pattern parsed once per process: pages format hundreds of scores with a few patterns."""
    return parse_pattern(pattern)


def _local(value: datetime, timezone: str) -> datetime:
    return value.astimezone(ZoneInfo(timezone))


def format_when(value: datetime | None, timezone: str = "Europe/Paris", fmt: str | None = None) -> str:
    """A date and time in the given time zone and the reader's language: "6 déc. 2026, 20:00".

    `fmt` is accepted and ignored, so that every caller gets the one date-time format.
    """
    if value is None:
        return ""
    return format_datetime(_local(value, timezone), WHEN_PATTERN, locale=_locale())


def format_day(value: datetime | None, timezone: str = "Europe/Paris", fmt: str | None = None) -> str:
    """The local day of a moment: "6 décembre 2026" / "6 December 2026" (`fmt` is ignored)."""
    if value is None:
        return ""
    return format_date(_local(value, timezone).date(), DAY_PATTERN, locale=_locale())


def format_calendar_day(value: date, short: bool = False) -> str:
    """A calendar day (already local) in the reader's language: "6 décembre 2026", or short for the
    labels of a figure's axis: "6 déc." / "Dec 6"."""
    if short:
        return format_skeleton("MMMd", value, locale=_locale())
    return format_date(value, DAY_PATTERN, locale=_locale())


def format_time(value: datetime | None, timezone: str = "Europe/Paris") -> str:
    """The local time of a moment, for agendas on the day: "20:00"."""
    if value is None:
        return ""
    return format_datetime(_local(value, timezone), TIME_PATTERN, locale=_locale())


def timezone_city(timezone: str) -> str:
    """The place a time zone is named after, in the reader's language ("Londres" for Europe/London).

    Babel's own location name maps aliases to their canonical zone (America/Montreal becomes
    Toronto), so the city comes from the zone's own name, translated where CLDR knows it.
    """
    names = _locale().time_zones.get(timezone) or {}
    city = names.get("city") if hasattr(names, "get") else None
    return city or timezone.rsplit("/", 1)[-1].replace("_", " ")


def timezone_note(timezone: str) -> str:
    """The line that names the event's time zone once per page: "Times are Paris time (Europe/Paris)"."""
    return gettext("Times are %(city)s time (%(zone)s).", city=timezone_city(timezone), zone=timezone)


# --- Numbers ---------------------------------------------------------------------------------


def format_number(
    value: float | int | None, digits: int = 2, signed: bool = False, fixed: bool = False
) -> str:
    """A number in the reader's language, at most `digits` decimals, none when it is whole: "76,79".

    `fixed` always writes the `digits` decimals ("8,00", for columns of scores); `signed` writes a
    plus sign before a positive number, for differences ("+1,50").
    """
    if value is None:
        return ""
    pattern = "#,##0" + ("." + ("0" if fixed else "#") * digits if digits > 0 else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(value, format=_number_pattern(pattern), locale=_locale())


def format_percent(value: float | None, digits: int = 1) -> str:
    """A share (0.25) as a percentage in the reader's language: "25 %" / "25%"."""
    if value is None:
        return ""
    locale = _locale()
    # the locale's own pattern keeps its spacing ("25 %" in French), with room for decimals
    pattern = locale.percent_formats[None].pattern
    if digits > 0:
        pattern = pattern.replace("0", "0." + "#" * digits, 1)
    return babel_format_percent(value, format=pattern, locale=locale)


# Decimal units (1 kB = 1000 bytes), as file browsers show them; French writes octets: Ko, Mo, Go.
SIZE_UNITS = {"fr": ("o", "Ko", "Mo", "Go"), "en": ("B", "KB", "MB", "GB")}
NBSP = "\u00a0"


def format_size(size: int | None) -> str:
    """A file size in the reader's language with decimal units: "0,6 Ko", "12,3 Mo", "1 KB".

    Anything under a kilobyte is shown in kilobytes with one decimal (never "0.0 Mo"): a file
    of a few bytes reads "0,1 Ko" rather than vanishing to zero, an empty one "0 o".
    """
    if size is None:
        return ""
    units = SIZE_UNITS.get(get_language(), SIZE_UNITS["en"])
    if size <= 0:
        return f"0{NBSP}{units[0]}"
    value, unit = size / 1000, 1
    while round(value, 1) >= 1000 and unit < len(units) - 1:
        value, unit = value / 1000, unit + 1
    value = max(value, 0.1)  # a non-empty file never reads as zero
    return f"{format_number(value, 1)}{NBSP}{units[unit]}"


def format_megabytes(megabytes: float) -> str:
    """A limit set in megabytes (MAX_UPLOAD_MB, TEAM_QUOTA_MB), with the reader's unit: "20 Mo"."""
    units = SIZE_UNITS.get(get_language(), SIZE_UNITS["en"])
    return f"{format_number(megabytes, 1)}{NBSP}{units[2]}"
