"""The organiser's journey in a real browser, in French and English, then the visitor's.

An organiser creates an event from the programme preset, finds its two rounds, adds a challenge,
imports a dataset from the local portal server (a udata-style address), offers it in the
challenge, publishes the challenge and the event. An anonymous visitor then finds the event on the
home page, its challenge and the dataset with its licence and attribution line. axe-core checks
every page on the way.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect

from events.i18n import catalogue
from seeds.demo import DEMO_PASSWORD
from tests.portal_server import UDATA_DATASET, UDATA_SLUG

pytestmark = pytest.mark.e2e

LOCALES = {"en": "en-GB", "fr": "fr-FR"}
SWITCH_TO = {"en": "English", "fr": "Français"}
ORGANISER_EMAIL = "organisatrice@demo.hackcity.fr"
DATASET_TITLE = UDATA_DATASET["title"]
PUBLISHER = UDATA_DATASET["organization"]["name"]
LICENCE_TITLE = "Licence Ouverte / Open Licence 2.0"  # what `lov2` maps to
LICENCE_SPDX = "etalab-2.0"


def starts_with(text: str) -> re.Pattern[str]:
    """For labels that the `(required)` mark follows."""
    return re.compile("^" + re.escape(text))


def local_input(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def sign_in_as_organiser(page: Page, language: str, t: Callable[[str], str]) -> None:
    page.goto("/login")
    page.get_by_label(starts_with(t("Email address"))).fill(ORGANISER_EMAIL)
    page.get_by_label(starts_with(t("Password"))).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=t("Sign in")).click()
    page.wait_for_url("**/account")
    # The demo account keeps its own language (French at first; the other run may have changed it).
    if page.locator("html").get_attribute("lang") != language:
        page.get_by_role("button", name=SWITCH_TO[language]).click()
    expect(page.locator("html")).to_have_attribute("lang", language)


@pytest.mark.parametrize("language", LOCALES)
def test_organiser_sets_up_an_event_and_a_visitor_finds_it(new_page, portal, assert_accessible, language):
    def t(message: str, **values: str) -> str:
        text = catalogue(language).gettext(message)
        return text % values if values else text

    def check(page: Page) -> None:
        assert page.locator("html").get_attribute("lang") == language, page.url
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert_accessible(page)

    token = secrets.token_hex(3)
    event_title = f"DataCity {language.upper()} {token}"
    challenge_title = f"Mobilité douce {token}"

    # --- the organiser --------------------------------------------------------------------
    page = new_page(LOCALES[language])
    sign_in_as_organiser(page, language, t)

    page.goto("/events/new")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Create an event"))
    check(page)
    page.get_by_label(starts_with(t("Title"))).fill(event_title)
    page.get_by_label(t("Programme (DataCity style)")).check()
    page.get_by_role("button", name=t("Create the event")).click()

    page.wait_for_url(re.compile(r"/manage/edit$"))
    expect(page.get_by_role("status")).to_contain_text(
        t("The event is created as a draft. Complete it, then publish it.")
    )
    slug = page.url.split("/events/", 1)[1].split("/", 1)[0]
    check(page)
    now = datetime.now().replace(minute=0, second=0, microsecond=0)
    page.get_by_label(t("Summary")).fill(f"{event_title}: open data for the city.")
    page.get_by_label(t("Location")).fill("Paris")
    page.get_by_label(t("Starts"), exact=True).fill(local_input(now + timedelta(days=30)))
    page.get_by_label(t("Ends"), exact=True).fill(local_input(now + timedelta(days=120)))
    page.get_by_label(t("Registration opens"), exact=True).fill(local_input(now - timedelta(days=1)))
    page.get_by_label(t("Registration closes"), exact=True).fill(local_input(now + timedelta(days=20)))
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(t("The event is saved."))
    check(page)

    manage_nav = page.get_by_role("navigation", name=t("Manage the event"))
    manage_nav.get_by_role("link", name=t("Rounds"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Rounds"))
    rounds = page.get_by_role("table").get_by_role("rowheader")
    expect(rounds).to_have_text([t("Application"), t("Prototype")])
    check(page)

    page.get_by_role("navigation", name=t("Manage the event")).get_by_role(
        "link", name=t("Challenges"), exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Challenges"))
    expect(page.get_by_text(t("This event has no challenge yet."))).to_be_visible()
    check(page)
    page.get_by_label(starts_with(t("Title"))).fill(challenge_title)
    page.get_by_role("button", name=t("Add the challenge")).click()
    page.wait_for_url(re.compile(r"/manage/challenges/[a-z0-9-]+/edit$"))
    expect(page.get_by_role("status")).to_contain_text(t("The challenge is created as a draft: complete it."))
    expect(page.get_by_text(t("The event's dataset catalogue is empty."))).to_be_visible()
    check(page)
    page.get_by_label(t("Sponsors")).fill("Ville de Paris")
    page.get_by_label(t("Problem statement")).fill("Faire **circuler** les vélos là où on les attend.")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(t("The challenge is saved."))
    challenge_edit_url = page.url

    page.goto(f"/events/{slug}/manage/datasets")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Dataset catalogue"))
    check(page)
    page.get_by_label(starts_with(t("Address of the dataset"))).fill(portal(f"/fr/datasets/{UDATA_SLUG}/"))
    page.get_by_role("button", name=t("Import the dataset")).click()
    expect(page.get_by_role("status")).to_contain_text(
        t("“%(title)s” is added to the catalogue.", title=DATASET_TITLE)
    )
    catalogue_table = page.get_by_role("table", name=t("Datasets of this event"))
    expect(catalogue_table.get_by_role("link", name=DATASET_TITLE, exact=True)).to_be_visible()
    expect(catalogue_table.get_by_role("cell", name=LICENCE_SPDX, exact=True)).to_be_visible()
    check(page)
    assert f"/api/1/datasets/{UDATA_SLUG}/" in portal.requests

    page.goto(challenge_edit_url)
    page.get_by_label(t("Offer %(title)s", title=DATASET_TITLE)).check()
    page.get_by_label(t("Primary: %(title)s", title=DATASET_TITLE)).check()
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(t("The challenge is saved."))
    expect(page.get_by_label(t("Offer %(title)s", title=DATASET_TITLE))).to_be_checked()
    check(page)

    page.goto(f"/events/{slug}/manage/challenges")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=challenge_title))
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")  # one dataset offered
    page.get_by_role("button", name=t("Publish %(title)s", title=challenge_title)).click()
    expect(page.get_by_role("status")).to_contain_text(challenge_title)
    expect(page.get_by_role("button", name=t("Unpublish %(title)s", title=challenge_title))).to_be_visible()
    check(page)

    page.get_by_role("navigation", name=t("Manage the event")).get_by_role(
        "link", name=t("Dashboard"), exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Manage %(title)s", title=event_title))
    check(page)
    page.get_by_role("button", name=t("Publish the event")).click()
    expect(page.get_by_role("status")).to_contain_text(t("The event is published: everyone can see it."))
    expect(page.get_by_role("button", name=t("Back to draft"))).to_be_visible()
    check(page)

    # --- an anonymous visitor, in a fresh context ----------------------------------------------
    visitor = new_page(LOCALES[language])
    visitor.goto("/")
    check(visitor)
    visitor.get_by_role("link", name=event_title, exact=True).click()

    visitor.wait_for_url(f"**/events/{slug}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(event_title)
    expect(visitor.get_by_role("table", name=t("Opening and closing dates"))).to_be_visible()
    expect(
        visitor.get_by_text(t("Times are %(city)s time (%(zone)s).", city="Paris", zone="Europe/Paris"))
    ).to_be_visible()
    expect(visitor.get_by_text(t("Next deadline:"))).to_be_visible()
    check(visitor)
    calendar_link = visitor.get_by_role("link", name=t("Add the schedule to your calendar (iCalendar)"))
    calendar = visitor.request.get(calendar_link.get_attribute("href") or "")
    assert calendar.status == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in calendar.text()
    assert event_title in calendar.text()

    visitor.get_by_role("link", name=challenge_title, exact=True).click()
    visitor.wait_for_url(re.compile(r"/events/[^/]+/challenges/[a-z0-9-]+$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(challenge_title)
    expect(visitor.get_by_text(t("Sponsored by %(names)s", names="Ville de Paris"))).to_be_visible()
    check(visitor)
    datasets = visitor.get_by_role("region", name=t("Datasets"))
    expect(datasets.get_by_text(t("primary"), exact=True)).to_be_visible()
    datasets.get_by_role("link", name=DATASET_TITLE, exact=True).click()

    visitor.wait_for_url(re.compile(r"/events/[^/]+/datasets/\d+$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(DATASET_TITLE)
    licence = visitor.get_by_role("definition").filter(has_text=LICENCE_SPDX)
    expect(licence.get_by_role("link", name=LICENCE_TITLE)).to_be_visible()
    expect(licence).to_contain_text(t("SPDX: %(id)s", id=LICENCE_SPDX))
    expect(visitor.get_by_role("heading", name=t("How to credit this data"))).to_be_visible()
    updated = format_date(date(2024, 2, 14), format="d MMMM y", locale=language)
    attribution = t(
        "%(publisher)s – data downloaded from %(portal)s, last updated on %(date)s",
        publisher=PUBLISHER,
        portal="127.0.0.1",
        date=updated,
    )
    expect(visitor.get_by_text(attribution, exact=True)).to_be_visible()
    expect(visitor.get_by_role("link", name=challenge_title, exact=True)).to_be_visible()
    check(visitor)

    visitor.get_by_role("link", name=t("Datasets"), exact=True).click()
    visitor.wait_for_url(re.compile(r"/events/[^/]+/datasets$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(t("Datasets"))
    check(visitor)
    filters = visitor.get_by_role("search", name=t("Filter the datasets"))
    filters.get_by_label(t("Licence"), exact=True).select_option(LICENCE_SPDX)
    filters.get_by_label(t("Challenge"), exact=True).select_option(label=challenge_title)
    filters.get_by_role("button", name=t("Filter")).click()
    visitor.wait_for_url(re.compile(r"/datasets\?.*licence=etalab-2\.0"))
    one_dataset = catalogue(language).ngettext("%(num)s dataset", "%(num)s datasets", 1) % {"num": 1}
    expect(visitor.get_by_role("status")).to_have_text(one_dataset)
    expect(visitor.get_by_role("heading", level=2, name=DATASET_TITLE)).to_be_visible()
    check(visitor)
