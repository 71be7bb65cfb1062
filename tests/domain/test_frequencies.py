"""Dataset update frequencies in words: EU and Dublin Core URIs, udata codes, ISO 8601 repeats and
common French words become a label in the reader's language; anything else is kept as it came."""

from __future__ import annotations

import pytest

from events import i18n
from events.domain.frequencies import frequency_label
from events.templating import templates

EU = "http://publications.europa.eu/resource/authority/frequency/"


@pytest.mark.parametrize(
    ("value", "english_label", "french_label"),
    [
        (EU + "DAILY", "daily", "quotidienne"),
        (EU + "WEEKLY", "weekly", "hebdomadaire"),
        (EU + "MONTHLY", "monthly", "mensuelle"),
        (EU + "QUARTERLY", "quarterly", "trimestrielle"),
        (EU + "ANNUAL", "annual", "annuelle"),
        (EU + "ANNUAL_2", "twice a year", "deux fois par an"),
        (EU + "BIENNIAL", "every two years", "tous les deux ans"),
        (EU + "BIWEEKLY", "every two weeks", "toutes les deux semaines"),
        (EU + "BIMONTHLY", "every two months", "tous les deux mois"),
        (EU + "IRREG", "irregular", "irrégulière"),
        (EU + "CONT", "continuously updated", "mise à jour en continu"),
        (EU + "UPDATE_CONT", "continuously updated", "mise à jour en continu"),
        (EU + "NEVER", "never updated", "jamais mise à jour"),
        (EU + "UNKNOWN", "unknown", "inconnue"),
        (EU + "HOURLY", "hourly", "toutes les heures"),
        (EU + "OTHER", "other", "autre"),
        ("https://publications.europa.eu/resource/authority/frequency/MONTHLY/", "monthly", "mensuelle"),
        ("http://purl.org/cld/freq/semiannual", "twice a year", "deux fois par an"),
        ("daily", "daily", "quotidienne"),
        ("weekly", "weekly", "hebdomadaire"),
        ("monthly", "monthly", "mensuelle"),
        ("annual", "annual", "annuelle"),
        ("punctual", "once, not updated", "ponctuelle, sans mise à jour"),
        ("irregular", "irregular", "irrégulière"),
        ("continuous", "continuously updated", "mise à jour en continu"),
        ("unknown", "unknown", "inconnue"),
        ("threeTimesAMonth", "three times a month", "trois fois par mois"),
        ("semimonthly", "twice a month", "deux fois par mois"),
        ("fourTimesADay", "four times a day", "quatre fois par jour"),
        ("R/P1D", "daily", "quotidienne"),
        ("R/P3M", "quarterly", "trimestrielle"),
        ("R/P1Y", "annual", "annuelle"),
        ("  Monthly ", "monthly", "mensuelle"),
        ("annuelle", "annual", "annuelle"),
        ("Quotidienne", "daily", "quotidienne"),
    ],
)
def test_known_codes_in_both_languages(value, english_label, french_label):
    token = i18n.set_language("en")
    try:
        assert frequency_label(value) == english_label
        i18n.set_language("fr")
        assert frequency_label(value) == french_label
    finally:
        i18n._current.reset(token)


@pytest.mark.parametrize(
    "value",
    [
        "Tous les jours ouvrés",
        "http://example.org/frequencies/whenever",
        "<script>alert(1)</script>",
        "bimensuelle",  # ambiguous in French: kept as the publisher wrote it
    ],
)
def test_unknown_values_come_back_as_they_are(value, english):
    assert frequency_label(value) == value


def test_unknown_value_is_trimmed(english):
    assert frequency_label("  selon l'actualité  ") == "selon l'actualité"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_nothing_gives_nothing(value, english):
    assert frequency_label(value) == ""


def test_filter_in_real_environment_escapes_unknown_values(english):
    template = templates.env.from_string("{{ value|frequency }}")
    assert template.render(value=EU + "MONTHLY") == "monthly"
    assert template.render(value="<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
