"""Personal API tokens: made on the account page and shown once, stored hashed, for one event, read-only
or read-write, revocable, counted; a token never opens a page and a cookie never works for the API
(docs/SECURITY.md, "The API")."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from events.app import create_app
from events.domain import api_tokens, personal_data
from events.models import (
    ApiToken,
    Entry,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    Invitation,
    JurySession,
    Registration,
    Role,
    Round,
    Team,
    TeamMember,
    TokenScope,
    User,
)
from seeds.demo import DEMO_PASSWORD, load_demo
from tests.conftest import BASE_URL
from tests.helpers import make_user, post_form, sign_in

TOKEN_RE = re.compile(r'id="new-token" type="text" readonly value="(hc_[A-Za-z0-9_-]{43})"')
LYON = "hackathon-mobilite-lyon-2026"


async def _organiser(slug: str = "event-a", email: str = "org@example.org") -> tuple[User, Event]:
    event = await Event.create(slug=slug, title=slug.title(), status=EventStatus.PUBLISHED)
    user = await User.get_or_none(email=email) or await make_user(email, name="Olga Organiser")
    await EventRole.create(event=event, user=user, role=Role.ORGANISER)
    return user, event


async def _token(user: User, event: Event, scope: str = "read") -> str:
    made = await api_tokens.create_token(user=user, name="script", event_id=str(event.id), scope=scope)
    return made.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# --- the account page -------------------------------------------------------------------------------


async def test_a_token_made_on_the_account_page_is_shown_once_and_stored_hashed(client):
    user, event = await _organiser()
    await sign_in(client, user.email)

    made = await post_form(
        client,
        "/account/tokens",
        {"token_name": "CRM export", "event": str(event.id), "scope": "read"},
        page="/account",
    )

    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    assert "Copy it now: it will not be shown again." in made.text
    [secret] = TOKEN_RE.findall(made.text)
    token = await ApiToken.get(user_id=user.id)
    assert (token.name, token.event_id, token.scope) == ("CRM export", event.id, TokenScope.READ)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12]
    stored = json.dumps(await ApiToken.filter(id=token.id).values(), default=str)
    assert secret not in stored and secret[12:] not in stored
    later = await client.get("/account")
    assert secret not in later.text
    assert f"<code>{token.prefix}…</code>" in later.text
    assert "never" in later.text  # not used yet
    api = await client.get("/api/v1/token", headers=bearer(secret))
    assert api.status_code == 200
    assert api.json()["data"]["event"] == {"slug": event.slug, "title": event.title, "status": "published"}


async def test_sending_the_token_form_again_on_reload_makes_no_second_token(client):
    user, event = await _organiser()
    await sign_in(client, user.email)
    page = await client.get("/account")
    [once] = re.findall(r'name="once" value="([^"]+)"', page.text)
    fields = {"token_name": "CRM export", "event": str(event.id), "scope": "read", "once": once}

    made = await post_form(client, "/account/tokens", fields, page="/account")
    again = await post_form(client, "/account/tokens", fields, page="/account")
    other = await post_form(client, "/account/tokens", {**fields, "once": "another-form"}, page="/account")

    assert made.status_code == 200 and len(TOKEN_RE.findall(made.text)) == 1
    assert again.status_code == 409
    assert "This form was already sent and its token made" in again.text
    assert TOKEN_RE.findall(again.text) == []
    assert other.status_code == 200
    assert await ApiToken.filter(user_id=user.id).count() == 2


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"token_name": "", "scope": "read"}, "token_name", "Enter a name of at most 80 characters."),
        ({"token_name": "x" * 81, "scope": "read"}, "token_name", "Enter a name of at most 80 characters."),
        ({"token_name": "x", "scope": "admin"}, "scope", "Choose what the token may do."),
        ({"token_name": "x", "scope": "read", "event": "other"}, "event", "Choose an event you organise."),
        ({"token_name": "x", "scope": "read", "event": "9" * 5000}, "event", "Choose an event you organise."),
    ],
)
async def test_a_token_form_with_a_mistake_is_refused_with_its_message(client, fields, field, message):
    user, event = await _organiser()
    other = await Event.create(slug="not-mine", title="Not mine", status=EventStatus.PUBLISHED)
    if fields.get("event") == "other":
        fields = {**fields, "event": str(other.id)}
    await sign_in(client, user.email)

    answer = await post_form(client, "/account/tokens", {"event": str(event.id), **fields}, page="/account")

    assert answer.status_code == 422
    assert message in answer.text
    assert f'id="f-{field}-error"' in answer.text
    assert await ApiToken.all().count() == 0


async def test_someone_who_organises_nothing_is_told_tokens_are_for_organisers(client):
    participant = await make_user("participant@example.org")
    event = await Event.create(slug="ev", title="Ev", status=EventStatus.PUBLISHED)
    await sign_in(client, participant.email)

    page = await client.get("/account")
    refused = await post_form(
        client,
        "/account/tokens",
        {"token_name": "x", "event": str(event.id), "scope": "read"},
        page="/account",
    )

    assert "Tokens are for organisers: you organise no event." in page.text
    assert refused.status_code == 422
    assert await ApiToken.all().count() == 0


async def test_a_revoked_token_answers_401_and_stays_listed_as_revoked(client, make_client):
    user, event = await _organiser()
    secret = await _token(user, event)
    assert (await client.get("/api/v1/token", headers=bearer(secret))).status_code == 200
    browser = make_client()
    await sign_in(browser, user.email)
    token = await ApiToken.get(user_id=user.id)

    revoked = await post_form(browser, f"/account/tokens/{token.id}/revoke", page="/account")
    after = await client.get("/api/v1/token", headers=bearer(secret))

    assert revoked.status_code == 303
    assert (await ApiToken.get(id=token.id)).revoked_at is not None
    assert after.status_code == 401
    assert after.json()["error"]["message"] == "This API token was revoked."
    assert after.headers["www-authenticate"] == 'Bearer realm="hackcity", error="invalid_token"'
    page = await browser.get("/account")
    assert "revoked" in page.text
    assert f"/account/tokens/{token.id}/revoke" not in page.text


async def test_nobody_revokes_another_persons_token(make_client):
    user, event = await _organiser()
    await _token(user, event)
    token = await ApiToken.get(user_id=user.id)
    admin = await make_user("admin@example.org", is_admin=True)
    browser = make_client()
    await sign_in(browser, admin.email)

    answer = await post_form(browser, f"/account/tokens/{token.id}/revoke", page="/account")

    assert answer.status_code == 404
    assert (await ApiToken.get(id=token.id)).revoked_at is None


async def test_the_last_use_is_recorded_and_shown(client, make_client):
    user, event = await _organiser()
    secret = await _token(user, event)
    token = await ApiToken.get(user_id=user.id)
    assert token.last_used_at is None

    await client.get(f"/api/v1/events/{event.slug}/manage/teams", headers=bearer(secret))

    used = (await ApiToken.get(id=token.id)).last_used_at
    assert used is not None and datetime.now(UTC) - used < timedelta(minutes=1)
    browser = make_client()
    await sign_in(browser, user.email)
    page = await browser.get("/account")
    assert "never" not in page.text.split('id="tokens-title"', 1)[1].split("</table>", 1)[0]


# --- what a token may do ----------------------------------------------------------------------------


async def test_a_token_reads_its_event_only(client):
    user, event = await _organiser()
    _same_user, other = await _organiser("event-b", user.email)
    secret = await _token(user, event)

    mine = await client.get(f"/api/v1/events/{event.slug}/manage/entries", headers=bearer(secret))
    theirs = await client.get(f"/api/v1/events/{other.slug}/manage/entries", headers=bearer(secret))

    assert mine.status_code == 200
    assert theirs.status_code == 404
    assert theirs.json()["error"]["status"] == 404


async def test_a_read_only_token_cannot_write(client):
    user, event = await _organiser()
    stage = await Round.create(event=event, name="R")
    secret = await _token(user, event, "read")

    answers = [
        await client.post(
            f"/api/v1/events/{event.slug}/manage/invitations",
            json={"email": "new@example.org", "role": "mentor"},
            headers=bearer(secret),
        ),
        await client.patch(
            f"/api/v1/events/{event.slug}/manage/rounds/{stage.id}",
            json={"deadline": "2026-03-14T18:00"},
            headers=bearer(secret),
        ),
        await client.post(
            f"/api/v1/events/{event.slug}/manage/datasets",
            json={"url": "https://x.example"},
            headers=bearer(secret),
        ),
    ]

    assert [a.status_code for a in answers] == [403, 403, 403]
    assert (
        answers[0].json()["error"]["message"]
        == "This token is read-only: make a read-and-write token for this."
    )
    assert await Invitation.all().count() == 0
    assert (await Round.get(id=stage.id)).deadline is None


async def test_a_token_stops_when_its_owner_no_longer_organises_the_event(client):
    user, event = await _organiser()
    secret = await _token(user, event)
    await EventRole.filter(event_id=event.id, user_id=user.id).delete()

    answer = await client.get(f"/api/v1/events/{event.slug}/manage/teams", headers=bearer(secret))

    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "The owner of this API token no longer organises its event."


async def test_a_disabled_or_deleted_account_s_token_stops_at_once(client, make_client):
    user, event = await _organiser()
    secret = await _token(user, event)
    admin = await make_user("admin@example.org", is_admin=True)
    browser = make_client()
    await sign_in(browser, admin.email)

    disabled = await post_form(browser, f"/admin/users/{user.id}/active", {"active": "0"}, page="/admin")
    refused = await client.get("/api/v1/token", headers=bearer(secret))
    await User.filter(id=user.id).update(is_active=True)
    owner = make_client()
    await sign_in(owner, user.email)
    deleted = await post_form(owner, "/account/delete", {"password": "correct horse battery staple"})
    gone = await client.get("/api/v1/token", headers=bearer(secret))

    assert disabled.status_code == 303
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "The account of this API token is disabled or deleted."
    assert deleted.status_code == 303
    assert gone.status_code == 401
    assert await ApiToken.filter(user_id=user.id).count() == 0


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic b3JnOnBhc3M=",
        "Bearer hc_unknown",
        "Bearer " + "hc_" + "a" * 5000,
        "Bearer nothc_token",
        "Bearer hc_é".encode(),
        b"bearer hc_\xff\xfe",
    ],
)
async def test_no_token_or_a_wrong_one_is_401_never_a_500(client, header):
    user, event = await _organiser()
    await _token(user, event)

    answer = await client.get(f"/api/v1/events/{event.slug}/manage/teams", headers={"Authorization": header})

    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["www-authenticate"].startswith('Bearer realm="hackcity"')


async def test_a_token_never_opens_a_page(client):
    user, event = await _organiser()
    secret = await _token(user, event, "write")

    for path in (f"/events/{event.slug}/manage", "/account", f"/events/{event.slug}/manage/registrants.csv"):
        answer = await client.get(path, headers=bearer(secret))
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next="), path
    page = await client.get(f"/events/{event.slug}", headers=bearer(secret))
    assert "My account" not in page.text  # the public page, as to anyone signed out


async def test_a_session_cookie_never_works_for_the_api(client):
    user, event = await _organiser()
    stage = await Round.create(event=event, name="R")
    await sign_in(client, user.email)

    read = await client.get(f"/api/v1/events/{event.slug}/manage/registrants")
    written = await post_form(
        client,
        f"/api/v1/events/{event.slug}/manage/invitations",
        {"email": "x@example.org", "role": "mentor"},
    )
    as_json = await client.post(
        f"/api/v1/events/{event.slug}/manage/invitations",
        json={"email": "x@example.org", "role": "mentor"},
        headers={"Origin": BASE_URL, "Sec-Fetch-Site": "same-origin"},
    )
    patched = await client.patch(
        f"/api/v1/events/{event.slug}/manage/rounds/{stage.id}", json={"deadline": "2026-03-14T18:00"}
    )

    assert [a.status_code for a in (read, written, as_json, patched)] == [401, 401, 401, 401]
    assert await Invitation.all().count() == 0
    assert (await Round.get(id=stage.id)).deadline is None


async def test_routes_with_a_token_are_closed_to_other_sites(client):
    user, event = await _organiser()
    secret = await _token(user, event)

    read = await client.get(
        f"/api/v1/events/{event.slug}/manage/teams",
        headers={**bearer(secret), "Origin": "https://evil.example"},
    )
    preflight = await client.options(
        f"/api/v1/events/{event.slug}/manage/teams",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )

    assert read.status_code == 200
    assert "access-control-allow-origin" not in read.headers
    assert read.headers["cache-control"] == "private, no-cache"
    assert read.headers["vary"] == "Authorization, Accept-Language"
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers


async def test_past_its_allowance_a_token_gets_429_and_another_token_does_not(settings, db):
    app = create_app(settings.with_overrides(api_rate_limit=3), manage_database=False)
    user, event = await _organiser()
    busy, quiet = await _token(user, event), await _token(user, event)
    url = f"/api/v1/events/{event.slug}/manage/teams"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        answers = [await client.get(url, headers=bearer(busy)) for _ in range(4)]
        other = await client.get(url, headers=bearer(quiet))
        french = await client.get(url, headers={**bearer(busy), "Accept-Language": "fr"})

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[3]
    assert refused.headers["content-type"] == "application/json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["error"] == {
        "status": 429,
        "message": "This token sent too many requests. Try again in 1 minute.",
        "fields": {},
    }
    assert other.status_code == 200
    assert french.status_code == 429
    assert french.json()["error"]["message"] == "Ce jeton a envoyé trop de requêtes. Réessayez dans 1 minute."


# --- organisers' reads ------------------------------------------------------------------------------


async def _lyon(client) -> tuple[Event, str]:
    await load_demo()
    event = await Event.get(slug=LYON)
    organiser = await User.get(email="organisateur@demo.hackcity.fr")
    return event, await _token(organiser, event)


async def test_organisers_read_registrants_and_teams_with_their_members(client):
    event, secret = await _lyon(client)

    registrants, _pages = await _walk(client, f"/api/v1/events/{LYON}/manage/registrants?limit=3", secret)
    teams, _pages = await _walk(client, f"/api/v1/events/{LYON}/manage/teams?limit=2", secret)

    expected = await Registration.filter(event_id=event.id).select_related("user").order_by("id")
    assert len(expected) >= 3
    assert [(r["id"], r["person"]["email"]) for r in registrants] == [(r.id, r.user.email) for r in expected]
    members = await TeamMember.filter(event_id=event.id).count()
    assert members >= 4
    assert sum(len(t["members"]) for t in teams) == members
    assert [t["id"] for t in teams] == list(
        await Team.filter(event_id=event.id).order_by("id").values_list("id", flat=True)
    )
    captains = [m for t in teams for m in t["members"] if m["captain"]]
    assert all(t["members"][0]["captain"] for t in teams if t["members"])
    assert all("@" in m["person"]["email"] for m in captains)


async def _walk(client, url: str, secret: str) -> tuple[list[dict], int]:
    items, pages = [], 0
    while url:
        answer = await client.get(url, headers=bearer(secret))
        assert answer.status_code == 200, answer.text
        items += answer.json()["data"]
        pages += 1
        url = (answer.json()["next"] or "").removeprefix(BASE_URL)
    return items, pages


async def test_organisers_read_every_entry_whatever_its_status(client):
    event, secret = await _lyon(client)
    team = await Team.filter(event_id=event.id).first()
    stage = await Round.filter(event_id=event.id).first()
    challenge = await event.challenges.all().first()
    draft = (
        await Entry.create(
            event=event,
            team=team,
            round=stage,
            challenge=challenge,
            title="Unfinished",
            status=EntryStatus.DRAFT,
        )
        if not await Entry.exists(team=team, round=stage, challenge=challenge)
        else None
    )

    entries, pages = await _walk(client, f"/api/v1/events/{LYON}/manage/entries?limit=4", secret)

    stored = await Entry.filter(event_id=event.id).order_by("id")
    assert pages >= 2
    assert [e["id"] for e in entries] == [e.id for e in stored]
    assert {e["status"] for e in entries} >= {"submitted"}
    if draft is not None:
        assert next(e for e in entries if e["id"] == draft.id)["status"] == "draft"
    assert all(e["selection"] in ("pending", "selected", "waitlisted", "rejected") for e in entries)


async def test_organisers_read_jury_sessions_results_and_score_sheets(client):
    event, secret = await _lyon(client)
    session = await JurySession.get(event_id=event.id, status="published", mode="rubric")
    other = await JurySession.filter(event__slug="datacity-paris-2026").first()

    sessions = (
        await client.get(f"/api/v1/events/{LYON}/manage/jury-sessions", headers=bearer(secret))
    ).json()
    results = await client.get(
        f"/api/v1/events/{LYON}/manage/jury-sessions/{session.id}/results", headers=bearer(secret)
    )
    sheets, _pages = await _walk(
        client, f"/api/v1/events/{LYON}/manage/jury-sessions/{session.id}/scores?limit=5", secret
    )
    elsewhere = await client.get(
        f"/api/v1/events/{LYON}/manage/jury-sessions/{other.id}/results", headers=bearer(secret)
    )

    lyon_sessions = await JurySession.filter(event_id=event.id).order_by("id").values_list("id", flat=True)
    assert [s["id"] for s in sessions["data"]] == lyon_sessions  # the rubric jury and the pairwise one
    assert results.status_code == 200
    ranking = results.json()["data"]["entries"]
    assert ranking and ranking[0]["rank"] == 1
    assert ranking == sorted(ranking, key=lambda r: (r["challenge_id"], r["rank"]))
    assert len(sheets) == await session.sheets.all().count()
    assert all(
        sheet["scores"] and "@" in sheet["juror"]["email"]
        for sheet in sheets
        if sheet["status"] == "submitted"
    )
    assert "private_note" not in json.dumps(sheets)
    assert elsewhere.status_code == 404


async def test_the_export_of_ones_data_lists_ones_tokens_but_never_their_secret(db):
    user, event = await _organiser()
    secret = await _token(user, event, "write")
    token = await ApiToken.get(user_id=user.id)

    data = await personal_data.export_data(user)

    assert data["api_tokens"] == [
        {
            "name": "script",
            "event": event.slug,
            "scope": "write",
            "prefix": secret[:12],
            "created_at": token.created_at.isoformat(),
            "last_used_at": None,
            "revoked_at": None,
        }
    ]
    text = json.dumps(data)
    assert token.token_hash not in text and secret not in text


async def test_demo_organiser_makes_a_token_in_french(make_client):
    await load_demo()
    browser = make_client()
    await sign_in(browser, "organisateur@demo.hackcity.fr", DEMO_PASSWORD)
    event = await Event.get(slug=LYON)

    made = await post_form(
        browser,
        "/account/tokens",
        {"token_name": "Export", "event": str(event.id), "scope": "write"},
        page="/account",
    )

    assert made.status_code == 200
    assert "Copiez-le maintenant" in made.text
    assert len(TOKEN_RE.findall(made.text)) == 1
