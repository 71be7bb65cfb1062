"""Open data out, end to end in a real browser, as the Lyon organiser connects hackcity to the rest of
their tools: a personal API token made on the account page imports a dataset from the local udata
portal through the API; a webhook registered for the local receiver; an announcement that shows in
the event's Atom feed and reaches the receiver as a signed delivery the receiver verifies; and the
reuse of an awarded prototype published to the local portal, then listed on the dataset's page.
axe-core checks every page on the way.

The demo's entries declare no dataset of the local portal, and the hackathon's entries are closed
to changes: the test declares the imported dataset on one entry in the server's database, as its
team would have done during the hackathon.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import urllib.request

import feedparser
import pytest
from playwright.sync_api import Page, expect

from seeds.demo import DEMO_PASSWORD
from tests.portal_server import UDATA_API_KEY, UDATA_ID
from tests.webhook_receiver import webhook_receiver, webhook_receiver_server

__all__ = ["webhook_receiver", "webhook_receiver_server"]  # the fixtures, imported to be used here
pytestmark = pytest.mark.e2e

ORGANISER_EMAIL = "organisateur@demo.hackcity.fr"
EVENT_TITLE = "Hackathon Mobilités Lyon 2026"
SLUG = "hackathon-mobilite-lyon-2026"


def starts_with(text: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(text))


def api_post(base_url: str, path: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as answer:
        return answer.status, json.loads(answer.read())["data"]


def declare_dataset(server, dataset_id: int) -> tuple[int, str]:
    """One gallery entry of the hackathon declares the dataset (in the server's database)."""
    database = sqlite3.connect(server.log_path.parent / "e2e.sqlite3", timeout=10)
    try:
        entry_id, title = database.execute(
            "SELECT entry.id, entry.title FROM entry JOIN event ON event.id = entry.event_id "
            "WHERE event.slug = ? AND entry.status = 'submitted' ORDER BY entry.id LIMIT 1",
            [SLUG],
        ).fetchone()
        with database:
            database.execute(
                "INSERT INTO entry_dataset (entry_id, dataset_id, note) VALUES (?, ?, ?)",
                [entry_id, dataset_id, "Station availability every minute"],
            )
    finally:
        database.close()
    return entry_id, title


def test_token_webhook_announcement_and_reuse_chain(
    page: Page, server, portal, webhook_receiver, assert_accessible
):
    def check() -> None:
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert_accessible(page)

    page.goto("/login")
    page.get_by_label(starts_with("Email address")).fill(ORGANISER_EMAIL)
    page.get_by_label(starts_with("Password")).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")
    if page.locator("html").get_attribute("lang") != "en":
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # --- a read-and-write token, used by a script to import a dataset -----------------------------
    page.get_by_label(starts_with("Name of the token")).fill("Portal sync")
    page.get_by_label("Event", exact=True).select_option(label=EVENT_TITLE)
    page.get_by_label("Access", exact=True).select_option(label="read and write")
    page.get_by_role("button", name="Make the token").click()
    token = page.get_by_label("Your new token").input_value()
    check()
    status, dataset = api_post(
        server.base_url,
        f"/api/v1/events/{SLUG}/manage/datasets",
        token,
        {"url": portal.url + f"/api/1/datasets/{UDATA_ID}/"},
    )
    assert status == 201
    assert dataset["title"].startswith("Vélib'")
    entry_id, entry_title = declare_dataset(server, dataset["id"])

    # --- a webhook for the local receiver ---------------------------------------------------------
    page.goto(f"/events/{SLUG}/manage")
    page.get_by_role("navigation", name="Manage the event").get_by_role("link", name="Webhooks").click()
    page.get_by_label(starts_with("Address that receives the news")).fill(webhook_receiver.url("/news"))
    page.get_by_role("button", name="Register the webhook").click()
    secret = page.get_by_label("Signing secret").input_value()
    check()

    # --- an announcement: in the feed, and delivered signed to the receiver -----------------------
    title = f"Results ceremony {secrets.token_hex(3)}"
    page.get_by_role("navigation", name="Manage the event").get_by_role("link", name="Announcements").click()
    page.get_by_label(starts_with("Title")).fill(title)
    page.get_by_role("textbox", name=starts_with("Announcement")).fill("The **awards** are given at 18:00.")
    page.get_by_role("button", name="Post the announcement").click()
    expect(page.get_by_role("row", name=re.compile(re.escape(title)))).to_be_visible()
    check()

    with urllib.request.urlopen(f"{server.base_url}/events/{SLUG}/feed.atom", timeout=10) as answer:
        feed = feedparser.parse(answer.read())
    assert not feed.bozo
    assert feed.entries[0].title == title

    (delivery,) = webhook_receiver.wait_for(1, timeout=20)
    assert delivery.path == "/news"
    assert delivery.headers["hackcity-event"] == "announcement.posted"
    assert delivery.verifies(secret)
    assert not delivery.verifies(secret + "x")
    assert delivery.json["data"]["announcement"]["title"] == title
    page.get_by_role("navigation", name="Manage the event").get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name=webhook_receiver.url("/news"), exact=True).click()
    row = page.get_by_role("row", name=re.compile("announcement", re.IGNORECASE)).first
    expect(row).to_contain_text("delivered")
    expect(row).to_contain_text("HTTP 200")
    check()

    # --- the prototype's reuse, published to the local portal --------------------------------------
    page.goto(f"/events/{SLUG}/manage/entries/{entry_id}/reuse")
    record = json.loads(page.get_by_label("Reuse record in udata's schema (JSON), to copy").input_value())
    assert record["datasets"] == [{"class": "Dataset", "id": UDATA_ID}]
    page.get_by_label(starts_with("Address of the udata portal")).fill(portal.url)
    page.get_by_label(starts_with("API key")).fill(UDATA_API_KEY)
    page.get_by_role("button", name="Publish to the portal").click()
    expect(page.get_by_role("link", name="See the reuse on 127.0.0.1")).to_be_visible()
    check()
    [published] = [r for r in portal.received if r["method"] == "POST" and r["path"] == "/api/1/reuses/"]
    assert published["headers"]["x-api-key"] == UDATA_API_KEY
    assert published["json"]["title"] == entry_title
    assert published["json"]["datasets"] == [{"class": "Dataset", "id": UDATA_ID}]

    # The dataset's public page lists the reuse.
    page.goto(f"/events/{SLUG}/datasets/{dataset['id']}")
    expect(page.get_by_role("link", name=re.compile(re.escape(entry_title))).first).to_be_visible()
    check()
