"""Numbers, scores and file sizes on pages in the reader's language: "76,79" and "0,6 Ko" in French,
"76.79" and "0.6 KB" in English, never "0.0 Mo" for a small file; exports stay machine-readable."""

from __future__ import annotations

import html

import pytest

from events import i18n
from events.models import EntryFile, JurySession
from seeds.demo import DEMO_PASSWORD, load_demo
from tests.helpers import post_form, sign_in
from tests.routes.test_uploads import alice, entry, settings, upload, world  # noqa: F401 (fixtures)

NBSP = "\u00a0"
HACKATHON = "hackathon-mobilite-lyon-2026"


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("fr", 76.789, "76,79"),
        ("en", 76.789, "76.79"),
        ("fr", 12345.5, "12\u202f345,5"),
        ("en", 12345.5, "12,345.5"),
        ("fr", 8, "8"),
        ("fr", None, ""),
    ],
)
def test_format_number(language, lang, value, expected):
    language(lang)
    assert i18n.format_number(value) == expected


def test_format_number_fixed_and_signed(language):
    language("fr")
    assert i18n.format_number(8, fixed=True) == "8,00"
    assert i18n.format_number(1.5, signed=True, fixed=True) == "+1,50"
    assert i18n.format_number(-1.5, signed=True, fixed=True) == "-1,50"
    language("en")
    assert i18n.format_number(1.5, signed=True, fixed=True) == "+1.50"


def test_format_percent(language):
    language("fr")
    assert i18n.format_percent(0.7679) == f"76,8{NBSP}%"
    language("en")
    assert i18n.format_percent(0.7679) == "76.8%"


@pytest.mark.parametrize(
    ("size", "french", "english"),
    [
        (0, "0 o", "0 B"),
        (5, "0,1 Ko", "0.1 KB"),  # a tiny file is never shown as zero
        (600, "0,6 Ko", "0.6 KB"),
        (1000, "1 Ko", "1 KB"),
        (12_345, "12,3 Ko", "12.3 KB"),
        (999_999, "1 Mo", "1 MB"),  # rounds up into the next unit, not "1 000 Ko"
        (12_345_678, "12,3 Mo", "12.3 MB"),
        (5_000_000_000, "5 Go", "5 GB"),
    ],
)
def test_format_size_uses_decimal_units(language, size, french, english):
    language("fr")
    assert i18n.format_size(size) == french.replace(" ", NBSP)
    language("en")
    assert i18n.format_size(size) == english.replace(" ", NBSP)


async def test_file_sizes_and_quota_on_the_entry_pages(settings, world, alice, entry):  # noqa: F811
    small = b"%PDF-1.7\n" + b"0" * 591  # 600 bytes
    assert (await upload(alice, entry, b"notes.pdf", small)).status_code == 303
    assert await EntryFile.filter(entry_id=entry.id).values_list("size", flat=True) == [600]

    english = await alice.get(f"/events/datacity/entries/{entry.id}/edit")
    await post_form(alice, "/language", {"language": "fr", "next": "/"})
    french = await alice.get(f"/events/datacity/entries/{entry.id}/edit")

    assert f"(0.6{NBSP}KB)" in english.text
    assert f"Your team uses 0.6{NBSP}KB of 2{NBSP}MB." in english.text
    assert f"At most 1{NBSP}MB." in english.text
    assert f"(0,6{NBSP}Ko)" in french.text
    assert f"Votre équipe utilise 0,6{NBSP}Ko sur 2{NBSP}Mo." in french.text
    assert f"1{NBSP}Mo au plus." in french.text
    for page in (english.text, french.text):
        assert "0.0" not in page
        assert "0,0" not in page


async def test_scores_on_the_public_results_are_in_the_reader_language(db, make_client):
    assert await load_demo() is True
    session = await JurySession.get(event__slug=HACKATHON, status="published", mode="rubric")
    scores = [row["score"] for row in session.results_snapshot["entries"] if row["score"] is not None]
    decimal_scores = [score for score in scores if round(score, 2) != round(score)]
    assert len(decimal_scores) == 6, "every demo score has decimals"
    client = make_client()
    await sign_in(client, "organisateur@demo.hackcity.fr", DEMO_PASSWORD)

    for lang, point in (("fr", ","), ("en", ".")):
        await post_form(client, "/language", {"language": lang, "next": "/"})
        page = html.unescape((await client.get(f"/events/{HACKATHON}/results")).text)
        token = i18n.set_language(lang)
        try:
            # a column of scores: always two decimals ("63,10" beside "66,07", never "63,1")
            expected = [i18n.format_number(score, fixed=True) for score in decimal_scores]
        finally:
            i18n._current.reset(token)
        for shown in expected:
            assert point in shown and len(shown.split(point)[1]) == 2
            assert shown in page
        if lang == "fr":
            assert f"{decimal_scores[0]:.2f}".rstrip("0") not in page  # no dot decimals
