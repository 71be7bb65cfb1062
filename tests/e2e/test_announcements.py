"""An organiser posts news in a real browser; the jurors get it by mail, a visitor reads it on the event
page and finds it in the event's Atom feed (named in the page's head). axe-core checks every page."""

from __future__ import annotations

import re
import secrets
import urllib.request

import feedparser
import pytest
from playwright.sync_api import Page, expect

from events.i18n import catalogue
from seeds.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

PROGRAMME = "datacity-paris-2026"
ORGANISER_EMAIL = "organisatrice@demo.hackcity.fr"
JUROR_EMAIL = "jure1@demo.hackcity.fr"


def t(message: str, **values: str) -> str:
    """The French text: the demo organiser reads French (their profile's language)."""
    text = catalogue("fr").gettext(message)
    return text % values if values else text


def starts_with(text: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(text))


def test_organiser_posts_news_that_jurors_receive_and_a_visitor_reads(
    new_page, server, mailbox, assert_accessible
):
    def check(page: Page) -> None:
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert_accessible(page)

    title = f"Demo day : ordre de passage {secrets.token_hex(3)}"
    body = "L'ordre de passage est **publié**.\n\n- équipe A à 14 h\n- équipe B à 14 h 10"

    # --- the organiser ----------------------------------------------------------------------
    page = new_page("fr-FR")
    page.goto("/login")
    page.get_by_label(starts_with(t("Email address"))).fill(ORGANISER_EMAIL)
    page.get_by_label(starts_with(t("Password"))).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=t("Sign in")).click()
    page.wait_for_url("**/account")
    if page.locator("html").get_attribute("lang") != "fr":  # another test may have switched it
        page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    page.goto(f"/events/{PROGRAMME}/manage")
    page.get_by_role("navigation", name=t("Manage the event")).get_by_role(
        "link", name=t("Announcements")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Announcements"))
    check(page)

    # An empty form is refused with the reasons, in the page.
    page.get_by_role("button", name=t("Post the announcement")).click()
    expect(page.get_by_role("alert")).to_contain_text(t("Enter a title."))
    check(page)

    page.get_by_label(starts_with(t("Title"))).fill(title)
    page.get_by_role("textbox", name=starts_with(t("Announcement"))).fill(body)
    page.get_by_label(t("The event's jurors")).check()
    page.get_by_role("button", name=t("Post the announcement")).click()
    expect(page.get_by_role("status")).to_contain_text(
        f"L'annonce «\u00a0{title}\u00a0» est publiée et envoyée à"
    )
    expect(page.get_by_role("row", name=re.compile(re.escape(title)))).to_be_visible()
    check(page)

    mail = mailbox.wait_for(JUROR_EMAIL, f"DataCity Paris 2026\u00a0: {title}")
    link = server.link_in(mail, f"/events/{PROGRAMME}/announcements/")
    assert "vous êtes juré" in mail.get_body(preferencelist=("plain",)).get_content()

    # --- a visitor --------------------------------------------------------------------------
    visitor = new_page("en-GB")
    visitor.goto(f"/events/{PROGRAMME}")
    news = visitor.get_by_role("region", name="News")
    expect(news.get_by_role("link", name=title)).to_be_visible()
    feed_href = visitor.locator('head link[rel="alternate"][type="application/atom+xml"]').get_attribute(
        "href"
    )
    assert feed_href == f"/events/{PROGRAMME}/feed.atom"
    check(visitor)

    news.get_by_role("link", name=title).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
    assert visitor.url == link
    expect(visitor.locator("article strong")).to_have_text("publié")
    check(visitor)

    visitor.get_by_role("link", name="All the news").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("News — DataCity Paris 2026")
    check(visitor)

    with urllib.request.urlopen(server.base_url + feed_href, timeout=10) as response:
        assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
        feed = feedparser.parse(response.read())
    assert feed.bozo == 0
    assert feed.entries[0].title == title
    assert feed.entries[0].link == link
