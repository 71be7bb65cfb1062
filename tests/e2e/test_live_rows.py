"""The live session's pages follow it without a reload, in a real browser.

A session is scheduled with its agenda built (the world of test_jury.py, written into the server's
database). A juror waits on their live page, the organiser watches the control room; in a second
tab the organiser opens the session, starts the first pitch and locks a slot. Without reloading,
the juror's page shows that scoring is open and links to the pitch to score; the control room
shows the live buttons, each row's new status and only the actions that still apply, announces
the changes politely, and keeps the keyboard focus on the page when the focused button goes.
axe-core checks the pages as they change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from events.domain import live, seats, sessions
from events.models import Criterion, EventRole, Role, Round, User
from tests.e2e.conftest import Server
from tests.e2e.test_jury import ENTRIES, SESSION, Person, build_world, run_in_database, sign_in, t

pytestmark = pytest.mark.e2e


def en(message: str, **values) -> str:
    return t("en", message, **values)


def scheduled_session(server: Server, slug: str, juror: Person) -> int:
    """A scheduled session of the world's round, one criterion, the juror seated, the agenda built."""

    async def work() -> int:
        now = datetime.now(UTC)
        stage = await Round.get(event__slug=slug)
        await Criterion.create(
            round=stage, name="Impact", scale_min=0, scale_max=10, step=1, weight=1, position=1
        )
        session = await sessions.create_session(
            stage=stage, name=SESSION, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=3)
        )
        user = await User.get(email=juror.email)
        await EventRole.create(event_id=stage.event_id, user=user, role=Role.JUROR)
        await seats.add_juror(session=session, user=user)
        await live.build_agenda(session=session)
        return session.id

    return run_in_database(server, work)


def mark(page: Page) -> None:
    page.evaluate("() => { window.stillTheSamePage = true; }")


def not_reloaded(page: Page) -> None:
    assert page.evaluate("() => window.stillTheSamePage === true"), f"{page.url} was reloaded"


def gone(scope, name: str) -> None:
    """The button is in the page (the server rendered it), hidden."""
    button = scope.get_by_role("button", name=name, include_hidden=True)
    expect(button).to_have_count(1)
    expect(button).to_be_hidden()


def row_of(page: Page, title: str):
    return page.locator("#agenda tbody tr").filter(has=page.get_by_role("rowheader", name=re.compile(title)))


def test_the_live_pages_follow_the_session_opening_and_the_agenda_rows(
    new_page: Callable[..., Page], server: Server, assert_accessible
):
    world = build_world(server)
    juror = world.jurors[0]
    session_id = scheduled_session(server, world.slug, juror)
    base = f"/events/{world.slug}"
    control_url = f"{base}/manage/juries/{session_id}/live"

    # The juror waits on the live page of a session that has not started.
    phone = new_page()
    sign_in(phone, juror)
    phone.goto(f"{base}/jury/{session_id}/live")
    expect(phone.get_by_text(en("The session has not started yet."))).to_be_visible()
    expect(phone.locator("#session-status")).to_have_text(en("scheduled"))
    expect(phone.locator("#live-status")).to_have_text(en("Live updates are on."))
    assert_accessible(phone)
    mark(phone)

    # The organiser watches the control room: the agenda, no live buttons yet.
    control = new_page()
    sign_in(control, world.organiser)
    control.goto(control_url)
    expect(control.locator("#live-status")).to_have_text(en("Live updates are on."))
    for title in ENTRIES:
        expect(row_of(control, title).locator("[data-slot-status]")).to_have_text(en("to come"))
    hidden_next = control.get_by_role("button", name=en("Next slot"), include_hidden=True)
    expect(hidden_next).to_have_count(1)
    expect(hidden_next).to_be_hidden()
    assert_accessible(control)
    mark(control)

    # A second tab opens the session.
    other = control.context.new_page()
    other.goto(f"{base}/manage/juries/{session_id}")
    other.get_by_role("button", name=en("Open the session (assigns the entries)")).click()
    expect(other.locator(".flashes")).to_contain_text(en("The session is now %(status)s.", status=en("open")))

    expect(phone.locator("#session-status")).to_have_text(en("open"))
    expect(phone.get_by_text(en("The session has not started yet."))).to_be_hidden()
    expect(
        phone.get_by_text(re.compile("^" + re.escape(en("Scoring is open: score each entry"))))
    ).to_be_visible()
    expect(phone.locator("#live-status")).to_have_text(en("Scoring is open."))
    expect(control.locator("#session-status")).to_have_text(en("open"))
    expect(control.get_by_role("button", name=en("Next slot"))).to_be_visible()
    expect(control.locator("#live-status")).to_have_text(en("The session is open: the jurors can score."))

    # The second tab starts the first pitch: the juror gets the link to score it.
    other.goto(control_url)
    other.get_by_role("button", name=en("Next slot")).click()
    expect(other.locator(".flashes")).to_contain_text(en("Now pitching: %(title)s.", title=ENTRIES[0]))
    expect(row_of(control, ENTRIES[0]).locator("[data-slot-status]")).to_have_text(en("pitching now"))
    expect(control.locator("[data-current-title]")).to_have_text(ENTRIES[0])
    gone(row_of(control, ENTRIES[0]), en("Take off the agenda: %(title)s", title=ENTRIES[0]))
    expect(control.locator("#live-status")).to_have_text(
        en("%(title)s: %(status)s", title=ENTRIES[0], status=en("pitching now"))
    )
    score = phone.get_by_role("link", name=en("Score this pitch"))
    expect(score).to_be_visible()
    expect(score).to_have_attribute("href", f"{base}/jury/{session_id}/entries/{world.entry_ids[0]}")
    not_reloaded(phone)
    assert_accessible(phone)

    # The organiser's keyboard is on the second row's lock button when the other tab locks it.
    lock_label = en("Lock scoring: %(title)s", title=ENTRIES[1])
    second = row_of(control, ENTRIES[1])
    second.get_by_role("button", name=lock_label).focus()
    other.goto(control_url)
    other.get_by_role("button", name=lock_label).click()
    expect(other.locator(".flashes")).to_contain_text(en("Scoring of this pitch is locked."))

    expect(second.locator("[data-slot-status]")).to_have_text(en("locked"))
    gone(second, lock_label)
    gone(second, en("Take off the agenda: %(title)s", title=ENTRIES[1]))
    expect(second.get_by_text(en("Change the timing"))).to_be_hidden()
    expect(second.get_by_role("button", name=en("Move up: %(title)s", title=ENTRIES[1]))).to_be_visible()
    expect(control.locator("#live-status")).to_have_text(
        en("%(title)s: %(status)s", title=ENTRIES[1], status=en("locked"))
    )
    # The focus went to the row's new status, not to the page's start.
    expect(second.locator("[data-slot-status]")).to_be_focused()
    # The other rows did not change.
    expect(row_of(control, ENTRIES[2]).locator("[data-slot-status]")).to_have_text(en("to come"))
    expect(
        row_of(control, ENTRIES[2]).get_by_role(
            "button", name=en("Lock scoring: %(title)s", title=ENTRIES[2])
        )
    ).to_be_visible()
    not_reloaded(control)
    assert_accessible(control)

    # Without JavaScript's help (a reload), the page shows the same buttons.
    control.reload()
    expect(second.locator("[data-slot-status]")).to_have_text(en("locked"))
    gone(second, lock_label)
    expect(
        row_of(control, ENTRIES[2]).get_by_role("button", name=re.compile("^" + en("Lock scoring")))
    ).to_be_visible()
