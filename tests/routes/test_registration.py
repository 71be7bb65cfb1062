"""Registration over HTTP: the window (server time), the rules, eligible email domains, profile
questions; the organiser's list of registrants and its CSV export (BOM, formulas neutralised)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from events.models import Event, EventRole, EventStatus, Registration, Role, Team, TeamMember, User
from tests.helpers import CHEAP_HASH, csv_rows, post_form, sign_in

QUESTIONS = [
    {"key": "school", "label": "Your school", "kind": "text", "required": True},
    {"key": "bio", "label": "About you", "kind": "long_text", "required": False},
    {"key": "github", "label": "GitHub profile", "kind": "url", "required": False},
    {"key": "level", "label": "Level", "kind": "choice", "required": True, "choices": ["Student", "Pro"]},
    {"key": "photo", "label": "I agree to be photographed", "kind": "checkbox", "required": False},
]


def text_of(response: httpx.Response) -> str:
    return html.unescape(response.text)


async def make_user(email: str, *, name: str = "Test User") -> User:
    return await User.create(
        email=email, name=name, password_hash=CHEAP_HASH, email_verified_at=datetime.now(UTC), language="en"
    )


@pytest.fixture
async def event(db) -> Event:
    now = datetime.now(UTC)
    return await Event.create(
        slug="datacity",
        title="DataCity",
        status=EventStatus.PUBLISHED,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
        rules="Be **kind**. <script>alert(1)</script>",
    )


async def browser_for(make_client, email: str, name: str = "Test User") -> httpx.AsyncClient:
    await make_user(email, name=name)
    browser = make_client()
    await sign_in(browser, email)
    return browser


def register_url(event: Event) -> str:
    return f"/events/{event.slug}/register"


async def register(browser: httpx.AsyncClient, event: Event, data: dict) -> httpx.Response:
    return await post_form(browser, register_url(event), data, page=register_url(event))


async def test_user_registers_by_accepting_the_rules(make_client, event):
    browser = await browser_for(make_client, "ada@example.org")

    page = await browser.get(register_url(event))
    response = await register(browser, event, {"accept_rules": "on"})

    assert page.status_code == 200
    assert "<strong>kind</strong>" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert response.status_code == 303
    assert response.headers["location"] == f"/events/{event.slug}/team"
    registration = await Registration.get(event_id=event.id)
    assert registration.rules_accepted_at is not None
    assert (await registration.user).email == "ada@example.org"


async def test_rules_must_be_accepted(make_client, event):
    browser = await browser_for(make_client, "ada@example.org")

    response = await register(browser, event, {})

    assert response.status_code == 422
    assert "Accept the rules of the event to register." in text_of(response)
    assert await Registration.all().count() == 0


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [
        (timedelta(hours=1), timedelta(days=2), "Registration for this event is not open yet."),
        (-timedelta(days=2), -timedelta(seconds=1), "Registration for this event is closed."),
        (None, None, "Registration for this event is not open."),
    ],
)
async def test_registration_outside_the_window_is_refused(make_client, event, opens, closes, message):
    now = datetime.now(UTC)
    event.registration_opens_at = now + opens if opens is not None else None
    event.registration_closes_at = now + closes if closes is not None else None
    await event.save()
    browser = await browser_for(make_client, "ada@example.org")

    page = await browser.get(register_url(event))
    response = await register(browser, event, {"accept_rules": "on"})

    assert message in text_of(page)
    assert response.status_code == 422
    assert message in text_of(response)
    assert await Registration.all().count() == 0


async def test_registration_closes_at_the_exact_second(db, event):
    from events.domain import registration as rules

    closes = event.registration_closes_at

    assert rules.window_state(event, closes - timedelta(microseconds=1)) == rules.WindowState.OPEN
    assert rules.window_state(event, closes) == rules.WindowState.CLOSED


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("student@univ-lyon.fr", True),
        ("agent@paris.fr", True),
        ("someone@lab.univ-lyon.fr", False),
        ("someone@example.org", False),
        ("someone@univ-lyon.fr.evil.org", False),
    ],
)
async def test_eligibility_by_email_domain(make_client, event, email, allowed):
    event.eligible_domains = "univ-lyon.fr\n  @Paris.fr \n"
    await event.save()
    browser = await browser_for(make_client, email)

    response = await register(browser, event, {"accept_rules": "on"})

    if allowed:
        assert response.status_code == 303
        assert await Registration.all().count() == 1
    else:
        assert response.status_code == 422
        assert (
            "This event is open to email addresses of these domains only: univ-lyon.fr, paris.fr."
            in text_of(response)
        )
        assert await Registration.all().count() == 0


async def test_profile_questions_are_checked_and_kept(make_client, event):
    event.registration_questions = QUESTIONS
    await event.save()
    browser = await browser_for(make_client, "ada@example.org")

    page = await browser.get(register_url(event))
    refused = await register(
        browser, event, {"accept_rules": "on", "q_github": "javascript:alert(1)", "q_level": "Boss"}
    )
    accepted = await register(
        browser,
        event,
        {
            "accept_rules": "on",
            "q_school": " INSA   Lyon ",
            "q_github": "https://github.com/ada",
            "q_level": "Student",
            "q_photo": "on",
            "q_unasked": "ignored",
        },
    )

    assert "Your school" in page.text and "GitHub profile" in page.text
    assert refused.status_code == 422
    text = text_of(refused)
    assert "Answer this question." in text
    assert "Enter a web address starting with https:// or http://." in text
    assert "Choose one of the answers offered." in text
    assert accepted.status_code == 303
    registration = await Registration.get(event_id=event.id)
    assert registration.answers == {
        "school": "INSA Lyon",
        "bio": "",
        "github": "https://github.com/ada",
        "level": "Student",
        "photo": True,
    }


async def test_registering_again_updates_the_answers(make_client, event):
    event.registration_questions = QUESTIONS[:1]
    await event.save()
    browser = await browser_for(make_client, "ada@example.org")
    await register(browser, event, {"accept_rules": "on", "q_school": "INSA"})

    again = await register(browser, event, {"accept_rules": "on", "q_school": "ENS"})

    assert again.status_code == 303
    assert await Registration.all().count() == 1
    assert (await Registration.get(event_id=event.id)).answers == {"school": "ENS"}


async def test_register_page_goes_back_to_a_safe_next_page(make_client, event):
    browser = await browser_for(make_client, "ada@example.org")

    local = await register(browser, event, {"accept_rules": "on", "next": "/join/123-abc"})
    await Registration.all().delete()
    foreign = await register(browser, event, {"accept_rules": "on", "next": "//evil.example/"})

    assert local.headers["location"] == "/join/123-abc"
    assert foreign.headers["location"] == f"/events/{event.slug}/team"


# --- the organiser's side ----------------------------------------------------------------------------


@pytest.fixture
async def organiser(make_client, event) -> httpx.AsyncClient:
    browser = await browser_for(make_client, "orga@example.org", name="Organiser")
    await EventRole.create(event=event, user=await User.get(email="orga@example.org"), role=Role.ORGANISER)
    return browser


async def _registrant(event: Event, email: str, name: str, answers: dict) -> User:
    user = await make_user(email, name=name)
    await Registration.create(event=event, user=user, rules_accepted_at=datetime.now(UTC), answers=answers)
    return user


async def test_organiser_lists_and_exports_registrants(event, organiser):
    event.registration_questions = QUESTIONS[:2] + QUESTIONS[4:]
    await event.save()
    zoe = await _registrant(event, "zoe@example.org", "Zoé Durand", {"school": "INSA", "photo": True})
    await _registrant(
        event, "evil@example.org", '=HYPERLINK("http://x")', {"school": "+33 6", "bio": "@SUM(A1)"}
    )
    team = await Team.create(
        event=event, name="Équipe Zoé", name_key="equipe zoe", invite_token_hash="a" * 64
    )
    await TeamMember.create(team=team, event=event, user=zoe, is_captain=True)

    page = await organiser.get(f"/events/{event.slug}/manage/registrants")
    export = await organiser.get(f"/events/{event.slug}/manage/registrants.csv")

    assert page.status_code == 200
    assert "Zoé Durand" in text_of(page)
    assert "Équipe Zoé" in text_of(page)
    assert export.status_code == 200
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    assert export.headers["content-disposition"] == 'attachment; filename="datacity-registrants.csv"'
    rows = csv_rows(export)  # after its BOM
    assert rows[0] == [
        "Name",
        "Email",
        "Registered at (UTC)",
        "Team",
        "Your school",
        "About you",
        "I agree to be photographed",
    ]
    assert rows[1][:2] == ["Zoé Durand", "zoe@example.org"]
    assert rows[1][3:] == ["Équipe Zoé", "INSA", "", "yes"]
    assert rows[2][0] == '\'=HYPERLINK("http://x")'
    assert rows[2][3:] == ["", "'+33 6", "'@SUM(A1)", ""]
    assert len(rows) == 3


async def test_registrants_are_for_the_event_organisers_only(make_client, event):
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    browser = await browser_for(make_client, "orga2@example.org")
    await EventRole.create(event=other, user=await User.get(email="orga2@example.org"), role=Role.ORGANISER)

    for path in ("/manage/registrants", "/manage/registrants.csv"):
        assert (await browser.get(f"/events/{event.slug}{path}")).status_code == 403
