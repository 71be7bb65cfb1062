"""Update frequencies of datasets, in words: portals give a code, not a sentence.

A fetched dataset's frequency is whatever its portal said: a URI of the EU "frequency" authority
table (http://publications.europa.eu/resource/authority/frequency/MONTHLY, DCAT-AP), a Dublin
Core one (http://purl.org/cld/freq/monthly), a udata code ("monthly", "threeTimesAMonth",
"punctual"), an ISO 8601 repeat ("R/P1M", Project Open Data) or free text typed by a publisher.
`frequency_label` turns the known ones into words in the reader's language; anything else is
returned as it came, for the template to escape like any other text.
"""

from __future__ import annotations

import re

from events.i18n import _, lazy

# Keys are normalised (see _key): lower case, without "_", "-", spaces or dots.
_LABELS: dict[str, str] = {}


def _add(label: str, *codes: str) -> None:
    for code in codes:
        _LABELS[_key(code)] = label


def _key(code: str) -> str:
    return re.sub(r"[\s_.\-]", "", code).lower()


_add(lazy("continuously updated"), "CONT", "UPDATE_CONT", "continuous", "continual", "PT1S", "realtime")
_add(lazy("every minute"), "1MIN", "oneMinute", "PT1M")
_add(lazy("every five minutes"), "5MIN", "fiveMinutes", "PT5M")
_add(lazy("every ten minutes"), "10MIN", "tenMinutes", "PT10M")
_add(lazy("every fifteen minutes"), "15MIN", "fifteenMinutes", "PT15M")
_add(lazy("every thirty minutes"), "30MIN", "thirtyMinutes", "PT30M")
_add(lazy("hourly"), "HOURLY", "PT1H")
_add(lazy("every two hours"), "BIHOURLY", "PT2H")
_add(lazy("every three hours"), "TRIHOURLY", "PT3H")
_add(lazy("four times a day"), "fourTimesADay", "PT6H")
_add(lazy("three times a day"), "threeTimesADay", "PT8H")
_add(lazy("twice a day"), "DAILY_2", "semidaily", "twelveHours", "12HRS", "PT12H")
_add(lazy("daily"), "DAILY", "P1D")
_add(lazy("four times a week"), "fourTimesAWeek")
_add(lazy("three times a week"), "WEEKLY_3", "threeTimesAWeek")
_add(lazy("twice a week"), "WEEKLY_2", "semiweekly", "P0.5W", "P3.5D")
_add(lazy("weekly"), "WEEKLY", "P1W")
_add(lazy("every two weeks"), "BIWEEKLY", "P2W")
_add(lazy("three times a month"), "MONTHLY_3", "threeTimesAMonth", "P10D")
_add(lazy("twice a month"), "MONTHLY_2", "semimonthly", "P0.5M")
_add(lazy("monthly"), "MONTHLY", "P1M")
_add(lazy("every two months"), "BIMONTHLY", "P2M")
_add(lazy("quarterly"), "QUARTERLY", "P3M")
_add(lazy("three times a year"), "ANNUAL_3", "threeTimesAYear", "P4M")
_add(lazy("twice a year"), "ANNUAL_2", "semiannual", "P6M")
_add(lazy("annual"), "ANNUAL", "annually", "yearly", "P1Y")
_add(lazy("every two years"), "BIENNIAL", "P2Y")
_add(lazy("every three years"), "TRIENNIAL", "P3Y")
_add(lazy("every four years"), "QUADRENNIAL", "P4Y")
_add(lazy("every five years"), "QUINQUENNIAL", "P5Y")
_add(lazy("every ten years"), "DECENNIAL", "P10Y")
_add(lazy("every twenty years"), "BIDECENNIAL", "P20Y")
_add(lazy("every thirty years"), "TRIDECENNIAL", "P30Y")
_add(lazy("irregular"), "IRREG", "irregular")
_add(lazy("once, not updated"), "punctual")
_add(lazy("never updated"), "NEVER", "notPlanned")
_add(lazy("as needed"), "asNeeded")
_add(lazy("provisional data"), "OP_DATPRO")
_add(lazy("other"), "OTHER")
_add(lazy("unknown"), "UNKNOWN")

# Free text seen on French portals (OpenDataSoft's dcat.accrualperiodicity, CKAN extras): the
# unambiguous words only ("bimensuel" means twice a month to some, every two weeks to others).
_add(lazy("continuously updated"), "en continu", "temps réel", "continue")
_add(lazy("hourly"), "horaire")
_add(lazy("daily"), "quotidien", "quotidienne", "journalier", "journalière")
_add(lazy("weekly"), "hebdomadaire")
_add(lazy("monthly"), "mensuel", "mensuelle")
_add(lazy("quarterly"), "trimestriel", "trimestrielle")
_add(lazy("twice a year"), "semestriel", "semestrielle")
_add(lazy("annual"), "annuel", "annuelle")
_add(lazy("irregular"), "irrégulier", "irrégulière")
_add(lazy("unknown"), "inconnu", "inconnue")


def frequency_label(value: str | None) -> str:
    """The frequency in words in the current language, or the value itself when it is not a known code.

    URIs are read by their last segment, so the EU and Dublin Core tables share the codes above;
    case, "_", "-" and spaces do not matter. Plain text, never HTML: templates escape it.
    """
    if not value or not value.strip():
        return ""
    text = value.strip()
    code = re.split(r"[/#]", text.rstrip("/#"))[-1]
    label = _LABELS.get(_key(code))
    return _(label) if label else text
