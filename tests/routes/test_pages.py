"""Every page rendered against the demo data, in French and in English, by each kind of visitor.

The seeds that `make run` loads are the seeds these tests render (CONTRIBUTING.md). Each page must answer
200 in the chosen language with its own h1, the skip link and the footer's accessibility link, and a
French page must not show an English sentence that the catalogue translates.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from babel.messages.pofile import read_po
from starlette.routing import Route
from tortoise.context import tortoise_test_context

from events import i18n
from events.db import MODEL_MODULES
from events.domain import tokens
from events.models import (
    Announcement,
    Challenge,
    Criterion,
    Dataset,
    DeliveryStatus,
    Entry,
    Event,
    EventRole,
    Invitation,
    JurySession,
    PitchSlot,
    PortalKind,
    Role,
    Round,
    TeamMember,
    User,
    Webhook,
    WebhookDelivery,
)
from seeds.demo import DEMO_PASSWORD, load_demo
from tests.conftest import TEST_DATABASE_URL
from tests.helpers import id_problems, post_form, sign_in

PROGRAMME = "datacity-paris-2026"
HACKATHON = "hackathon-mobilite-lyon-2026"  # archived
DRAFT = "defi-energie-brouillon"
CHALLENGE = "ilots-de-chaleur-cours-ecole"  # published, owned by the demo sponsor
CHALLENGE_TITLE = "Réduire les îlots de chaleur dans les cours d'école"
INVITATION_TOKEN = "demo-invitation-token-for-page-tests"
OPEN_EVENT = "hackathon-open-data-bordeaux-2026"  # registration open now
OPEN_TITLE = "Hackathon Open Data Bordeaux 2026"
JURY_SESSION = "Jury de sélection"  # made by `page_params`, next to the demo's own juries
LIVE_JURY = "Jury de sélection : auditions"  # the demo's jury open today, on the programme
JURY_CRITERION = "Impact territorial"

# Who visits, as which demo account.
ACCOUNTS = {
    "anonymous": None,
    "admin": "admin@demo.hackcity.fr",
    "organiser": "organisatrice@demo.hackcity.fr",  # organises the programme and the draft
    "hackathon_organiser": "organisateur@demo.hackcity.fr",
    "juror": "jure1@demo.hackcity.fr",
    "challenge_owner": "sponsor@demo.hackcity.fr",
    "participant": "equipe-a@demo.hackcity.fr",
}
EVERYONE = frozenset(ACCOUNTS)
SIGNED_IN = EVERYONE - {"anonymous"}


def text(msgid: str, **variables) -> Callable[[dict], str]:
    return lambda params: i18n.gettext(msgid, **variables)


def literal(value: str) -> Callable[[dict], str]:
    return lambda params: value


def from_data(name: str) -> Callable[[dict], str]:
    """A heading that shows data found in the database (see `page_params`)."""
    return lambda params: params[name]


@dataclass(frozen=True)
class Page:
    path: str
    route: str
    h1: Callable[[dict], str]  # evaluated in the page's language, given `page_params`
    seen_by: frozenset[str]


PAGES = [
    Page("/", "home", text("Open-data challenges and hackathons"), EVERYONE),
    Page(f"/events/{PROGRAMME}", "event_page", literal("DataCity Paris 2026"), EVERYONE),
    Page(f"/events/{HACKATHON}", "event_page", literal("Hackathon Mobilités Lyon 2026"), EVERYONE),
    Page(
        f"/events/{DRAFT}",
        "event_page",
        literal("Défi Énergie"),
        frozenset({"admin", "organiser"}),
    ),
    Page("/accessibility", "accessibility", text("Accessibility statement"), EVERYONE),
    Page("/privacy", "privacy", text("Privacy notice"), EVERYONE),
    Page("/terms", "terms", text("Terms of use"), EVERYONE),
    Page("/signup", "signup", text("Create an account"), frozenset({"anonymous"})),
    Page("/login", "login", text("Sign in"), frozenset({"anonymous"})),
    Page("/password/forgot", "forgot_password", text("Forgot your password?"), EVERYONE),
    Page("/verify/{verify_token}", "verify", text("Confirm your email address"), EVERYONE),
    Page("/password/reset/{reset_token}", "reset_password", text("Choose a new password"), EVERYONE),
    Page("/account", "account", text("My account"), SIGNED_IN),
    Page("/account/delete", "delete_account", text("Delete my account"), SIGNED_IN),
    Page(
        f"/events/{PROGRAMME}/manage",
        "dashboard",
        text("Manage %(title)s", title="DataCity Paris 2026"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{HACKATHON}/manage",
        "dashboard",
        text("Manage %(title)s", title="Hackathon Mobilités Lyon 2026"),
        frozenset({"admin", "hackathon_organiser"}),
    ),
    Page(
        f"/events/{DRAFT}/manage",
        "dashboard",
        text("Manage %(title)s", title="Défi Énergie"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/people",
        "people",
        text("People and roles"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{HACKATHON}/manage/people",
        "people",
        text("People and roles"),
        frozenset({"hackathon_organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/people/import",
        "import_people",
        text("Import people from a CSV file"),
        frozenset({"admin", "organiser"}),
    ),
    Page(f"/events/{PROGRAMME}/datasets", "dataset_catalogue", text("Datasets"), EVERYONE),
    Page(
        f"/events/{PROGRAMME}/datasets/{{dataset_id}}", "dataset_page", from_data("dataset_title"), EVERYONE
    ),
    Page(
        f"/events/{PROGRAMME}/manage/datasets",
        "manage_datasets",
        text("Dataset catalogue"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/datasets/{{dataset_id}}",
        "edit_dataset",
        from_data("dataset_title"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        "/events/new",
        "create_event",
        text("Create an event"),
        frozenset({"admin", "organiser", "hackathon_organiser"}),
    ),
    Page(
        "/events/new/import",
        "import_datapackage",
        text("Import an event from a Data Package"),
        frozenset({"admin", "organiser", "hackathon_organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/edit",
        "edit_event",
        text("Event details"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{OPEN_EVENT}/register",
        "register",
        text("Register — %(event)s", event=OPEN_TITLE),
        SIGNED_IN,
    ),
    Page(
        f"/events/{PROGRAMME}/teams",
        "team_list",
        text("Teams — %(event)s", event="DataCity Paris 2026"),
        EVERYONE,
    ),
    Page(
        f"/events/{PROGRAMME}/team",
        "my_team",
        lambda params: i18n.gettext("My team: %(name)s", name=params["my_team"]),
        frozenset({"participant"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/registrants",
        "registrants",
        text("Registrants"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/teams",
        "manage_teams",
        text("Teams"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/participation",
        "participation",
        text("Participation"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/rounds",
        "manage_rounds",
        text("Rounds"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/rounds/{{round_id}}/edit",
        "edit_round",
        text("Edit the round %(name)s", name="Candidature"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/challenges",
        "manage_challenges",
        text("Challenges"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/challenges/{CHALLENGE}/edit",
        "edit_challenge",
        text("Edit the challenge %(title)s", title=CHALLENGE_TITLE),
        frozenset({"admin", "organiser", "challenge_owner"}),  # the sponsor owns this challenge
    ),
    Page(f"/events/{PROGRAMME}/challenges/{CHALLENGE}", "challenge_page", literal(CHALLENGE_TITLE), EVERYONE),
    Page(
        f"/events/{PROGRAMME}/challenges/propose", "propose_challenge", text("Propose a challenge"), SIGNED_IN
    ),
    Page("/invitations/{invitation_token}", "invitation", text("Invitation"), SIGNED_IN),
    Page(
        f"/events/{PROGRAMME}/manage/entries",
        "manage_entries",
        text("Entries and selection"),
        frozenset({"admin", "organiser"}),
    ),
    Page(f"/events/{HACKATHON}/gallery", "gallery", text("Gallery"), EVERYONE),  # open in the demo
    Page(
        f"/events/{HACKATHON}/manage/reuses",
        "manage_reuses",
        text("Reuses on open-data portals"),
        frozenset({"admin", "hackathon_organiser"}),
    ),
    Page(
        f"/events/{HACKATHON}/manage/entries/{{entry_id}}/reuse",
        "entry_reuse",
        lambda params: i18n.gettext("Reuse for the portal — %(title)s", title=params["entry_title"]),
        frozenset({"admin", "hackathon_organiser"}),
    ),
    Page(
        f"/events/{HACKATHON}/challenges/{{gallery_challenge}}/gallery",
        "challenge_gallery",
        lambda params: i18n.gettext("Gallery: %(title)s", title=params["gallery_challenge_title"]),
        EVERYONE,
    ),
    Page(f"/events/{HACKATHON}/entries/{{entry_id}}", "entry_page", from_data("entry_title"), EVERYONE),
    Page(f"/events/{PROGRAMME}/team/entries", "team_entries", text("Your team's entries"), SIGNED_IN),
    Page(
        f"/events/{PROGRAMME}/manage/datasets/{{dataset_id}}/access",
        "dataset_access_log",
        lambda params: i18n.gettext("Access — %(title)s", title=params["dataset_title"]),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries",
        "manage_juries",
        text("Juries"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries/new",
        "new_jury_session",
        text("Create a jury session"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/rounds/{{round_id}}/criteria",
        "round_criteria",
        text("Scoring grid — %(name)s", name="Candidature"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/rounds/{{round_id}}/criteria/{{criterion_id}}/edit",
        "edit_criterion",
        text("Edit the criterion %(name)s", name=JURY_CRITERION),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries/{{session_id}}",
        "jury_session",
        text("Jury session %(name)s", name=JURY_SESSION),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries/{{session_id}}/results",
        "jury_results",
        text("Results — %(name)s", name=JURY_SESSION),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries/{{session_id}}/paper-sheets",
        "paper_sheets",
        text("Paper score sheets — %(name)s", name=JURY_SESSION),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries/{{session_id}}/edit",
        "edit_jury_session",
        text("Edit the jury session %(name)s", name=JURY_SESSION),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries/{{session_id}}/delete",
        "delete_jury_session",
        text("Delete the jury session %(name)s", name=JURY_SESSION),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/rounds/{{round_id}}/criteria/challenges/{CHALLENGE}",
        "challenge_criteria",
        text("Scoring grid — %(name)s, challenge %(title)s", name="Candidature", title=CHALLENGE_TITLE),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries/{{session_id}}/awards",
        "jury_awards",
        text("Awards — %(name)s", name=JURY_SESSION),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{HACKATHON}/manage/juries/{{vote_session_id}}/awards",
        "jury_awards",
        lambda params: i18n.gettext("Awards — %(name)s", name=params["vote_session_name"]),
        frozenset({"admin", "hackathon_organiser"}),
    ),
    Page(
        f"/events/{HACKATHON}/vote/{{vote_session_id}}",
        "public_vote",
        lambda params: i18n.gettext("Public vote: %(name)s", name=params["vote_session_name"]),
        EVERYONE,
    ),
    Page(f"/events/{PROGRAMME}/jury", "juror_sessions", text("My juries"), frozenset({"admin", "juror"})),
    # The demo's juries: the programme's is open today (jure1 sits on it), the hackathon's is published.
    Page(
        f"/events/{PROGRAMME}/jury/{{live_session_id}}",
        "juror_session",
        literal(LIVE_JURY),
        frozenset({"juror"}),
    ),
    Page(
        f"/events/{PROGRAMME}/jury/{{live_session_id}}/entries/{{live_entry_id}}",
        "juror_entry",
        from_data("live_entry_title"),
        frozenset({"juror"}),
    ),
    # The explanation of an entry's result in the hackathon's published jury (jure1 sits on it).
    Page(
        f"/events/{HACKATHON}/manage/juries/{{published_session_id}}/results/{{entry_id}}",
        "explain_entry",
        lambda params: i18n.gettext("How the result of %(title)s came about", title=params["entry_title"]),
        frozenset({"admin", "hackathon_organiser", "juror"}),
    ),
    Page(
        f"/events/{HACKATHON}/manage/juries/{{published_session_id}}/deliberation",
        "jury_deliberation",
        lambda params: i18n.gettext("Deliberation — %(name)s", name=params["published_session_name"]),
        frozenset({"admin", "hackathon_organiser"}),
    ),
    # The score log of the hackathon's published jury, the recount of the programme's open one.
    Page(
        f"/events/{HACKATHON}/manage/juries/{{published_session_id}}/log",
        "jury_score_log",
        lambda params: i18n.gettext("Score log — %(name)s", name=params["published_session_name"]),
        frozenset({"admin", "hackathon_organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries/{{live_session_id}}/recount",
        "jury_recount",
        text("Recount — %(name)s", name=LIVE_JURY),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/jury/{{live_session_id}}/live",
        "juror_live",
        text("Live: %(name)s", name=LIVE_JURY),
        frozenset({"juror"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries/{{live_session_id}}/live",
        "control_room",
        text("Control room: %(name)s", name=LIVE_JURY),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries/{{live_session_id}}/live/cards/jurors",
        "jurors_card",
        text("Jurors' card: %(name)s", name=LIVE_JURY),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/juries/{{live_session_id}}/live/cards/visitors",
        "visitors_card",
        text("Visitors' card: %(name)s", name=LIVE_JURY),
        frozenset({"admin", "organiser"}),
    ),
    Page(f"/events/{HACKATHON}/results", "public_results", text("Results"), EVERYONE),
    Page(
        f"/events/{HACKATHON}/entries/{{entry_id}}/feedback",
        "team_feedback",
        text("Jury feedback"),
        frozenset({"participant"}),  # a member of the team of `entry_id`
    ),
    Page(
        f"/events/{PROGRAMME}/announcements",
        "announcements",
        text("News — %(event)s", event="DataCity Paris 2026"),
        EVERYONE,
    ),
    Page(
        f"/events/{PROGRAMME}/announcements/{{announcement_id}}",
        "announcement_page",
        from_data("announcement_title"),
        EVERYONE,
    ),
    Page(
        f"/events/{PROGRAMME}/manage/announcements",
        "manage_announcements",
        text("Announcements"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{DRAFT}/manage/announcements",
        "manage_announcements",
        text("Announcements"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/announcements/{{announcement_id}}/edit",
        "edit_announcement",
        lambda params: i18n.gettext("Edit the announcement %(title)s", title=params["announcement_title"]),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/webhooks",
        "manage_webhooks",
        text("Webhooks"),
        frozenset({"admin", "organiser"}),
    ),
    Page(
        f"/events/{PROGRAMME}/manage/webhooks/{{webhook_id}}",
        "webhook_page",
        text("Webhook"),
        frozenset({"admin", "organiser"}),
    ),
    Page("/api/docs", "api_docs", text("hackcity API"), EVERYONE),
    Page("/admin", "users", text("Administration"), frozenset({"admin"})),
    Page("/admin/events/new", "new_event", text("Create an event"), frozenset({"admin"})),
    Page("/admin/settings", "instance_settings", text("Instance settings"), frozenset({"admin"})),
    Page(
        f"/events/{PROGRAMME}/manage/images",
        "manage_images",
        text("Images and sponsors"),
        frozenset({"admin", "organiser"}),
    ),
]
# GET routes that answer something other than an HTML page.
NOT_PAGES = {
    "control_room_events": "server-sent events of a session's control room",
    "juror_live_events": "server-sent events of a juror's live page",
    # The projector's full-screen page, without the site's header and footer: rendered in both
    # languages by tests/routes/test_stage.py, and checked by axe in tests/e2e/test_stage.py
    "stage_screen": "the demo-day stage screen",
    "stage_events": "server-sent events of the stage screen",
    "healthz": "JSON health check",
    "metrics": "Prometheus metrics (text), for the METRICS_TOKEN only",
    "export": "JSON download of one's data",
    "calendar": "iCalendar download of the schedule",
    "hackathon_json": "schema.org JSON-LD of the event (hackathon.json)",
    "event_feed": "Atom feed of an event's announcements",
    "site_feed": "Atom feed of the announcements of every public event",
    "datapackage_json": "JSON descriptor of an event's Data Package, its rows inline",
    "datapackage_zip": "zip download of an event's Data Package (CSV files)",
    "download_file": "an entry's file, sent as an attachment",
    "juror_file": "an entry's file for its jurors, sent as an attachment",
    # A team's own entry: rendered by tests/routes/test_entries.py (the demo has no entry yet)
    "edit_entry": "a team's entry form",
    "reuse_csv": "CSV download of a dataset's reuse report",
    "entry_reuse_json": "JSON download of an entry's reuse record for a portal",
    "registrants_csv": "CSV download of the registrants",
    "teams_csv": "CSV download of the teams",
    "people_template": "CSV template of the import of people",
    "entries_csv": "CSV download of the entries",
    "jury_results_csv": "CSV download of a jury's results",
    "jury_results_json": "JSON download of a jury's results",
    "jury_stability_csv": "CSV download of how stable a jury's ranking is",
    "jury_comparisons_csv": "CSV download of a pairwise jury's comparisons",
    "jury_comparisons_json": "JSON download of a pairwise jury's comparisons and ranking",
    # A pairwise session's juror page: rendered in both languages by tests/routes/test_pairwise.py
    "juror_pairwise": "a juror's page of a pairwise session",
    "jury_stability_json": "JSON download of how stable a jury's ranking is",
    "jury_scores_csv": "CSV download of a jury's scores",
    "jury_score_log_csv": "CSV download of a jury's score log",
    # Its heading depends on who follows the link: rendered by tests/routes/test_teams.py
    "join_by_link": "a team's join link",
    "api_openapi": "the API's OpenAPI document (JSON)",
    "serve_image": "an uploaded image (PNG or JPEG)",
    "stylesheet": "the instance's colours (CSS)",
}
# The JSON API (tests/api/).
NOT_PAGES.update(
    {
        name: "JSON of the API"
        for name in (
            "api_events",
            "api_event",
            "api_rounds",
            "api_challenges",
            "api_challenge",
            "api_datasets",
            "api_dataset",
            "api_teams",
            "api_entries",
            "api_entry",
            "api_results",
            "api_awards",
            "api_token",
            "api_registrants",
            "api_managed_teams",
            "api_managed_entries",
            "api_jury_sessions",
            "api_session_results",
            "api_session_scores",
        )
    }
)

H1_RE = re.compile(r"<h1>(.*?)</h1>", re.S)
# What the one family of date formats never shows (docs/ARCHITECTURE.md, Translations): seconds, a
# numeric UTC offset or a zone abbreviation beside a time, ISO-like or all-numeric dates.
DATE_FORMAT_SLIPS = {
    "seconds": re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b"),
    "numeric offset": re.compile(r"(?:\d|\s)[+\u2212-](?:0\d|1[0-4]):?[0-5]\d(?!\d)"),
    "zone abbreviation": re.compile(r"\b\d{1,2}:\d{2}\s?(?:[AP]M\s)?(?:UTC|GMT|CES?T|[A-Z]{3,4})\b"),
    "ISO-like date-time": re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2})?\b"),
    "numeric date": re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
}
TAG_RE = re.compile(r"<[^>]+>")
ARIA_LABEL_RE = re.compile(r'aria-label="([^"]*)"')


def in_language(language: str, message: Callable[[dict], str], params: dict | None = None) -> str:
    token = i18n.set_language(language)
    try:
        return message(params or {})
    finally:
        i18n._current.reset(token)


def visible_texts(page: str) -> set[str]:
    """The page's text nodes and aria-labels, unescaped, with whitespace collapsed."""
    body = page.split("<body>", 1)[1]
    pieces = [*TAG_RE.split(body), *ARIA_LABEL_RE.findall(body)]
    return {" ".join(html.unescape(piece).split()) for piece in pieces} - {""}


def date_format_slips(texts: set[str]) -> list[tuple[str, str]]:
    """(kind, text) for each visible text that shows a date or time outside the house formats."""
    return [
        (kind, text)
        for text in sorted(texts)
        for kind, rule in DATE_FORMAT_SLIPS.items()
        if rule.search(text)
    ]


def translated_english_messages() -> set[str]:
    """English messages (of two words or more) that the French catalogue translates differently."""
    po_path = i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as po_file:
        catalogue = read_po(po_file, locale="fr")
    return {
        message.id
        for message in catalogue
        if isinstance(message.id, str)
        and message.string
        and message.string != message.id
        and " " in message.id
        and "%(" not in message.id
    }


async def browser(make_client, account: str, language: str) -> httpx.AsyncClient:
    client = make_client()
    email = ACCOUNTS[account]
    if email is None:
        client.cookies.set("lang", language)
    else:
        await sign_in(client, email, DEMO_PASSWORD)
        # Demo accounts chose French in their profile, which wins over any cookie: switch there.
        switched = await post_form(client, "/language", {"language": language, "next": "/account"})
        assert switched.status_code == 303
    return client


async def page_params(secret_key: str) -> dict[str, str]:
    """Values for the placeholders of `PAGES`: mailed-link tokens and a dataset of the programme."""
    person = await User.get(email="equipe-b@demo.hackcity.fr")
    dataset = await Dataset.filter(event__slug=PROGRAMME).order_by("id").first()
    if dataset is None:  # a demo without a catalogue: enter one dataset by hand
        event = await Event.get(slug=PROGRAMME)
        dataset = await Dataset.create(
            event=event, title="Arbres d'alignement", portal_kind=PortalKind.MANUAL
        )
    programme = await Event.get(slug=PROGRAMME)
    first_round = await Round.filter(event=programme).order_by("position").first()
    assert first_round is not None
    await Invitation.create(
        event=programme,
        email="invitee@example.org",
        role=Role.MENTOR,
        token_hash=hashlib.sha256(INVITATION_TOKEN.encode()).hexdigest(),
    )
    criterion = await Criterion.create(round=first_round, name=JURY_CRITERION, position=1)
    session = await JurySession.create(event=programme, round=first_round, name=JURY_SESSION)
    shown_entry = await Entry.filter(event__slug=HACKATHON, status="submitted").order_by("id").first()
    assert shown_entry is not None
    shown_challenge = await Challenge.get(id=shown_entry.challenge_id)
    live_session = await JurySession.get(event=programme, name=LIVE_JURY)
    vote_session = await JurySession.get(event__slug=HACKATHON, public_vote=True)  # published
    published_session = await JurySession.get(event__slug=HACKATHON, status="published", mode="rubric")
    live_slot = (
        await PitchSlot.filter(session=live_session).order_by("position").first().select_related("entry")
    )
    news = await Announcement.filter(event=programme).order_by("-created_at").first()
    assert news is not None
    membership = await TeamMember.get(
        event__slug=PROGRAMME, user__email=ACCOUNTS["participant"]
    ).select_related("team")
    # A webhook of the programme with a delivery in each state of its log.
    webhook = await Webhook.create(
        event=programme,
        url="https://hooks.example.org/datacity",
        secret="whsec_" + "x" * 43,
        kinds=["entry.submitted", "announcement.posted"],
    )
    for status, kind, code, error in (
        (DeliveryStatus.DELIVERED, "entry.submitted", 200, ""),
        (DeliveryStatus.FAILED, "announcement.posted", 500, "http_error"),
        (DeliveryStatus.GAVE_UP, "ping", None, "forbidden_address"),
        (DeliveryStatus.PENDING, "results.published", None, ""),
    ):
        await WebhookDelivery.create(
            webhook=webhook,
            kind=kind,
            payload="{}",
            status=status,
            attempts=0 if status == DeliveryStatus.PENDING else 1,
            last_status_code=code,
            last_error=error,
            next_attempt_at=datetime.now(UTC) if status == DeliveryStatus.FAILED else None,
        )
    return {
        "webhook_id": str(webhook.id),
        "my_team": membership.team.name,
        "announcement_id": str(news.id),
        "announcement_title": news.title,
        "entry_id": str(shown_entry.id),
        "entry_title": shown_entry.title,
        "gallery_challenge": shown_challenge.slug,
        "gallery_challenge_title": shown_challenge.title,
        "round_id": str(first_round.id),
        "criterion_id": str(criterion.id),
        "session_id": str(session.id),
        "live_session_id": str(live_session.id),
        "published_session_id": str(published_session.id),
        "published_session_name": published_session.name,
        "live_entry_id": str(live_slot.entry.id),
        "live_entry_title": live_slot.entry.title,
        "vote_session_id": str(vote_session.id),
        "vote_session_name": vote_session.name,
        "invitation_token": INVITATION_TOKEN,
        "dataset_id": str(dataset.id),
        "dataset_title": dataset.title,
        "verify_token": tokens.make_token(
            secret_key, "verify", {"u": person.id, "e": tokens.fingerprint(person.email)}
        ),
        "reset_token": tokens.make_token(
            secret_key, "reset", {"u": person.id, "p": tokens.fingerprint(person.password_hash)}
        ),
    }


def test_every_get_route_is_rendered_or_listed_as_not_a_page(app):
    get_routes = {route.name for route in app.routes if isinstance(route, Route) and "GET" in route.methods}
    assert get_routes - {page.route for page in PAGES} - set(NOT_PAGES) == set()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("account", list(ACCOUNTS))
async def test_every_page_renders_in_the_chosen_language(settings, db, make_client, account, language):
    assert await load_demo() is True
    params = await page_params(settings.secret_key)
    client = await browser(make_client, account, language)
    english_messages = translated_english_messages() if language == "fr" else set()
    skip_link = in_language(language, text("Skip to content"))
    accessibility_link = in_language(language, text("Accessibility: partially compliant"))
    # Navigation text that must be in the chosen language (read from the catalogue for French).
    nav = [text("Sign in"), text("Create an account")] if account == "anonymous" else [text("My account")]
    nav_texts = [in_language(language, message) for message in nav]
    pages = [page for page in PAGES if account in page.seen_by]
    assert pages

    for page in pages:
        path = page.path.format(**params)
        response = await client.get(path)

        assert response.status_code == 200, path
        assert f'<html lang="{language}">' in response.text, path
        assert [html.unescape(h1) for h1 in H1_RE.findall(response.text)] == [
            in_language(language, page.h1, params)
        ], path
        assert f'<a class="skip-link" href="#main">{html.escape(skip_link)}</a>' in response.text, path
        footer = response.text.split('<footer class="site-footer">', 1)[1]
        assert f'<a href="/accessibility">{html.escape(accessibility_link)}</a>' in footer, path
        shown = visible_texts(response.text)
        for nav_text in nav_texts:
            assert nav_text in shown, (path, nav_text)
        untranslated = shown & english_messages
        assert untranslated == set(), path
        assert id_problems(response.text) == [], path
        assert date_format_slips(shown) == [], path
        if path.startswith("/events/") and not path.startswith("/events/new"):  # an event names its zone once
            zone_line = in_language(language, lambda _params: i18n.timezone_note("Europe/Paris"))
            assert response.text.count(html.escape(zone_line)) == 1, path


def test_id_problems_finds_duplicates_and_labels_of_nothing():
    page = (
        '<form><label for="f-url">A</label><input id="f-url"></form>'
        '<form><label for="f-url">B</label><input id="f-url" aria-describedby="f-url-hint"></form>'
        '<label for="note">C</label><p id="note"></p>'
    )

    assert id_problems(page) == [
        "duplicate id 'f-url'",
        "aria-describedby='f-url-hint' points at nothing",
        "label for='note' points at a <p>",
    ]
    assert id_problems('<label for="a">A</label><select id="a"></select>') == []


async def test_french_navigation_reads_se_connecter(db, make_client):
    await load_demo()
    client = await browser(make_client, "anonymous", "fr")

    page = await client.get("/")

    shown = visible_texts(page.text)
    assert "Se connecter" in shown
    assert "Créer un compte" in shown
    assert "Aller au contenu" in shown
    assert "Sign in" not in shown


async def test_demo_account_keeps_french_from_its_profile_over_an_english_cookie(db, make_client):
    await load_demo()
    client = make_client()
    await sign_in(client, ACCOUNTS["juror"], DEMO_PASSWORD)
    client.cookies.set("lang", "en")

    page = await client.get("/account")

    assert '<html lang="fr">' in page.text


# --- the seed itself ----------------------------------------------------------------------------

NOW = datetime(2026, 11, 2, 9, 41, 17, tzinfo=UTC)


async def demo_snapshot(*, with_hashes: bool = False) -> tuple[list, list, list]:
    user_fields = ["id", "email", "name", "is_admin", "is_active", "language"]
    user_fields += ["email_verified_at", "terms_accepted_at"]
    if with_hashes:
        user_fields.append("password_hash")
    users = await User.all().order_by("id").values_list(*user_fields)
    events = await Event.all().order_by("id").values_list(
        "id", "slug", "title", "kind", "summary", "description", "location", "timezone", "status",
        "starts_at", "ends_at",
    )  # fmt: skip
    roles = await EventRole.all().order_by("id").values_list("id", "event__slug", "user__email", "role")
    return list(users), list(events), list(roles)


async def test_demo_seed_is_the_same_in_two_fresh_databases():
    snapshots = []
    for _run in range(2):
        async with tortoise_test_context(MODEL_MODULES, db_url=TEST_DATABASE_URL):
            assert await load_demo(now=NOW) is True
            snapshots.append(await demo_snapshot())

    first, second = snapshots
    users, events, roles = first
    assert (len(users), len(events), len(roles)) == (23, 4, 13)
    assert first == second


async def test_loading_the_demo_again_changes_nothing(db):
    assert await load_demo(now=NOW) is True
    before = await demo_snapshot(with_hashes=True)

    loaded_again = await load_demo()

    assert loaded_again is False
    assert await demo_snapshot(with_hashes=True) == before
