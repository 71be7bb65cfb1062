"""The rules of taking part, as the demo shows them in a real browser (French, the demo's language).

- equipe-g's team was not selected in DataCity Paris: its entries page says why it cannot start a
  prototype, and offers no start button.
- The LogiSeine delivery data is restricted: an anonymous visitor reads its description and terms
  but never its addresses; a member of a selected team accepts the terms and then sees the files.
axe-core checks every page on the way.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from events.i18n import catalogue
from seeds.catalogue import PARIS_CATALOGUE
from seeds.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

LANGUAGE = "fr"
EVENT = "datacity-paris-2026"
RESTRICTED = next(spec for spec in PARIS_CATALOGUE if spec.restricted_terms)
RESTRICTED_ADDRESSES = [RESTRICTED.extra["landing_url"], *(file.url for file in RESTRICTED.files)]


def t(message: str, **values: str) -> str:
    text = catalogue(LANGUAGE).gettext(message)
    return text % values if values else text


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label(re.compile("^" + re.escape(t("Email address")))).fill(email)
    page.get_by_label(re.compile("^" + re.escape(t("Password")))).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=t("Sign in")).click()
    page.wait_for_url("**/account")


def test_a_team_not_selected_reads_why_it_cannot_start_a_prototype(new_page, assert_accessible):
    page = new_page("fr-FR")
    sign_in(page, "equipe-g@demo.hackcity.fr")

    page.goto(f"/events/{EVENT}/team/entries")

    expect(page.get_by_role("heading", level=1)).to_have_text(t("Your team's entries"))
    prototype = (
        page.get_by_role("table", name=t("Entries by round and challenge"))
        .get_by_role("row")
        .filter(has_text="Prototype")
    )
    expect(prototype).to_contain_text(
        t(
            "Your team was not selected in the round %(previous)s: "
            "only the selected teams enter the round %(round)s.",
            previous="Candidature",
            round="Prototype",
        )
    )
    expect(page.get_by_role("button", name=t("Start the entry"))).to_have_count(0)
    assert_accessible(page)


def test_a_restricted_dataset_shows_its_addresses_only_after_the_terms_are_accepted(
    new_page, assert_accessible
):
    visitor = new_page("fr-FR")
    visitor.goto(f"/events/{EVENT}/datasets")
    visitor.get_by_role("link", name=RESTRICTED.title, exact=True).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(RESTRICTED.title)
    dataset_url = visitor.url
    expect(visitor.get_by_role("heading", name=t("Terms of use"), level=3)).to_be_visible()
    content = visitor.content()
    assert [address for address in RESTRICTED_ADDRESSES if address in content] == []
    assert_accessible(visitor)

    member = new_page("fr-FR")
    sign_in(member, "equipe-b@demo.hackcity.fr")  # her team is selected on the LogiSeine challenge
    member.goto(dataset_url)
    accept = member.get_by_role("button", name=t("Accept these terms for my team"))
    if accept.count():  # a previous run on the same server may have accepted already
        assert [address for address in RESTRICTED_ADDRESSES if address in member.content()] == []
        accept.click()
        expect(member.get_by_role("status")).to_have_text(
            t("Your team accepted the terms: the files are shown below.")
        )
    for file in RESTRICTED.files:
        expect(member.get_by_role("link", name=file.title)).to_have_attribute("href", file.url)
    assert_accessible(member)
