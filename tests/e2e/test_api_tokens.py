"""Personal API tokens in a real browser: the demo organiser makes one on the account page, copies it,
uses it against the running app's API, revokes it, and reads the API's documentation page.
axe-core checks every page on the way."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from seeds.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

ORGANISER_EMAIL = "organisateur@demo.hackcity.fr"
EVENT_TITLE = "Hackathon Mobilités Lyon 2026"
SLUG = "hackathon-mobilite-lyon-2026"


def starts_with(text: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(text))


def api_get(base_url: str, path: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(base_url + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_organiser_makes_uses_and_revokes_a_token(page: Page, server, assert_accessible):
    page.goto("/login")
    page.get_by_label(starts_with("Email address")).fill(ORGANISER_EMAIL)
    page.get_by_label(starts_with("Password")).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")
    if page.locator("html").get_attribute("lang") != "en":
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Personal API tokens")).to_be_visible()
    assert_accessible(page)

    # A mistake first: the form says what to fix, with the field marked.
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_label(starts_with("Name of the token"))).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Enter a name of at most 80 characters.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label(starts_with("Name of the token")).fill("Nightly export")
    page.get_by_label("Event", exact=True).select_option(label=EVENT_TITLE)
    page.get_by_label("Access", exact=True).select_option(label="read only")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_role("status")).to_contain_text("Copy it now: it will not be shown again.")
    token = page.get_by_label("Your new token").input_value()
    assert re.fullmatch(r"hc_[A-Za-z0-9_-]{43}", token)
    expect(page.get_by_role("row", name=re.compile("Nightly export"))).to_contain_text(token[:12] + "…")
    assert_accessible(page)

    status, body = api_get(server.base_url, f"/api/v1/events/{SLUG}/manage/entries", token)
    assert status == 200
    assert len(body["data"]) >= 1

    page.goto("/account")  # the token is never shown again
    expect(page.get_by_label("Your new token")).to_have_count(0)
    page.get_by_role("button", name="Revoke the token “Nightly export”").click()
    expect(page.get_by_role("status")).to_have_text("The token is revoked: it no longer works.")
    expect(page.get_by_role("row", name=re.compile("Nightly export"))).to_contain_text("revoked")
    assert_accessible(page)
    status, body = api_get(server.base_url, f"/api/v1/events/{SLUG}/manage/entries", token)
    assert (status, body["error"]["message"]) == (401, "This API token was revoked.")

    page.get_by_role("contentinfo").get_by_role("link", name="API for developers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("hackcity API")
    expect(page.get_by_role("heading", name="Published and archived events")).to_be_visible()
    assert_accessible(page)
