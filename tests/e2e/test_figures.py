"""Figures and wide tables on a phone, in French and in English: the organiser's dashboard, a jury
session's page and its results draw their figures as images with a name, open their data tables,
keep every wide table in a focusable scroll region (the page itself never scrolls sideways), and
axe-core finds nothing on them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from seeds.demo import DEMO_PASSWORD
from seeds.jury import LYON_JURY

pytestmark = pytest.mark.e2e

ORGANISER_EMAIL = "organisateur@demo.hackcity.fr"  # organises the Lyon hackathon
HACKATHON = "hackathon-mobilite-lyon-2026"  # its final jury is published in the demo
PHONE = {"width": 360, "height": 780}
LANGUAGES = {"fr": ("Tableau des données", "English"), "en": ("Data table", "Français")}


def check_phone_page(
    page: Page, url: str, data_table: str, figures: int, check: Callable[[Page], None]
) -> None:
    page.goto(url)
    drawn = page.locator("svg[role=img].figure__svg")
    expect(drawn).to_have_count(figures) if figures else None
    assert drawn.count() >= 1
    first = drawn.first
    assert first.evaluate("svg => document.getElementById(svg.getAttribute('aria-labelledby')).textContent")
    # The figure's text stays readable: its labels are at least 12 px high on a phone.
    size = page.locator(".figure__label, .figure__value").first.evaluate(
        "t => t.getBoundingClientRect().height"
    )
    assert size >= 12, size
    page.get_by_text(data_table, exact=True).first.click()
    region = page.locator(".figure__data[open] .table-scroll[role=region]").first
    expect(region).to_be_visible()
    assert region.locator("table").evaluate("t => getComputedStyle(t).display") == "table"
    region.focus()
    assert region.evaluate("r => r === document.activeElement")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    check(page)


def test_figures_and_tables_on_a_phone_in_both_languages(new_page, assert_accessible):
    page = new_page("fr-FR")
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.locator("#f-email").fill(ORGANISER_EMAIL)
    page.locator("#f-password").fill(DEMO_PASSWORD)
    page.locator("main form[action='/login'] button[type=submit]").click()
    page.wait_for_url("**/account")
    if page.locator("html").get_attribute("lang") != "fr":  # another test may have switched it
        page.locator(".lang-switch button[value=fr]").click()
    page.goto(f"/events/{HACKATHON}/manage/juries")
    page.get_by_role("link", name=LYON_JURY, exact=True).click()
    session_url = page.url

    for language in ("fr", "en"):
        data_table, other = LANGUAGES[language]
        expect(page.locator("html")).to_have_attribute("lang", language)
        check_phone_page(page, f"/events/{HACKATHON}/manage", data_table, 4, assert_accessible)
        check_phone_page(page, session_url, data_table, 1, assert_accessible)
        check_phone_page(page, f"{session_url}/results", data_table, 0, assert_accessible)
        page.get_by_role("button", name=other).click()  # English, then back to French for the next tests
    expect(page.locator("html")).to_have_attribute("lang", "fr")
