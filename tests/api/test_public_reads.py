"""The public reads of the JSON API: what the public pages show, a page at a time, cacheable, open
to other sites (docs/SECURITY.md, "The API")."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest

from events.models import (
    Challenge,
    ChallengeStatus,
    Dataset,
    Entry,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    GalleryMode,
    PortalKind,
    Role,
    Round,
    Team,
    TeamMember,
    User,
)
from seeds.demo import load_demo
from tests.helpers import make_user, sign_in

LYON = "hackathon-mobilite-lyon-2026"
PARIS = "datacity-paris-2026"
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


async def walk(client, url: str, **headers) -> tuple[list[dict], list[str]]:
    """Every item of a list, following `next`; and the addresses followed."""
    items: list[dict] = []
    followed: list[str] = []
    while url:
        answer = await client.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["data"]
        url = body["next"]
        if url:
            assert answer.headers["link"] == f'<{url}>; rel="next"'
            followed.append(url)
            url = url.removeprefix("http://testserver")
        else:
            assert "link" not in answer.headers
    return items, followed


async def _events(listed: int, drafts: int) -> list[Event]:
    made = []
    for number in range(listed + drafts):
        status = EventStatus.DRAFT if number >= listed else EventStatus.PUBLISHED
        if number == 1:
            status = EventStatus.ARCHIVED
        made.append(await Event.create(slug=f"event-{number}", title=f"Event {number}", status=status))
    return made


# --- pages ------------------------------------------------------------------------------------------


async def test_events_come_in_pages_without_duplicates_or_gaps_and_never_a_draft(client):
    made = await _events(listed=7, drafts=2)

    items, followed = await walk(client, "/api/v1/events?limit=3")

    assert len(followed) == 2  # 3 + 3 + 1
    assert [item["slug"] for item in items] == [f"event-{n}" for n in range(7)]
    assert {item["status"] for item in items} == {"published", "archived"}
    drafts = {e.slug for e in made if e.status == EventStatus.DRAFT}
    assert len(drafts) == 2
    assert drafts.isdisjoint(item["slug"] for item in items)


async def test_a_row_added_between_two_pages_is_neither_repeated_nor_skipped(client):
    await _events(listed=4, drafts=0)
    first = (await client.get("/api/v1/events?limit=2")).json()
    await Event.create(slug="event-late", title="Late", status=EventStatus.PUBLISHED)

    rest, _followed = await walk(client, first["next"].removeprefix("http://testserver"))

    slugs = [item["slug"] for item in first["data"] + rest]
    assert slugs == ["event-0", "event-1", "event-2", "event-3", "event-late"]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "١", "1.5", "9" * 5000, ""])
async def test_a_limit_out_of_bounds_is_a_400_that_names_it(client, limit):
    await _events(listed=1, drafts=0)

    answer = await client.get("/api/v1/events", params={"limit": limit})

    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "error": {
            "status": 400,
            "message": "Enter a whole number from 1 to 100.",
            "fields": {"limit": "Enter a whole number from 1 to 100."},
        }
    }


async def test_the_largest_limit_is_a_hundred(client):
    await _events(listed=3, drafts=0)

    answer = await client.get("/api/v1/events?limit=100")

    assert answer.status_code == 200
    assert len(answer.json()["data"]) == 3


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        base64.urlsafe_b64encode(b"after:-1").decode(),
        base64.urlsafe_b64encode(b"after:99999999999").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "é",
        "x" * 65,
        "",
    ],
)
async def test_a_cursor_we_did_not_make_is_a_400(client, cursor):
    await _events(listed=2, drafts=0)

    answer = await client.get("/api/v1/events", params={"cursor": cursor})

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {
        "cursor": "This cursor is not valid: follow the `next` address of the previous page."
    }


# --- caching and CORS -------------------------------------------------------------------------------


async def test_an_etag_answers_304_until_the_data_changes(client):
    [event] = await _events(listed=1, drafts=0)
    first = await client.get(f"/api/v1/events/{event.slug}")
    etag = first.headers["etag"]

    same = await client.get(f"/api/v1/events/{event.slug}", headers={"If-None-Match": etag})
    weak = await client.get(f"/api/v1/events/{event.slug}", headers={"If-None-Match": f'"other", W/{etag}'})
    await Event.filter(id=event.id).update(title="Renamed")
    changed = await client.get(f"/api/v1/events/{event.slug}", headers={"If-None-Match": etag})

    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=60"
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", etag)
    assert same.headers["access-control-allow-origin"] == "*"
    assert weak.status_code == 304
    assert changed.status_code == 200
    assert changed.json()["data"]["title"] == "Renamed"
    assert changed.headers["etag"] != etag


async def test_public_reads_are_open_to_other_sites_with_their_preflight(client):
    [event] = await _events(listed=1, drafts=0)

    read = await client.get(
        f"/api/v1/events/{event.slug}/rounds", headers={"Origin": "https://elsewhere.example"}
    )
    missing = await client.get("/api/v1/events/no-such-event")
    preflight = await client.options(
        f"/api/v1/events/{event.slug}/rounds",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )

    assert read.status_code == 200
    assert read.headers["access-control-allow-origin"] == "*"
    assert "ETag" in read.headers["access-control-expose-headers"]
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == "*"
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in preflight.headers["access-control-allow-headers"]


# --- what is shown ----------------------------------------------------------------------------------


async def test_a_draft_event_is_404_even_to_its_signed_in_organiser(client):
    draft = await Event.create(slug="secret-draft", title="Secret", status=EventStatus.DRAFT)
    organiser = await make_user("draft-organiser@example.org")
    await EventRole.create(event=draft, user=organiser, role=Role.ORGANISER)
    await Round.create(event=draft, name="Round")
    await sign_in(client, organiser.email)
    assert (await client.get("/events/secret-draft")).status_code == 200  # the page, with the cookie

    for path in ("", "/rounds", "/challenges", "/datasets", "/teams", "/entries", "/results", "/awards"):
        answer = await client.get(f"/api/v1/events/secret-draft{path}")
        assert answer.status_code == 404, path
        assert answer.json()["error"]["status"] == 404
    listed = (await client.get("/api/v1/events")).json()["data"]
    assert listed == []


async def test_only_published_challenges_are_listed(client):
    [event] = await _events(listed=1, drafts=0)
    shown = await Challenge.create(event=event, slug="open", title="Open", status=ChallengeStatus.PUBLISHED)
    for status in (ChallengeStatus.DRAFT, ChallengeStatus.PROPOSED, ChallengeStatus.REJECTED):
        await Challenge.create(event=event, slug=f"c-{status}", title=str(status), status=status)
    dataset = await Dataset.create(event=event, title="Trees")
    await shown.dataset_links.create(dataset=dataset, is_primary=True)

    listed = (await client.get(f"/api/v1/events/{event.slug}/challenges")).json()["data"]
    one = await client.get(f"/api/v1/events/{event.slug}/challenges/open")
    hidden = await client.get(f"/api/v1/events/{event.slug}/challenges/c-draft")

    assert [c["slug"] for c in listed] == ["open"]
    assert listed[0]["dataset_ids"] == [dataset.id]
    assert listed[0]["primary_dataset_id"] == dataset.id
    assert one.json()["data"]["url"] == f"http://testserver/events/{event.slug}/challenges/open"
    assert hidden.status_code == 404


async def test_a_restricted_dataset_keeps_its_addresses_to_itself(client):
    [event] = await _events(listed=1, drafts=0)
    fields = {
        "event": event,
        "portal_kind": PortalKind.UDATA,
        "portal_url": "https://data.example.org",
        "landing_url": "https://data.example.org/datasets/fiscal",
        "api_url": "https://data.example.org/api/1/datasets/fiscal/",
        "source_url": "https://data.example.org/datasets/fiscal",
        "publisher": "DGFiP",
        "licence_spdx": "etalab-2.0",
        "resources": [
            {"title": "fiscal.csv", "format": "csv", "url": "https://files.example.org/fiscal.csv"}
        ],
    }
    secret = await Dataset.create(
        title="Fichier fiscal", remote_id="r1", restricted=True, restricted_terms="Sign first.", **fields
    )
    open_one = await Dataset.create(title="Arbres", remote_id="r2", **fields)
    # An organiser's cookie changes nothing: the API never reads it.
    organiser = await make_user("cat-organiser@example.org")
    await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    await sign_in(client, organiser.email)

    listed = (await client.get(f"/api/v1/events/{event.slug}/datasets")).json()["data"]
    one = (await client.get(f"/api/v1/events/{event.slug}/datasets/{secret.id}")).json()["data"]

    assert [d["id"] for d in listed] == [secret.id, open_one.id]
    assert listed[0] == one
    assert one["restricted"] is True
    assert one["addresses_withheld"] is True
    assert one["terms"] == "Sign first."
    for name in ("portal_url", "landing_url", "api_url", "source_url", "remote_id"):
        assert one[name] is None, name
    assert one["resources"] == []
    assert "example.org" not in str(one)
    assert one["attribution"] == "DGFiP"
    shown = listed[1]
    assert shown["addresses_withheld"] is False
    assert shown["landing_url"] == "https://data.example.org/datasets/fiscal"
    assert shown["resources"][0]["url"] == "https://files.example.org/fiscal.csv"
    assert shown["attribution"] == "DGFiP – data downloaded from data.example.org"
    assert shown["licence"]["spdx"] == "etalab-2.0"


async def _gallery_world(gallery: GalleryMode):
    event = await Event.create(
        slug="gallery-event", title="Gallery", status=EventStatus.PUBLISHED, gallery=gallery
    )
    first = await Round.create(event=event, position=1, name="Application")
    last = await Round.create(event=event, position=2, name="Prototype")
    challenge = await Challenge.create(event=event, slug="c", title="C", status=ChallengeStatus.PUBLISHED)
    public = await make_user("public-name@example.org", name="Ada Public", opt_in_publish_name=True)
    private = await make_user("private-name@example.org", name="Bob Private")
    team = await Team.create(event=event, name="Team", name_key="team", invite_token_hash="t" * 64)
    await TeamMember.create(team=team, event=event, user=public, is_captain=True)
    await TeamMember.create(team=team, event=event, user=private)
    submitted = await Entry.create(
        event=event,
        team=team,
        round=last,
        challenge=challenge,
        title="Shown",
        status=EntryStatus.SUBMITTED,
        repository_url="javascript:alert(1)",
        demo_url="https://demo.example.org",
    )
    other_team = await Team.create(event=event, name="Other", name_key="other", invite_token_hash="o" * 64)
    draft = await Entry.create(event=event, team=other_team, round=last, challenge=challenge, title="Draft")
    application = await Entry.create(
        event=event,
        team=team,
        round=first,
        challenge=challenge,
        title="Application",
        status=EntryStatus.SUBMITTED,
    )
    return event, submitted, draft, application


async def test_the_gallery_shows_the_last_rounds_submitted_entries_once_public(client):
    event, submitted, draft, application = await _gallery_world(GalleryMode.OPEN)

    listed = (await client.get(f"/api/v1/events/{event.slug}/entries")).json()["data"]
    shown = await client.get(f"/api/v1/events/{event.slug}/entries/{submitted.id}")
    answers = [await client.get(f"/api/v1/events/{event.slug}/entries/{e.id}") for e in (draft, application)]

    assert [e["id"] for e in listed] == [submitted.id]
    entry = shown.json()["data"]
    assert entry == listed[0]
    assert entry["members"] == ["Ada Public"]
    assert entry["hidden_members"] == 1
    assert entry["repository_url"] is None  # not a web address: never handed on as a link
    assert entry["demo_url"] == "https://demo.example.org"
    assert entry["round"] == {"id": submitted.round_id, "name": "Prototype"}
    assert [a.status_code for a in answers] == [404, 404]


async def test_a_closed_gallery_lists_nothing_and_shows_no_entry(client):
    event, submitted, _draft, _application = await _gallery_world(GalleryMode.CLOSED)

    listed = await client.get(f"/api/v1/events/{event.slug}/entries")
    one = await client.get(f"/api/v1/events/{event.slug}/entries/{submitted.id}")
    shown = (await client.get(f"/api/v1/events/{event.slug}")).json()["data"]

    assert listed.status_code == 200
    assert listed.json() == {"data": [], "next": None}
    assert one.status_code == 404
    assert shown["gallery_public"] is False


async def test_teams_name_only_the_members_who_chose_to_publish_their_name(client):
    event, *_entries = await _gallery_world(GalleryMode.CLOSED)

    teams = (await client.get(f"/api/v1/events/{event.slug}/teams")).json()["data"]

    assert [(t["name"], t["size"], t["members"]) for t in teams] == [
        ("Team", 2, ["Ada Public"]),
        ("Other", 0, []),
    ]
    assert "Bob Private" not in str(teams)


async def test_results_and_awards_are_those_of_published_sessions_only(client):
    await load_demo()

    lyon = (await client.get(f"/api/v1/events/{LYON}/results")).json()["data"]
    paris = (await client.get(f"/api/v1/events/{PARIS}/results")).json()["data"]
    awards = (await client.get(f"/api/v1/events/{LYON}/awards")).json()["data"]

    assert [r["name"] for r in lyon] == ["Jury final", "Prix des mentors"]  # the second judged in pairs
    ranking = lyon[0]["challenges"][0]["entries"]
    assert [row["rank"] for row in ranking] == list(range(1, len(ranking) + 1))
    assert lyon[0]["public_vote"] is True
    assert paris == []  # its jury is open today, not published
    assert len(awards) >= 3
    assert {a["session_id"] for a in awards} == {lyon[0]["session_id"]}
    assert sorted(a["id"] for a in lyon[0]["awards"]) == sorted(a["id"] for a in awards)


async def test_no_public_answer_holds_an_email_address(client):
    await load_demo()
    emails = set(await User.all().values_list("email", flat=True))
    assert len(emails) >= 20
    events = (await client.get("/api/v1/events?limit=100")).json()["data"]
    assert len(events) == 3

    for event in events:
        for path in ("", "/rounds", "/challenges", "/datasets", "/teams", "/entries", "/results", "/awards"):
            items, _followed = (
                await walk(client, f"/api/v1/events/{event['slug']}{path}?limit=100")
                if path
                else (
                    [(await client.get(f"/api/v1/events/{event['slug']}")).json()["data"]],
                    [],
                )
            )
            text = str(items)
            assert EMAIL_RE.findall(text) == [], (event["slug"], path)
            assert not any(email in text for email in emails)


# --- errors -----------------------------------------------------------------------------------------


async def test_unknown_addresses_and_methods_answer_json(client):
    await _events(listed=1, drafts=0)

    unknown = await client.get("/api/v1/nothing/here")
    wrong_method = await client.delete("/api/v1/events")
    french = await client.get("/api/v1/events/none", headers={"Accept-Language": "fr"})

    assert unknown.status_code == 404
    assert (
        unknown.json()["error"]["message"]
        == "Nothing here: this address names nothing, or nothing you may read."
    )
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/json"
    assert set(wrong_method.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert french.status_code == 404
    assert french.headers["content-language"] == "fr"
    assert french.json()["error"]["message"] == (
        "Rien ici\u00a0: cette adresse ne désigne rien, ou rien que vous puissiez lire."
    )


async def test_dates_are_iso_8601_in_utc(client):
    event = await Event.create(
        slug="dated",
        title="Dated",
        status=EventStatus.PUBLISHED,
        starts_at=datetime(2026, 3, 14, 17, 0, tzinfo=UTC),
    )
    await Round.create(
        event=event, name="R", deadline=datetime(2026, 3, 15, 12, 0, tzinfo=UTC), grace_minutes=30
    )

    shown = (await client.get("/api/v1/events/dated")).json()["data"]
    rounds = (await client.get("/api/v1/events/dated/rounds")).json()["data"]

    assert shown["starts_at"] == "2026-03-14T17:00:00Z"
    assert rounds[0]["deadline"] == "2026-03-15T12:00:00Z"
    assert rounds[0]["closes_at"] == (datetime(2026, 3, 15, 12, 30, tzinfo=UTC)).isoformat().replace(
        "+00:00", "Z"
    )
    assert timedelta(minutes=rounds[0]["grace_minutes"]) == timedelta(minutes=30)
