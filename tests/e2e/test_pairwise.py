"""A pairwise session in a real browser: three jurors on phones compare entries two by two, to a
published ranking.

The world (an event, three teams with an entry each, an organiser, three jurors seated on an open
pairwise session) is written straight into the server's database, as in test_jury.py. Juror 1 (in
English) judges every entry; juror 2 (in French) declared a conflict with team C, which is never
shown to her; juror 3 first presses the wrong button, undoes it and answers again. Every juror
prefers B to A to C. The organiser closes and publishes the session; visitors read the ranking.
axe-core checks the juror's page in both languages.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from events.models import (
    Challenge,
    ChallengeStatus,
    ConflictKind,
    ConflictOfInterest,
    Entry,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    JudgingMode,
    JurySession,
    JurySessionJuror,
    Role,
    Round,
    SessionStatus,
    Team,
    User,
)
from tests.e2e.conftest import ACTION_TIMEOUT, Server
from tests.e2e.test_jury import PHONE, Person, run_in_database, sign_in, t
from tests.helpers import CHEAP_HASH

pytestmark = pytest.mark.e2e

TEAMS = ("Alpha", "Bravo", "Charlie")
ENTRIES = ("Air Map", "Bike Flow", "Canal Watch")
PREFERENCE = (ENTRIES[1], ENTRIES[0], ENTRIES[2])  # B, then A, then C


@dataclass(frozen=True)
class World:
    slug: str
    session_id: int
    organiser: Person
    jurors: tuple[Person, Person, Person]


def build_world(server: Server) -> World:
    token = secrets.token_hex(3)
    slug = f"pairs-{token}"
    organiser = Person(f"orga-{token}@example.org", "Olga Organiser", "en")
    jurors = (
        Person(f"p1-{token}@example.org", "Paul Juror", "en"),
        Person(f"p2-{token}@example.org", "Pauline Jurée", "fr"),
        Person(f"p3-{token}@example.org", "Pat Juror", "en"),
    )

    async def work() -> int:
        now = datetime.now(UTC)
        event = await Event.create(slug=slug, title=f"Expo {token}", status=EventStatus.PUBLISHED)
        stage = await Round.create(event=event, name="Expo", position=1, deadline=now - timedelta(days=1))
        challenge = await Challenge.create(
            event=event, slug="air", title="Air", status=ChallengeStatus.PUBLISHED
        )
        session = await JurySession.create(
            event=event, round=stage, name="Expo jury", mode=JudgingMode.PAIRWISE, status=SessionStatus.OPEN
        )
        users = {}
        for person in (organiser, *jurors):
            users[person.email] = await User.create(
                email=person.email,
                name=person.name,
                password_hash=CHEAP_HASH,
                language=person.language,
                email_verified_at=now,
                terms_accepted_at=now,
            )
        await EventRole.create(event=event, user=users[organiser.email], role=Role.ORGANISER)
        for person in jurors:
            await EventRole.create(event=event, user=users[person.email], role=Role.JUROR)
            await JurySessionJuror.create(session=session, user=users[person.email], accepted_at=now)
        for index, (name, title) in enumerate(zip(TEAMS, ENTRIES, strict=True)):
            team = await Team.create(
                event=event, name=name, name_key=name.lower(), invite_token_hash=f"{token}{index}"
            )
            await Entry.create(
                event=event,
                team=team,
                round=stage,
                challenge=challenge,
                title=title,
                status=EntryStatus.SUBMITTED,
            )
            if index == 2:
                await ConflictOfInterest.create(
                    session=session,
                    juror=users[jurors[1].email],
                    team=team,
                    kind=ConflictKind.DECLARED,
                    declared_at=now,
                )
        return session.id

    return World(slug, run_in_database(server, work), organiser, jurors)


def phone(browser: Browser, server: Server, person: Person) -> Page:
    """A signed-in phone-sized page of its own context."""
    locale = "fr-FR" if person.language == "fr" else "en-GB"
    context = browser.new_context(base_url=server.base_url, locale=locale, **PHONE)
    context.set_default_timeout(ACTION_TIMEOUT)
    page = context.new_page()
    sign_in(page, person)
    return page


def judge(page: Page, person: Person, *, slip: bool = False) -> list[str]:
    """Walk to the end: the first entry, the next, then the preferred of each pair; with `slip`,
    the other button first, then undo. Returns the titles seen."""
    say = lambda message, **values: t(person.language, message, **values)  # noqa: E731
    page.get_by_role("button", name=say("Show me the first entry")).click()
    page.get_by_role("button", name=say("Next entry")).click()
    seen = []
    question = page.get_by_role("group", name=say("Which is better?"))
    while question.count():
        buttons = question.get_by_role("button")
        labels = [buttons.nth(0).inner_text(), buttons.nth(1).inner_text()]
        seen += labels
        best = min(
            range(2), key=lambda i: next(k for k, title in enumerate(PREFERENCE) if title in labels[i])
        )
        if slip:
            buttons.nth(1 - best).click()
            expect(page.locator(".flashes")).to_contain_text(say("Your comparison is recorded."))
            page.get_by_role("button", name=say("Undo my last comparison")).click()
            expect(page.locator(".flashes")).to_contain_text(
                say("Your last comparison was undone: answer again.")
            )
            slip = False
            continue
        buttons.nth(best).click()
        expect(page.locator(".flashes")).to_contain_text(say("Your comparison is recorded."))
    expect(
        page.get_by_role("status").filter(has_text=say("You have seen every entry you may judge. Thank you!"))
    ).to_be_visible()
    return seen


def test_three_jurors_on_phones_compare_entries_to_a_published_ranking(
    browser: Browser, server: Server, new_page: Callable[..., Page], assert_accessible
):
    world = build_world(server)
    url = f"/events/{world.slug}/jury/{world.session_id}/pairwise"
    pages = [phone(browser, server, person) for person in world.jurors]
    for page in pages[:2]:  # English, then French
        page.goto(url)
        assert_accessible(page)

    seen = judge(pages[0], world.jurors[0])
    assert set(ENTRIES) <= {title for label in seen for title in ENTRIES if title in label}
    assert_accessible(pages[0])
    seen = judge(pages[1], world.jurors[1])
    assert not any(ENTRIES[2] in label for label in seen)  # her conflict is never shown
    pages[2].goto(url)
    judge(pages[2], world.jurors[2], slip=True)

    organiser = new_page()
    sign_in(organiser, world.organiser)
    organiser.goto(f"/events/{world.slug}/manage/juries/{world.session_id}")
    organiser.get_by_role("button", name=t("en", "Close and lock the session (freezes the results)")).click()
    organiser.get_by_role("button", name=t("en", "Publish the results")).click()
    organiser.goto(f"/events/{world.slug}/manage/juries/{world.session_id}/results")
    expect(organiser.get_by_text("of resamples").first).to_be_visible()

    for page in pages:
        page.context.close()
    visitor = new_page()
    visitor.goto(f"/events/{world.slug}/results")
    rows = visitor.get_by_role("table").get_by_role("row")
    expect(rows.nth(1)).to_contain_text(PREFERENCE[0])
    expect(rows.nth(2)).to_contain_text(PREFERENCE[1])
    expect(rows.nth(3)).to_contain_text(PREFERENCE[2])
