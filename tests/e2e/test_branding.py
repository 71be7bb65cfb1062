"""The identity in a real browser: the demo admin gives the instance a name, colours and a logo; the
Lyon hackathon's organiser adds a cover image and two sponsors' logos; the public page shows them
(images with their alternative text, the main colour in the header) and axe-core finds nothing on
it in English and in French. The instance's settings are put back at the end (the server is shared)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from seeds.demo import DEMO_PASSWORD
from tests import images

pytestmark = pytest.mark.e2e

ADMIN_EMAIL = "admin@demo.hackcity.fr"
ORGANISER_EMAIL = "organisateur@demo.hackcity.fr"
SLUG = "hackathon-mobilite-lyon-2026"


def starts_with(text: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(text))


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label(starts_with("Email address")).fill(email)
    page.get_by_label(starts_with("Password")).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")
    if page.locator("html").get_attribute("lang") != "en":
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def image(name: str, data: bytes, mime: str = "image/png") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_admin_and_organiser_give_the_event_page_its_look(new_page, assert_accessible):
    admin = new_page()
    sign_in(admin, ADMIN_EMAIL)
    admin.goto("/admin/settings")
    try:
        admin.get_by_label("Name of the site").fill("Lyon Data")
        admin.get_by_label(starts_with("Main colour")).fill("#fff200")  # too light: refused
        admin.get_by_role("button", name="Save the settings").click()
        expect(admin.get_by_text(re.compile(r"contrast ratio of 1\.\d+:1")).first).to_be_visible()
        admin.get_by_label(starts_with("Main colour")).fill("#0b5d1e")
        admin.get_by_label(starts_with("Accent colour")).fill("#8a1538")
        admin.get_by_role("button", name="Save the settings").click()
        expect(admin.get_by_role("status")).to_contain_text("The settings are saved.")
        admin.get_by_label(starts_with("Logo image")).set_input_files(image("logo.png", images.png(240, 80)))
        admin.get_by_role("button", name="Upload the logo").click()
        expect(admin.get_by_role("status")).to_contain_text("The logo is saved.")
        expect(admin.locator(".brand img")).to_be_visible()
        assert_accessible(admin)

        organiser = new_page()
        sign_in(organiser, ORGANISER_EMAIL)
        organiser.goto(f"/events/{SLUG}/manage/images")
        expect(organiser.get_by_role("heading", level=1)).to_have_text("Images and sponsors")
        organiser.get_by_role("button", name="Cover image (required)").set_input_files(
            image("cover.jpg", images.jpeg(1600, 500), "image/jpeg")
        )
        organiser.get_by_role("button", name="Upload the cover image").click()
        expect(organiser.get_by_role("status")).to_contain_text("The cover image is saved.")
        for name, position in (("Métropole de Lyon", "1"), ("SNCF Connect", "2")):
            organiser.get_by_label(starts_with("Organisation's name")).fill(name)
            organiser.get_by_label(starts_with("Web address")).fill("https://example.org/")
            organiser.get_by_label(starts_with("Order")).fill(position)
            organiser.get_by_role("button", name="Logo (required)").set_input_files(
                image("sponsor.png", images.png(300, 100))
            )
            organiser.get_by_role("button", name="Add the logo").click()
            expect(organiser.get_by_role("status")).to_contain_text("The logo is added.")
        assert_accessible(organiser)

        visitor = new_page()
        visitor.goto(f"/events/{SLUG}")
        expect(visitor.locator("img.cover")).to_be_visible()
        sponsors = visitor.get_by_role("region", name="With the support of").get_by_role("img")
        expect(sponsors).to_have_count(2)
        expect(sponsors.nth(0)).to_have_attribute("alt", "Métropole de Lyon")
        expect(sponsors.nth(1)).to_have_attribute("alt", "SNCF Connect")
        expect(visitor.get_by_role("link", name="Métropole de Lyon")).to_have_attribute(
            "href", "https://example.org/"
        )
        expect(visitor.locator(".site-header")).to_have_css("background-color", "rgb(11, 93, 30)")
        expect(visitor.locator(".brand")).to_contain_text("Lyon Data")
        expect(visitor).to_have_title(re.compile(r"· Lyon Data$"))
        assert_accessible(visitor)
        visitor.get_by_role("button", name="Français").click()
        expect(visitor.locator("html")).to_have_attribute("lang", "fr")
        expect(visitor.get_by_role("region", name="Avec le soutien de").get_by_role("img")).to_have_count(2)
        assert_accessible(visitor)
    finally:  # the server is shared with the other browser tests: its look goes back to the default
        admin.goto("/admin/settings")
        for field in ("Name of the site", "Main colour", "Accent colour"):
            admin.get_by_label(starts_with(field)).fill("")
        admin.get_by_role("button", name="Save the settings").click()
        if admin.get_by_role("button", name="Remove the logo").count():
            admin.get_by_role("button", name="Remove the logo").click()
        # and the demo admin's language goes back to French, as the other tests expect
        admin.get_by_role("button", name="Français").click()
        expect(admin.locator("html")).to_have_attribute("lang", "fr")
