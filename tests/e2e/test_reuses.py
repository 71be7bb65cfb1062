"""An organiser reads a prototype's reuse record for a portal in a real browser, changes its type, and
meets a refusal of the publish form, each page checked by axe-core. Publishing to the local fake udata
is tested over HTTP in tests/routes/test_reuses.py."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from events.i18n import catalogue
from seeds.demo import DEMO_PASSWORD
from tests.portal_server import UDATA_API_KEY

pytestmark = pytest.mark.e2e

HACKATHON = "hackathon-mobilite-lyon-2026"  # its gallery is open in the demo
ORGANISER_EMAIL = "organisateur@demo.hackcity.fr"


def t(message: str, **values: str) -> str:
    """The French text: the demo organiser reads French (their profile's language)."""
    text = catalogue("fr").gettext(message)
    return text % values if values else text


def starts_with(text: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(text))


def test_organiser_reads_and_adjusts_a_reuse_record(new_page, portal, assert_accessible):
    def check(page: Page) -> None:
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert_accessible(page)

    page = new_page("fr-FR")
    page.goto("/login")
    page.get_by_label(starts_with(t("Email address"))).fill(ORGANISER_EMAIL)
    page.get_by_label(starts_with(t("Password"))).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=t("Sign in")).click()
    page.wait_for_url("**/account")
    if page.locator("html").get_attribute("lang") != "fr":  # another test may have switched it
        page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    page.goto(f"/events/{HACKATHON}/manage")
    page.get_by_role("navigation", name=t("Manage the event")).get_by_role("link", name=t("Reuses")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Reuses on open-data portals"))
    check(page)

    # The link names the entry: match the words before its title (quotes and spaces aside).
    prefix = t("Reuse record of “%(title)s”", title="\0").split("\0")[0].rstrip(" \u00a0«“")
    page.get_by_role("link", name=starts_with(prefix)).first.click()
    check(page)
    record = page.get_by_label(t("Reuse record in udata's schema (JSON), to copy"))
    first = json.loads(record.input_value())
    assert first["type"] == "application" and first["topic"] == "others"
    assert first["tags"][0] == "hackcity" and HACKATHON in first["tags"]

    # The organiser files it as a visualisation about mobility: the record follows, without script.
    page.get_by_label(t("Type of reuse")).select_option("visualization")
    page.get_by_label(t("Topic")).select_option("transport_and_mobility")
    page.get_by_role("button", name=t("Update the record")).click()
    adjusted = json.loads(
        page.get_by_label(t("Reuse record in udata's schema (JSON), to copy")).input_value()
    )
    assert (adjusted["type"], adjusted["topic"]) == ("visualization", "transport_and_mobility")
    assert adjusted["url"] == first["url"]
    check(page)

    # The local portal holds none of the demo's datasets: the publish form says so, nothing is sent.
    page.get_by_label(starts_with(t("Address of the udata portal"))).fill(portal.url)
    page.get_by_label(starts_with(t("API key"))).fill(UDATA_API_KEY)
    page.get_by_role("button", name=t("Publish to the portal")).click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(
        t(
            "None of this entry's datasets can be linked on this portal: udata hides a reuse without "
            "datasets. Choose the portal its datasets come from."
        )
    )
    expect(page.get_by_label(starts_with(t("API key")))).to_have_value("")
    assert portal.received == []
    check(page)
