"""What the pages look like where HTML cannot tell: computed styles in a real browser.

- A secondary button ("Back to draft") and a danger button look like what they are, not like the
  primary action (`button.button` used to win over the variants on a <button>).
- A gallery card's title sits at the top of its card, under the card's padding only.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from seeds.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

ORGANISER_EMAIL = "organisatrice@demo.hackcity.fr"
WHITE = "rgb(255, 255, 255)"
BRAND = "rgb(31, 58, 147)"  # --brand
ACCENT = "rgb(164, 0, 29)"  # --accent


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(DEMO_PASSWORD)
    page.locator("main form[action='/login'] button[type=submit]").click()
    page.wait_for_url("**/account")


def background(page: Page, selector: str) -> str:
    return page.locator(selector).evaluate("element => getComputedStyle(element).backgroundColor")


def test_back_to_draft_and_danger_buttons_do_not_look_like_the_primary_action(page: Page):
    sign_in(page, ORGANISER_EMAIL)

    page.goto("/events/datacity-paris-2026/manage")  # published: its status button sends it back to draft
    back_to_draft = background(page, "form[action$='/manage/status'] button[value='draft']")
    page.goto("/events/defi-energie-brouillon/manage")  # a draft: the primary action publishes it
    publish = background(page, "form[action$='/manage/status'] button[value='published']")
    page.goto("/account/delete")
    delete = background(page, "main form button.button--danger")

    assert publish == BRAND
    assert back_to_draft == WHITE
    assert delete == ACCENT


def test_a_gallery_cards_title_starts_under_its_padding(page: Page):
    page.goto("/events/hackathon-mobilite-lyon-2026/gallery")
    card = page.locator(".cards .card").first
    title = card.locator("h2")

    card_box, title_box = card.bounding_box(), title.bounding_box()
    inset = card.evaluate(
        "card => { const style = getComputedStyle(card);"
        " return parseFloat(style.borderTopWidth) + parseFloat(style.paddingTop); }"
    )

    assert card_box is not None and title_box is not None
    assert abs((title_box["y"] - card_box["y"]) - inset) < 1
