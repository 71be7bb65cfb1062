"""French and English: the catalogue is complete, placeholders survive translation, the language
is negotiated as documented (profile, then `lang` cookie, then Accept-Language, then default),
the switcher works, and dates are shown in the event's time zone and the reader's language.

The completeness test extracts messages at test time, with the same method map and keywords as
`make messages`, so a string added to the code or a template without a French translation fails
the suite (run `make messages`, translate, commit the `.po`).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from events import i18n
from events.models import Event, EventStatus, User
from events.templating import build_environment as i18n_env
from tests.helpers import csrf_from, make_user, post_form, sign_in

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "events" / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
# The same keywords as the Makefile's `pybabel extract -k lazy` (Babel's defaults plus `lazy`).
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy": None}
# A printf-style conversion, as Python's `%` operator reads it (`%%` included).
PLACEHOLDER_RE = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)


def msgid_key(message) -> str:
    return message if isinstance(message, str) else message[0]


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str, str | None], tuple[str, int]]:
    """Every message of the code and templates: (msgid, context) -> first place it is used."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[tuple[str, str | None], tuple[str, int]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault((msgid_key(message), context), (filename, lineno))
    return found


@pytest.fixture(scope="module")
def catalog():
    with PO_PATH.open("rb") as po_file:
        return read_po(po_file, locale="fr")


# --- The catalogue ---------------------------------------------------------------------------


def test_extraction_finds_code_templates_and_lazy_messages(extracted):
    ids = {msgid for msgid, _context in extracted}
    assert "Sign in" in ids  # a template
    assert "Wrong email or password." in ids  # Python, `_()`
    assert "Challenge owner" in ids  # Python, `lazy()`
    assert "Error" in ids  # `lazy()` outside any `_()` call, so Babel sees it
    assert len(ids) > 150


def test_every_message_has_a_french_translation(extracted, catalog):
    assert not catalog.fuzzy, "the .po header is marked fuzzy"
    problems = []
    # A message with a context (pgettext) sorts after the same message without one.
    for (msgid, context), (filename, lineno) in sorted(
        extracted.items(), key=lambda item: (item[0][0], item[0][1] or "")
    ):
        entry = catalog.get(msgid, context=context)
        where = f"{filename}:{lineno}: {msgid!r}"
        if entry is None:
            problems.append(f"{where} is not in the .po (run `make messages`)")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(s and s.strip() for s in strings):
            problems.append(f"{where} has no French translation")
        if entry.fuzzy:
            problems.append(f"{where} is fuzzy: check the translation and remove the flag")
    assert not problems, "\n".join(problems)


def test_no_fuzzy_or_untranslated_entry_left_in_the_po(catalog):
    def translated(message) -> bool:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return all(s and s.strip() for s in strings)

    untranslated = [m.id for m in catalog if m.id and not translated(m)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated
    assert not fuzzy
    assert not catalog.obsolete, "obsolete entries: run `make messages` (it drops them)"


def placeholders(text: str) -> Counter:
    return Counter(match.group(0) for match in PLACEHOLDER_RE.finditer(text))


def stray_percent(text: str) -> bool:
    """A `%` that is not part of a conversion: breaks `%` in Python and in newstyle Jinja gettext."""
    return "%" in PLACEHOLDER_RE.sub("", text)


def test_placeholders_match_between_msgid_and_msgstr(catalog):
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if not text:
                continue
            if isinstance(message.id, tuple):
                # a plural form may leave out the count, but nothing else may appear or vanish
                allowed = placeholders(ids[0]) | placeholders(ids[1])
                if placeholders(text) - allowed:
                    problems.append(f"{ids[0]!r}: {text!r} has unknown placeholders")
            elif placeholders(text) != placeholders(ids[0]):
                problems.append(
                    f"{ids[0]!r}: {dict(placeholders(ids[0]))} but {text!r} has {dict(placeholders(text))}"
                )
            if stray_percent(text):
                problems.append(f"{ids[0]!r}: {text!r} has a lone % (write %% in a template message)")
            names = {m.group("name") for m in PLACEHOLDER_RE.finditer(text) if m.group("name")}
            if names:
                text % dict.fromkeys(names, "x")  # formats without error
    assert not problems, "\n".join(problems)


def test_placeholder_check_catches_mistakes():
    assert placeholders("Hello %(name)s") != placeholders("Bonjour %(nom)s")
    assert placeholders("Hello %(name)s") != placeholders("Bonjour")
    assert placeholders("200%% zoom") == placeholders("zoom de 200 %%")
    assert stray_percent("zoom de 200 %")
    assert not stray_percent("zoom de 200 %% pour %(name)s")


# French typography: a non-breaking space (U+00A0, or the narrow U+202F) before `: ; ? !`.
NON_BREAKING = "\u00a0\u202f"
URL_RE = re.compile(r"\b(?:https?|mailto)://\S*|\b(?:https?|mailto):")
TIME_RE = re.compile(r"\d:\d")  # 20:00


def typography_slips(text: str) -> list[str]:
    """The `: ; ? !` of a French string without a non-breaking space before them, in context.

    Addresses ("https://…?next=") and placeholders ("%(name)s") are not prose: they are set
    aside, and so is the colon of a time like 20:00.
    """
    prose = PLACEHOLDER_RE.sub("X", URL_RE.sub("URL", text))
    slips = []
    for match in re.finditer(r"[:;?!]", prose):
        at = match.start()
        if match.group() == ":" and TIME_RE.fullmatch(prose[at - 1 : at + 2]):
            continue
        if at == 0 or prose[at - 1] not in NON_BREAKING:
            slips.append(prose[max(0, at - 20) : at + 1])
    return slips


def french_strings(catalog):
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if text:
                yield message, text


def test_typography_check_catches_slips_and_spares_addresses_times_and_placeholders():
    assert typography_slips("Adresse électronique: ") == ["Adresse électronique:"]
    assert [slip[-1] for slip in typography_slips("Heure : 20:00 ; prêt ?")] == [":", ";", "?"]
    assert typography_slips("Voir https://example.org/a?b=1 et mailto:x@example.org") == []
    assert typography_slips("Début\u00a0: 20:00, %(name)s\u202f!") == []
    assert typography_slips("Prêt\u202f? Oui\u202f; non\u00a0: «\u00a0%(title)s\u00a0»") == []


def test_french_strings_have_a_non_breaking_space_before_colons_and_marks(catalog):
    problems = [
        f"{msgid_key(message.id)!r}: …{slip!r}"
        for message, text in french_strings(catalog)
        for slip in typography_slips(text)
    ]
    assert problems == [], "\n".join(problems)


def test_french_strings_use_french_quotes(catalog):
    """« » with non-breaking spaces inside, never straight double quotes."""
    straight = [msgid_key(message.id) for message, text in french_strings(catalog) if '"' in text]
    bare = [
        msgid_key(message.id)
        for message, text in french_strings(catalog)
        if re.search(r"«[^\u00a0\u202f]|[^\u00a0\u202f]»", text)
    ]
    assert straight == []
    assert bare == []


def test_french_catalogue_is_what_runs(language):
    language("fr")
    assert i18n.gettext("Sign in") == "Se connecter"
    assert i18n.gettext("Use at least %(n)s characters.", n=8) == "Utilisez au moins 8 caractères."
    language("en")
    assert i18n.gettext("Sign in") == "Sign in"
    assert i18n.gettext("Use at least %(n)s characters.", n=8) == "Use at least 8 characters."


def test_french_plural_rule(catalog, language):
    """French uses the singular for 0 and 1 (`plural=(n > 1)`), unlike English."""
    assert catalog.plural_expr == "(n > 1)"
    # Messages whose only placeholder is the number (others need their own variables).
    plurals = [m for m in catalog if m.id and isinstance(m.id, tuple) and m.id[0].count("%(") == 1]
    if not plurals:
        pytest.skip("no plural message in the catalogue yet")
    message = plurals[0]
    singular, plural = message.id
    language("fr")
    for n, form in ((0, 0), (1, 0), (2, 1), (15, 1)):
        assert i18n.ngettext(singular, plural, n) == message.string[form] % {"num": n}
    language("en")
    assert i18n.ngettext(singular, plural, 0) == plural % {"num": 0}


def test_set_language_refuses_unknown_codes(language):
    language("de")
    assert i18n.get_language() == "fr"


# --- Negotiation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "default", "expected"),
    [
        ("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "en", "fr"),
        ("en-GB,en;q=0.9,fr;q=0.8", "fr", "en"),
        ("fr;q=0.3, en;q=0.7", "fr", "en"),  # q-values, not order, decide
        ("en;q=0.5, fr;q=0.5", "fr", "en"),  # a tie goes to the first listed
        ("fr, en", "en", "fr"),
        ("FR-ca", "en", "fr"),  # tags are case-insensitive, the region is ignored
        ("de-DE,de;q=0.9,en;q=0.4", "fr", "en"),  # unknown languages are skipped
        ("de-DE,es;q=0.9,*;q=0.5", "fr", "fr"),  # nothing we have: the default
        ("de-DE,es;q=0.9", "en", "en"),
        ("fr;q=0, en;q=0.1", "fr", "en"),  # q=0 means "not this one"
        ("fr;q=0", "en", "en"),
        ("  en ; q=0.8 ,  fr ; q=0.4 ", "fr", "en"),  # spaces around the parts
        ("fr;q=abc, en;q=0.2", "fr", "en"),  # an unreadable q-value counts as 0
        ("", "fr", "fr"),
        (None, "en", "en"),
        (",,,;;;q=", "fr", "fr"),
        ("%%%, é;q=0.5, \x00", "en", "en"),
        ("*", "en", "en"),
        ("x-klingon;q=1, en;q=0.001", "fr", "en"),
        ("fr;q=٠.٩, en;q=0.1", "fr", "en"),  # Unicode digits are not a weight: fr counts as 0
        ("fr;q=2, en;q=0.1", "fr", "en"),  # nor is a weight above 1
        ("fr;q=1e0, en;q=0.1", "fr", "en"),  # nor an exponent
    ],
)
def test_negotiate(header, default, expected):
    assert i18n.negotiate(header, default) == expected


def test_negotiate_reads_a_bounded_number_of_parts():
    # a huge header costs little, and a language listed after the first 20 parts is not seen
    assert i18n.negotiate("de," * 10_000 + "en", "fr") == "fr"


# --- Through HTTP ----------------------------------------------------------------------------


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, html[:200]
    return match.group(1)


async def test_default_language_without_any_hint(client):
    response = await client.get("/")  # the test settings say default_language="en"
    assert html_lang(response.text) == "en"
    assert "Sign in" in response.text


async def test_accept_language_picks_french(client):
    response = await client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert html_lang(response.text) == "fr"
    assert "Se connecter" in response.text
    assert "Créer un compte" in response.text
    assert "Accessibilité\u00a0: partiellement conforme" in response.text
    assert "Sign in" not in response.text


async def test_accept_language_with_q_values(client):
    response = await client.get("/", headers={"Accept-Language": "fr;q=0.2, en;q=0.9"})
    assert html_lang(response.text) == "en"


async def test_cookie_wins_over_accept_language(client):
    response = await client.get("/", headers={"Accept-Language": "en", "Cookie": "lang=fr"})
    assert html_lang(response.text) == "fr"
    response = await client.get("/", headers={"Accept-Language": "fr", "Cookie": "lang=en"})
    assert html_lang(response.text) == "en"


async def test_unknown_cookie_falls_back_to_accept_language(client):
    response = await client.get("/", headers={"Accept-Language": "fr", "Cookie": "lang=de"})
    assert html_lang(response.text) == "fr"


async def test_profile_language_wins_over_cookie_and_header(client):
    await make_user("camille@example.org", language="fr")
    await sign_in(client, "camille@example.org")
    client.cookies.set("lang", "en")
    response = await client.get("/account", headers={"Accept-Language": "en"})
    assert html_lang(response.text) == "fr"
    assert "Mon compte" in response.text
    assert "Se déconnecter" in response.text


async def test_error_pages_are_translated(client):
    response = await client.get("/no-such-page", headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    response = await client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert "Page not found" in response.text


async def test_language_switch_sets_the_cookie_for_a_visitor(client):
    response = await post_form(client, "/language", {"language": "fr", "next": "/privacy"})
    assert response.status_code == 303
    assert response.headers["location"] == "/privacy"
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith("lang=fr;")
    assert "httponly" in set_cookie.lower()
    assert "samesite=lax" in set_cookie.lower()
    assert "Max-Age=31536000" in set_cookie
    page = await client.get("/privacy", headers={"Accept-Language": "en"})
    assert html_lang(page.text) == "fr"
    assert "Politique de confidentialité" in page.text

    response = await post_form(client, "/language", {"language": "en", "next": "/"})
    assert client.cookies.get("lang") == "en"
    assert html_lang((await client.get("/")).text) == "en"


async def test_language_switch_ignores_unknown_languages(client):
    response = await post_form(client, "/language", {"language": "de", "next": "/"})
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert "set-cookie" not in response.headers  # no language cookie (and the session is unchanged)
    assert client.cookies.get("lang") is None


async def test_language_switch_stays_on_this_site(client):
    response = await post_form(client, "/language", {"language": "fr", "next": "//evil.example/"})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


async def test_language_switch_needs_the_csrf_token(client):
    response = await client.post("/language", data={"language": "fr", "next": "/"})
    assert response.status_code == 403
    assert client.cookies.get("lang") is None


async def test_language_switch_saves_the_profile_when_signed_in(client, make_client):
    user = await make_user("dominique@example.org", language="en")
    await sign_in(client, "dominique@example.org")
    token = await csrf_from(client, "/account")
    response = await client.post(
        "/language", data={"csrf_token": token, "language": "fr", "next": "/account"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    assert client.cookies.get("lang") == "fr"
    await user.refresh_from_db()
    assert user.language == "fr"
    # the profile follows the person to another browser, with no cookie and an English header
    other = make_client()
    await sign_in(other, "dominique@example.org")
    page = await other.get("/account", headers={"Accept-Language": "en"})
    assert html_lang(page.text) == "fr"
    assert "Mon compte" in page.text


async def test_signing_up_in_french_keeps_french_for_the_account_and_its_mail(client, outbox):
    client.headers["Accept-Language"] = "fr-FR,fr;q=0.9"
    response = await post_form(
        client,
        "/signup",
        {
            "name": "Églantine",
            "email": "eglantine@example.org",
            "password": "une phrase assez longue",
            "accept_terms": "on",
        },
        page="/signup",
    )
    assert response.status_code == 303
    user = await User.get(email="eglantine@example.org")
    assert user.language == "fr"
    message = (await outbox()).last_to("eglantine@example.org")
    assert message["Subject"] == "Confirmez votre adresse électronique pour hackcity"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert body.startswith("Bonjour Églantine,")


async def test_form_errors_are_translated(client):
    client.headers["Accept-Language"] = "fr"
    response = await post_form(
        client, "/login", {"email": "nobody@example.org", "password": "x"}, page="/login"
    )
    assert response.status_code == 422
    assert "Adresse électronique ou mot de passe incorrect." in response.text
    assert "Veuillez corriger les points suivants\u00a0:" in response.text


# --- Dates -----------------------------------------------------------------------------------

SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "timezone", "lang", "expected"),
    [
        # Europe/Paris is UTC+2 in summer, UTC+1 in winter
        (SUMMER, "Europe/Paris", "fr", "15 juil. 2026, 14:00"),
        (WINTER, "Europe/Paris", "fr", "15 janv. 2026, 13:00"),
        (SUMMER, "Europe/Paris", "en", "15 Jul 2026, 14:00"),
        (WINTER, "Europe/Paris", "en", "15 Jan 2026, 13:00"),
        # America/Montreal is UTC-4 in summer, UTC-5 in winter
        (SUMMER, "America/Montreal", "fr", "15 juil. 2026, 08:00"),
        (WINTER, "America/Montreal", "fr", "15 janv. 2026, 07:00"),
        (SUMMER, "America/Montreal", "en", "15 Jul 2026, 08:00"),
        (WINTER, "America/Montreal", "en", "15 Jan 2026, 07:00"),
    ],
)
def test_format_when_uses_the_event_time_zone_and_the_reader_language(
    language, value, timezone, lang, expected
):
    language(lang)
    assert i18n.format_when(value, timezone) == expected


@pytest.mark.parametrize("fmt", ["short", "medium", "long", "full", None])
def test_every_format_when_is_the_one_family_without_seconds_or_offset(language, fmt):
    language("fr")
    assert i18n.format_when(WINTER, "Europe/Paris", fmt) == "15 janv. 2026, 13:00"


@pytest.mark.parametrize(
    ("lang", "day", "time", "note"),
    [
        ("fr", "15 janvier 2026", "13:00", "Heures locales\u00a0: Paris (Europe/Paris)."),
        ("en", "15 January 2026", "13:00", "Times are Paris time (Europe/Paris)."),
    ],
)
def test_day_time_and_the_time_zone_line(language, lang, day, time, note):
    language(lang)
    assert i18n.format_day(WINTER, "Europe/Paris") == day
    assert i18n.format_time(WINTER, "Europe/Paris") == time
    assert i18n.timezone_note("Europe/Paris") == note


def test_time_zone_line_names_the_place_in_words(language):
    language("fr")
    assert i18n.timezone_note("Europe/London") == "Heures locales\u00a0: Londres (Europe/London)."
    # Babel maps America/Montreal to its canonical Toronto: the zone's own city is kept
    assert i18n.timezone_note("America/Montreal") == "Heures locales\u00a0: Montreal (America/Montreal)."
    language("en")
    assert i18n.timezone_note("America/Argentina/Buenos_Aires") == (
        "Times are Buenos Aires time (America/Argentina/Buenos_Aires)."
    )


def test_format_when_across_the_daylight_saving_change(language):
    language("fr")
    # clocks in Paris go from 02:00 to 03:00 on 29 March 2026 (01:00 UTC)
    assert "01:30" in i18n.format_when(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "Europe/Paris")
    assert "03:30" in i18n.format_when(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Europe/Paris")


def test_format_day_uses_the_local_date(language):
    late = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)  # still 28 February in Montreal
    language("fr")
    assert i18n.format_day(late, "America/Montreal") == "28 février 2026"
    assert i18n.format_day(late, "Europe/Paris") == "1 mars 2026"
    language("en")
    assert i18n.format_day(late, "America/Montreal") == "28 February 2026"


def test_format_when_of_nothing_is_empty(language):
    language("fr")
    assert i18n.format_when(None) == ""
    assert i18n.format_day(None) == ""


async def test_event_page_shows_dates_in_the_event_time_zone(client):
    await Event.create(
        slug="defi-montreal",
        title="Défi Montréal",
        status=EventStatus.PUBLISHED,
        timezone="America/Montreal",
        starts_at=SUMMER,
    )
    french = await client.get("/events/defi-montreal", headers={"Accept-Language": "fr"})
    assert french.status_code == 200
    assert "15 juil. 2026, 08:00" in french.text
    assert "Heures locales\u00a0: Montreal (America/Montreal)." in french.text
    english = await client.get("/events/defi-montreal", headers={"Accept-Language": "en"})
    assert "15 Jul 2026, 08:00" in english.text
    assert "Times are Montreal time (America/Montreal)." in english.text


def test_french_slips_found_in_review_are_fixed(language):
    language("fr")
    selected = ("%(num)s entry newly selected", "%(num)s entries newly selected")
    assert i18n.ngettext(*selected, 1) == "1 participation nouvellement sélectionnée"
    assert i18n.ngettext(*selected, 3) == "3 participations nouvellement sélectionnées"
    assert i18n.gettext("The session is now published.") == "La session est maintenant publiée."
    assert (
        i18n.gettext("Your request is sent to the captain of “%(name)s”.", name="Les Bus")
        == "Votre demande est envoyée au capitaine de l’équipe «\u00a0Les Bus\u00a0»."
    )
    assert i18n.gettext("Email address:") == "Adresse électronique\u00a0:"
    assert i18n.gettext("The request of %(name)s is refused.", name="Élodie") == (
        "La demande envoyée par Élodie est refusée."
    )
    language("en")
    assert i18n.ngettext(*selected, 1) == "1 entry newly selected"


def test_a_count_in_a_template_with_other_variables_is_formatted():
    """Jinja formats a template's ngettext itself: the catalogue text must reach it unformatted."""
    template = i18n_env().from_string(
        '{{ ngettext("%(num)s of %(limit)s places taken", "%(num)s of %(limit)s places taken", 1, limit=4) }}'
    )
    token = i18n.set_language("fr")
    try:
        assert template.render() == "1 place prise sur 4"
    finally:
        i18n._current.reset(token)
