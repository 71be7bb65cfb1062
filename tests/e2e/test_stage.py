"""The demo-day stage screen in a real browser: it follows the control room without a reload.

The organiser opens the session (its agenda built, the world of test_jury.py), copies the stage's
sharing link from the control room and opens it in another browser (the projector, signed out).
In the control room they start the first pitch: the stage shows the team and a countdown that
ticks. They lock the session and reveal an award: the stage shows it. axe-core checks the screen in
English and French, at 1920×1080 and 1280×720, where it must not scroll.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from events.domain import sessions
from events.domain.awards import give_award
from events.models import Challenge, JurySession
from tests.e2e.conftest import Server, open_context
from tests.e2e.test_jury import ENTRIES, TEAMS, build_world, run_in_database, sign_in, t
from tests.e2e.test_live_rows import mark, not_reloaded, scheduled_session

pytestmark = pytest.mark.e2e

SCREENS = ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720})


def en(message: str, **values) -> str:
    return t("en", message, **values)


def open_session(server: Server, session_id: int) -> None:
    async def work() -> None:
        await sessions.set_session_status(session=await JurySession.get(id=session_id), status="open")

    run_in_database(server, work)


def award_entry(server: Server, session_id: int, entry_id: int, title: str) -> None:
    async def work() -> None:
        session = await JurySession.get(id=session_id)
        challenge = await Challenge.get(event_id=session.event_id)
        await give_award(session=session, challenge_id=challenge.id, entry_id=entry_id, title=title)

    run_in_database(server, work)


def fits_the_screen(page: Page) -> None:
    sizes = page.evaluate("() => [document.documentElement.scrollHeight, window.innerHeight]")
    assert sizes[0] <= sizes[1], f"{page.url} scrolls at {page.viewport_size}: {sizes}"


def test_the_stage_screen_follows_the_control_room(
    new_page: Callable[..., Page], browser: Browser, server: Server, assert_accessible
):
    world = build_world(server)
    session_id = scheduled_session(server, world.slug, world.jurors[0])
    open_session(server, session_id)
    control_url = f"/events/{world.slug}/manage/juries/{session_id}/live"

    control = new_page()
    sign_in(control, world.organiser)
    control.goto(control_url)
    link = control.get_by_label(en("Sharing link of the stage screen")).input_value()
    assert link.startswith(f"{server.base_url}/events/{world.slug}/live/{session_id}/stage?key=")

    # The projector: signed out, full HD.
    projector_context = open_context(browser, server)
    try:
        stage = projector_context.new_page()
        stage.set_viewport_size(SCREENS[0])
        stage.goto(link)
        expect(stage.get_by_role("heading", level=2)).to_have_text(en("Coming up"))
        expect(stage.locator(".stage__agenda-team")).to_have_text(list(TEAMS))
        mark(stage)

        control.get_by_role("button", name=en("Next slot")).click()
        expect(control.locator(".flashes")).to_contain_text(en("Now pitching: %(title)s.", title=ENTRIES[0]))
        expect(stage.get_by_role("heading", level=2)).to_have_text(en("On stage"))
        expect(stage.locator(".stage__team")).to_have_text(TEAMS[0])
        expect(stage.locator(".stage__next")).to_have_text(
            en("Next: %(team)s, %(title)s", team=TEAMS[1], title=ENTRIES[1])
        )
        countdown = stage.locator("#stage-timer")
        expect(countdown).to_have_text(re.compile(r"^[0-4]:[0-5]\d$"))
        first = countdown.inner_text()
        expect(countdown).not_to_have_text(first, timeout=3000)  # it ticks in the browser
        not_reloaded(stage)
        for screen in SCREENS:  # the fullest screen: a team, its entry, challenge, countdown, next
            stage.set_viewport_size(screen)
            fits_the_screen(stage)
            assert_accessible(stage)

        control.get_by_role("button", name=en("Lock the session")).click()
        expect(stage.get_by_role("heading", level=2)).to_have_text(en("Awards"))
        award_entry(server, session_id, world.entry_ids[1], "First prize")
        control.goto(control_url)
        control.get_by_role("button", name=en("Reveal the next award")).click()
        expect(control.locator(".flashes")).to_contain_text(
            en("On the stage screen now: %(title)s.", title=en("First prize"))
        )
        expect(stage.locator(".stage__award .stage__team")).to_have_text(TEAMS[1])
        expect(stage.locator(".stage__award-title")).to_contain_text(en("First prize"))
        not_reloaded(stage)
    finally:
        projector_context.close()

    # The screen as the room reads it, in both languages and at both sizes.
    for locale, language in (("en-GB", "en"), ("fr-FR", "fr")):
        for screen in SCREENS:
            context = open_context(browser, server, locale)
            try:
                page = context.new_page()
                page.set_viewport_size(screen)
                page.goto(link)
                expect(page.locator("html")).to_have_attribute("lang", language)
                expect(page.locator(".stage__award-title")).to_contain_text(t(language, "First prize"))
                fits_the_screen(page)
                assert_accessible(page)
            finally:
                context.close()
