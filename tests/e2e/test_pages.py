"""Every page in a real browser, in French and English: axe-core, the language switch, the keyboard."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from events.i18n import catalogue
from seeds.demo import DEMO_PASSWORD
from tests.e2e.conftest import open_context

pytestmark = pytest.mark.e2e

LOCALES = {"en": "en-GB", "fr": "fr-FR"}
ADMIN_EMAIL = "admin@demo.hackcity.fr"

# (path, status): what an anonymous visitor can open, errors included.
PUBLIC_PAGES = [
    ("/", 200),
    ("/signup", 200),
    ("/login", 200),
    ("/password/forgot", 200),
    ("/accessibility", 200),
    ("/privacy", 200),
    ("/terms", 200),
    ("/events/datacity-paris-2026", 200),
    ("/events/hackathon-mobilite-lyon-2026", 200),
    ("/events/datacity-paris-2026/challenges/ilots-de-chaleur-cours-ecole", 200),
    ("/events/datacity-paris-2026/datasets", 200),
    ("/events/datacity-paris-2026/datasets?licence=ODbL-1.0&challenge=ilots-de-chaleur-cours-ecole", 200),
    ("/events/datacity-paris-2026/datasets/1", 200),  # the seeds load the Paris catalogue first
    ("/verify/not-a-token", 200),  # the GET only shows the button; the POST checks the token
    ("/password/reset/not-a-token", 400),
    ("/no-such-page", 404),
    ("/events/defi-energie-brouillon", 404),  # a draft, hidden from visitors
]

# Pages behind the admin's sign-in (the demo admin also organises every demo event).
ADMIN_PAGES = [
    "/account",
    "/account/delete",
    "/admin",
    "/admin/events/new",
    "/events/datacity-paris-2026",
    "/events/new",
    "/events/datacity-paris-2026/manage",
    "/events/datacity-paris-2026/manage/edit",
    "/events/datacity-paris-2026/manage/rounds",
    "/events/datacity-paris-2026/manage/challenges",
    "/events/datacity-paris-2026/manage/challenges/ilots-de-chaleur-cours-ecole/edit",
    "/events/datacity-paris-2026/manage/datasets",
    "/events/datacity-paris-2026/manage/datasets/1",
    "/events/datacity-paris-2026/manage/people",
    "/events/datacity-paris-2026/manage/entries?tick=all",  # the selection desk, every row ticked
    "/events/datacity-paris-2026/manage/registrants",
    "/events/datacity-paris-2026/manage/teams",
    "/events/defi-energie-brouillon",
]


def translated(language: str, message: str) -> str:
    return catalogue(language).gettext(message)


def html_lang(page: Page) -> str | None:
    return page.locator("html").get_attribute("lang")


@pytest.fixture(scope="module")
def visitor(browser, server) -> Iterator[Callable[[str], Page]]:
    """One anonymous browser tab per language, shared by the tests that only read pages."""
    contexts: dict[str, BrowserContext] = {}

    def tab(language: str) -> Page:
        if language not in contexts:
            contexts[language] = open_context(browser, server, LOCALES[language])
            contexts[language].new_page()
        return contexts[language].pages[0]

    yield tab
    for context in contexts.values():
        context.close()


@pytest.mark.parametrize("language", LOCALES)
@pytest.mark.parametrize(("path", "status"), PUBLIC_PAGES)
def test_public_page_is_accessible(visitor, assert_accessible, path, status, language):
    page = visitor(language)
    response = page.goto(path)
    assert response is not None
    assert response.status == status
    assert html_lang(page) == language
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert_accessible(page)


@pytest.mark.parametrize("language", LOCALES)
def test_signup_errors_are_accessible(new_page, assert_accessible, language):
    page = new_page(LOCALES[language])
    page.goto("/signup")
    page.get_by_role("button", name=translated(language, "Create my account")).click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading")).to_have_text(translated(language, "Please correct the following:"))
    expect(summary.get_by_role("link")).to_have_count(4)
    assert html_lang(page) == language
    assert_accessible(page)


def test_admin_pages_are_accessible_in_both_languages(page: Page, assert_accessible):
    page.goto("/login")
    page.get_by_label(re.compile(r"^Email address")).fill(ADMIN_EMAIL)
    page.get_by_label(re.compile(r"^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")
    assert html_lang(page) == "fr"  # the demo accounts chose French, whatever the browser says

    for language, switch_to in (("fr", "English"), ("en", "Français")):
        for path in ADMIN_PAGES:
            response = page.goto(path)
            assert response is not None
            assert response.status == 200, path
            assert html_lang(page) == language, path
            assert_accessible(page)
        page.get_by_role("button", name=switch_to).click()


def test_language_switch(page: Page, assert_accessible):
    page.goto("/")
    assert html_lang(page) == "en"
    expect(page.get_by_role("heading", level=1)).to_have_text("Open-data challenges and hackathons")

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.url.endswith("/")
    heading = translated("fr", "Open-data challenges and hackathons")
    assert heading != "Open-data challenges and hackathons", "the French catalogue translates it"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("button", name="Français")).to_have_count(0)
    assert_accessible(page)

    # The choice is remembered from page to page, and the switch comes back to the page it was on.
    page.goto("/login")
    assert html_lang(page) == "fr"
    expect(page.get_by_role("heading", level=1)).to_have_text(translated("fr", "Sign in"))
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)


def test_language_switch_is_saved_in_the_profile(page: Page, sign_up):
    sign_up(page)
    page.get_by_role("button", name="Français").click()
    page.wait_for_url("**/account")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_label(translated("fr", "Language"))).to_have_value("fr")


@pytest.mark.parametrize("path", ["/", "/signup", "/events/datacity-paris-2026"])
def test_skip_link_comes_first_and_shows_on_focus(visitor, path):
    page = visitor("en")
    page.goto(path)
    skip_link = page.get_by_role("link", name="Skip to content")
    box = skip_link.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 0, "hidden off-screen until focused"

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert viewport is not None
    assert 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"]
    assert 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"]
    assert skip_link.evaluate("link => getComputedStyle(link).outlineStyle") != "none"

    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    expect(page.get_by_role("main")).to_be_focused()
