"""Webhooks in a real browser: the demo organiser registers one for the local receiver, copies its secret,
sends a test and reads "delivered, HTTP 200" in the log; the receiver checks the signature as
docs/WEBHOOKS.md says. axe-core checks every page on the way, and nothing needs JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from seeds.demo import DEMO_PASSWORD
from tests.webhook_receiver import webhook_receiver, webhook_receiver_server

__all__ = ["webhook_receiver", "webhook_receiver_server"]  # the fixtures, imported to be used here
pytestmark = pytest.mark.e2e

ORGANISER_EMAIL = "organisateur@demo.hackcity.fr"
SLUG = "hackathon-mobilite-lyon-2026"


def starts_with(text: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(text))


def test_organiser_registers_a_webhook_and_sends_a_test(
    page: Page, server, webhook_receiver, assert_accessible
):
    page.goto("/login")
    page.get_by_label(starts_with("Email address")).fill(ORGANISER_EMAIL)
    page.get_by_label(starts_with("Password")).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")
    if page.locator("html").get_attribute("lang") != "en":
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"/events/{SLUG}/manage")
    page.get_by_role("navigation", name="Manage the event").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    assert_accessible(page)

    # A private address first: refused on its field, what was typed kept.
    address = page.get_by_label(starts_with("Address that receives the news"))
    address.fill("http://169.254.169.254/latest/")
    page.get_by_role("button", name="Register the webhook").click()
    expect(address).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("webhooks are sent to public addresses only.").first).to_be_visible()
    assert_accessible(page)

    address.fill(webhook_receiver.url("/hackcity"))
    page.get_by_label(re.compile("A jury session is locked")).uncheck()
    page.get_by_role("button", name="Register the webhook").click()
    expect(page.get_by_text("Copy its secret now: it will not be shown again.")).to_be_visible()
    secret = page.get_by_label("Signing secret").input_value()
    assert re.fullmatch(r"whsec_[A-Za-z0-9_-]{43}", secret)
    assert_accessible(page)

    page.get_by_role("link", name="Open the webhook to send a test").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook")
    expect(page.get_by_label("Signing secret")).to_have_count(0)  # never shown again
    assert_accessible(page)

    page.get_by_role("button", name="Send a test").click()
    expect(page.get_by_role("status")).to_contain_text("Delivered: the receiver answered HTTP 200")
    row = page.get_by_role("row", name=re.compile("^.*Test"))
    expect(row).to_contain_text("delivered")
    expect(row).to_contain_text("HTTP 200")
    assert_accessible(page)

    (ping,) = webhook_receiver.wait_for(1)
    assert ping.path == "/hackcity"
    assert ping.headers["hackcity-event"] == "ping"
    assert ping.verifies(secret)
    assert ping.json["event"]["url"] == f"{server.base_url}/events/{SLUG}"
