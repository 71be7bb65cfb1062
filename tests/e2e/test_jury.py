"""A jury session in a real browser, from the scoring grid to the published results.

The world (a published event with a round, a challenge, three teams that submitted an entry each,
an organiser, two juror accounts and a member per team) is written straight into the server's
database: building teams and entries through the pages is what test_teams_entries.py does.

An organiser adds two weighted criteria to the round's grid, creates a session, seats two jurors by
email and opens it. Each juror, on a phone-sized screen (one in English, one in French), accepts the
seat declaring a conflict with one team, downloads the team's deck from the scoring page, scores the
two entries left to them (with the keyboard for one criterion), changes a score and undoes the
change, writes a comment for the team and submits.
The organiser's control room, open in another browser, shows a juror's progress change live (no
reload) while she submits; the organiser locks the session there, reads the frozen results, the
score log (filtered by juror) and the recount from it, and publishes them. A team reads its
feedback (averages and comments, no juror's name) and visitors the public ranking, in English and
French. axe-core checks every page on the way.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from tortoise.context import TortoiseContext

from events.db import tortoise_config
from events.i18n import catalogue
from events.models import (
    Challenge,
    ChallengeStatus,
    Entry,
    EntryFile,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    Role,
    Round,
    Score,
    Team,
    TeamMember,
    User,
)
from events.storage import LocalStorage
from tests.e2e.conftest import ACTION_TIMEOUT, Server
from tests.helpers import CHEAP_HASH, DEFAULT_PASSWORD

pytestmark = pytest.mark.e2e

TIMEZONE = "Europe/Paris"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
CHALLENGE = "Mobilités apaisées"
ROUND = "Finale"
SESSION = "Jury de la finale"
TEAMS = ("Les Vélos Bleus", "Canopée", "Eau Claire")  # A, B, C
ENTRIES = ("Vélo Radar", "Ombre Douce", "Fontaines Vives")
IMPACT, OPEN_DATA = "Impact", "Use of open data"
DECK = b"%PDF-1.7\n% the team's deck\n"
# Scores (Impact 0-10 weight 2, open data 1-5 weight 1) and comments, per juror and entry index.
# Juror 1 knows team C, juror 2 knows team A: each scores two entries, both score B.
JUROR_SHEETS = (
    {0: (8, 4, "A clear and useful radar."), 1: (6, 3, "Good idea, thin data.")},
    {1: (7, 5, "Superbe usage des données."), 2: (4, 2, "Prototype encore fragile.")},
)
# Sheet totals on 0-100: 100 * (2 * impact / 10 + (data - 1) / 4) / 3.
# A: 78.33 (juror 1 only); B: (56.67 + 80) / 2 = 68.33; C: 35 (juror 2 only).
RANKING = (
    ("1", ENTRIES[0], TEAMS[0], "78.33"),
    ("2", ENTRIES[1], TEAMS[1], "68.33"),
    ("3", ENTRIES[2], TEAMS[2], "35.00"),  # a column of scores: two decimals
)


def t(language: str, message: str, **values: Any) -> str:
    text = catalogue(language).gettext(message)
    return text % values if values else text


def starts_with(text: str) -> re.Pattern[str]:
    """For labels that the `(required)` mark follows."""
    return re.compile("^" + re.escape(text))


def paris_input(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%dT%H:%M")


# --- the world, written into the server's database ---------------------------------------------------


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    language: str


@dataclass(frozen=True)
class World:
    slug: str
    title: str
    organiser: Person
    jurors: tuple[Person, Person]
    members: tuple[Person, Person, Person]  # one per team, in the order of TEAMS
    entry_ids: tuple[int, int, int]


def run_in_database(server: Server, work: Callable[[], Any]) -> Any:
    """Run `work` (a coroutine function using the models) against the server's SQLite file, in a
    thread of its own: Playwright's sync API keeps an event loop in this one."""
    # The server fixture keeps its database next to its log (tests/e2e/conftest.py).
    path = server.log_path.parent / "e2e.sqlite3"
    assert path.exists(), path

    async def main() -> Any:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(f"sqlite://{path}"))
            return await work()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result(timeout=60)


def build_world(server: Server) -> World:
    token = secrets.token_hex(3)
    slug = f"jury-{token}"
    title = f"Demo day {token}"
    organiser = Person(f"orga-{token}@example.org", "Olivia Organiser", "en")
    jurors = (
        Person(f"juror1-{token}@example.org", "Jules Juror", "en"),
        Person(f"juror2-{token}@example.org", "Jeanne Jurée", "fr"),
    )
    members = tuple(
        Person(f"member{index}-{token}@example.org", name, "en")
        for index, name in enumerate(("Amina Ahmed", "Bastien Brun", "Chen Cao"))
    )

    # Where the server keeps uploads (tests/e2e/conftest.py: UPLOAD_DIR next to its log).
    storage = LocalStorage(server.log_path.parent / "uploads")

    async def work() -> tuple[int, int, int]:
        now = datetime.now(UTC)
        event = await Event.create(
            slug=slug, title=title, status=EventStatus.PUBLISHED, timezone=TIMEZONE, location="Paris"
        )
        stage = await Round.create(
            event=event,
            name=ROUND,
            position=1,
            opens_at=now - timedelta(days=3),
            deadline=now - timedelta(days=1),
        )
        challenge = await Challenge.create(
            event=event, slug="mobilites", title=CHALLENGE, status=ChallengeStatus.PUBLISHED
        )

        async def account(person: Person) -> User:
            return await User.create(
                email=person.email,
                name=person.name,
                password_hash=CHEAP_HASH,
                language=person.language,
                email_verified_at=now,
                terms_accepted_at=now,
            )

        await EventRole.create(event=event, user=await account(organiser), role=Role.ORGANISER)
        for juror in jurors:
            await account(juror)
        entry_ids = []
        for index, (team_name, entry_title, member) in enumerate(zip(TEAMS, ENTRIES, members, strict=True)):
            team = await Team.create(
                event=event, name=team_name, name_key=team_name.lower(), invite_token_hash=f"{token}-{index}"
            )
            await TeamMember.create(team=team, event=event, user=await account(member), is_captain=True)
            entry = await Entry.create(
                event=event,
                team=team,
                round=stage,
                challenge=challenge,
                title=entry_title,
                summary=f"{entry_title}: a service built on the city's open data.",
                repository_url=f"https://example.org/{token}/{index}",
                status=EntryStatus.SUBMITTED,
                submitted_at=now - timedelta(days=1, hours=2),
            )
            entry_ids.append(entry.id)
            pending = storage.begin(max_bytes=1024)
            await pending.write(DECK)
            stored = await pending.commit()
            await EntryFile.create(
                entry=entry,
                storage_key=stored.key,
                original_name=deck_name(team_name),
                content_type="application/pdf",
                size=stored.size,
                sha256=stored.sha256,
            )
        return tuple(entry_ids)

    entry_ids = run_in_database(server, work)
    return World(slug, title, organiser, jurors, members, entry_ids)  # type: ignore[arg-type]


def deck_name(team: str) -> str:
    return f"{team} – deck.pdf"


def stored_score(server: Server, juror: Person, entry_id: int, criterion: str) -> float | None:
    async def work() -> float | None:
        score = await Score.get_or_none(
            sheet__juror__email=juror.email, sheet__entry_id=entry_id, criterion__name=criterion
        )
        return score.value if score else None

    return run_in_database(server, work)


# --- browsers -------------------------------------------------------------------------------------------


@pytest.fixture
def contexts(browser: Browser, server: Server) -> Iterator[Callable[..., Page]]:
    """A page in a fresh context: `phone=True` for a phone-sized touch screen."""
    opened: list[BrowserContext] = []

    def factory(locale: str = "en-GB", *, phone: bool = False) -> Page:
        context = browser.new_context(base_url=server.base_url, locale=locale, **(PHONE if phone else {}))
        context.set_default_timeout(ACTION_TIMEOUT)
        opened.append(context)
        return context.new_page()

    yield factory
    for context in opened:
        context.close()


def sign_in(page: Page, person: Person) -> None:
    say = lambda message: t(person.language, message)  # noqa: E731
    page.goto("/login")
    page.get_by_label(starts_with(say("Email address"))).fill(person.email)
    page.get_by_label(starts_with(say("Password"))).fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=say("Sign in")).click()
    page.wait_for_url("**/account")
    expect(page.locator("html")).to_have_attribute("lang", person.language)


def flash(page: Page) -> Locator:
    return page.locator(".flashes")


@contextmanager
def autosave(page: Page) -> Iterator[None]:
    """Wait for the autosave (static/js/scoring.js) that the block's action triggers, and its success."""
    with page.expect_response(lambda r: r.url.endswith("/score") and r.request.method == "POST") as info:
        yield
    assert info.value.ok, info.value.text()


def criterion_group(page: Page, name: str) -> Locator:
    return page.get_by_role("group", name=re.compile("^" + re.escape(name) + r"\b"))


# --- the test -------------------------------------------------------------------------------------------


def test_a_jury_scores_on_phones_and_publishes_its_results(contexts, server, assert_accessible):
    world = build_world(server)
    base = f"/events/{world.slug}"

    def check(page: Page, language: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, page.url
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert_accessible(page)

    # --- the organiser: the grid, the session, its jurors ------------------------------------------------
    en = lambda message, **values: t("en", message, **values)  # noqa: E731
    organiser = contexts("en-GB")
    sign_in(organiser, world.organiser)
    organiser.goto(f"{base}/manage/juries")
    expect(organiser.get_by_role("heading", level=1)).to_have_text(en("Juries"))
    check(organiser, "en")
    organiser.get_by_role("link", name=en("Scoring grid — %(name)s", name=ROUND)).click()
    organiser.wait_for_url(re.compile(r"/manage/rounds/\d+/criteria$"))
    check(organiser, "en")
    for name, description, weight, low, high, levels in (
        (
            IMPACT,
            "What changes for the people of the city.",
            "2",
            "0",
            "10",
            "0: None\n5: A district\n10: The city",
        ),
        (OPEN_DATA, "How far the entry relies on open datasets.", "1", "1", "5", ""),
    ):
        form = organiser.locator("form").filter(
            has=organiser.get_by_role("button", name=en("Add the criterion"))
        )
        form.get_by_label(starts_with(en("Name"))).fill(name)
        form.get_by_label(en("Description"), exact=True).fill(description)
        form.get_by_label(starts_with(en("Weight"))).fill(weight)
        form.get_by_label(starts_with(en("Lowest score"))).fill(low)
        form.get_by_label(starts_with(en("Highest score"))).fill(high)
        form.get_by_label(starts_with(en("Step"))).fill("1")
        form.get_by_label(en("Level descriptions")).fill(levels)
        form.get_by_role("button", name=en("Add the criterion")).click()
        expect(flash(organiser)).to_contain_text(en("The criterion “%(name)s” is added.", name=name))
    grid = organiser.get_by_role("table", name=en("Criteria of the round"))
    expect(grid.get_by_role("rowheader")).to_have_count(2)
    impact_row = grid.get_by_role("row").filter(
        has=organiser.get_by_role("rowheader", name=re.compile(f"^{IMPACT}"))
    )
    expect(impact_row).to_contain_text(en("%(min)s to %(max)s by %(step)s", min="0", max="10", step="1"))
    expect(impact_row).to_contain_text("5: A district")
    check(organiser, "en")

    organiser.goto(f"{base}/manage/juries/new")
    expect(organiser.get_by_role("heading", level=1)).to_have_text(en("Create a jury session"))
    check(organiser, "en")
    now = datetime.now(UTC)
    organiser.get_by_label(starts_with(en("Name"))).fill(SESSION)
    organiser.get_by_label(en("Round"), exact=True).select_option(label=ROUND)
    organiser.get_by_label(CHALLENGE, exact=True).check()
    organiser.get_by_label(en("Scoring opens")).fill(paris_input(now - timedelta(hours=1)))
    organiser.get_by_label(en("Scoring closes")).fill(paris_input(now + timedelta(hours=3)))
    organiser.get_by_label(en("Assignment"), exact=True).select_option(
        label=en("every juror scores every entry")
    )
    organiser.get_by_role("button", name=en("Create the session")).click()
    organiser.wait_for_url(re.compile(r"/manage/juries/\d+$"))
    session_url = organiser.url
    session_id = int(session_url.rsplit("/", 1)[1])
    expect(flash(organiser)).to_contain_text(en("The jury session “%(name)s” is created.", name=SESSION))
    expect(organiser.locator("#session-status")).to_have_text(en("scheduled"))
    check(organiser, "en")
    for juror in world.jurors:
        organiser.get_by_label(starts_with(en("Invite a juror by email"))).fill(juror.email)
        organiser.get_by_role("button", name=en("Invite"), exact=True).click()
        expect(flash(organiser)).to_contain_text(
            en("%(email)s is a juror of this session.", email=juror.email)
        )
    organiser.get_by_role("button", name=en("Open the session (assigns the entries)")).click()
    expect(flash(organiser)).to_contain_text(en("The session is now %(status)s.", status=en("open")))
    progress = organiser.get_by_role("table", name=en("Jurors and their progress"))
    for juror in world.jurors:
        row = progress.get_by_role("row").filter(has=organiser.get_by_role("rowheader", name=juror.name))
        expect(row).to_contain_text(en("%(done)s of %(total)s scored", done=0, total=3))
    check(organiser, "en")

    # --- each juror, on a phone: the seat and a conflict, two sheets with an undo ---------------------------
    jury_pages: list[Page] = []
    for number, (juror, sheets) in enumerate(zip(world.jurors, JUROR_SHEETS, strict=True)):
        lang = juror.language
        say = lambda message, lang=lang, **values: t(lang, message, **values)  # noqa: E731
        phone = contexts("fr-FR" if lang == "fr" else "en-GB", phone=True)
        jury_pages.append(phone)
        sign_in(phone, juror)
        phone.goto(f"{base}/jury")
        expect(phone.get_by_role("heading", level=1)).to_have_text(say("My juries"))
        check(phone, lang)
        phone.get_by_role("link", name=SESSION).click()
        phone.wait_for_url(f"**{base}/jury/{session_id}")
        expect(
            phone.get_by_role("heading", level=2, name=say("Accept your seat on the jury"))
        ).to_be_visible()
        check(phone, lang)
        known = 2 if number == 0 else 0  # juror 1 knows team C, juror 2 team A
        phone.get_by_label(say("I know or belong to this team: %(team)s", team=TEAMS[known])).check()
        reason = "Mentored this team last year." if number == 0 else "Ancienne collègue d'une membre."
        phone.get_by_label(say("Anything the organisers should know (optional)")).fill(reason)
        phone.get_by_role("button", name=say("Accept my seat")).click()
        expect(flash(phone)).to_contain_text(say("Thank you: your seat on the jury is confirmed."))
        expect(
            phone.get_by_label(say("I know or belong to this team: %(team)s", team=TEAMS[known]))
        ).to_be_checked()
        scored = sorted(sheets)
        listed = phone.get_by_role("main").get_by_role("listitem")
        expect(listed).to_have_count(2)
        for item, index in enumerate(scored):
            expect(listed.nth(item).get_by_role("link").first).to_have_text(ENTRIES[index])
            expect(listed.nth(item)).to_contain_text(say("Not started"))
        expect(phone.get_by_role("link", name=ENTRIES[known])).to_have_count(0)
        expect(phone.get_by_role("main")).to_contain_text(
            say("%(done)s of %(total)s scored", done=0, total=2)
        )
        check(phone, lang)

        for position, index in enumerate(scored, start=1):
            impact, data, comment = sheets[index]
            live_step = number == 1 and position == 2  # juror 2's last sheet: watched in the control room
            if position == 1:
                phone.get_by_role("link", name=ENTRIES[index]).click()
            else:
                phone.get_by_role("link", name=say("Next entry")).click()
            phone.wait_for_url(f"**{base}/jury/{session_id}/entries/{world.entry_ids[index]}")
            expect(phone.get_by_role("heading", level=1)).to_have_text(ENTRIES[index])
            expect(phone.get_by_role("main")).to_contain_text(
                say("Entry %(position)s of %(count)s", position=position, count=2)
            )
            impact_group = criterion_group(phone, IMPACT)
            data_group = criterion_group(phone, OPEN_DATA)
            expect(impact_group).to_contain_text("10 The city")  # the level descriptions
            if position == 1:
                # The team's deck, one tap away from the sheet.
                deck = phone.get_by_role("link", name=deck_name(TEAMS[index]))
                with phone.expect_download() as download:
                    deck.tap()
                assert download.value.suggested_filename == deck_name(TEAMS[index])
                assert Path(download.value.path()).read_bytes() == DECK
                check(phone, lang)

            # A tap for the impact, the keyboard for the open data: Space ticks the lowest, arrows move up.
            with autosave(phone):
                impact_group.get_by_role("radio", name=str(impact), exact=True).tap()
            data_group.get_by_role("radio", name="1", exact=True).focus()
            with autosave(phone):
                phone.keyboard.press("Space")
            for _step in range(data - 1):
                with autosave(phone):
                    phone.keyboard.press("ArrowRight")
            expect(data_group.get_by_role("radio", name=str(data), exact=True)).to_be_checked()
            expect(phone.locator("#save-status")).to_have_text(f"{OPEN_DATA}\u00a0: {say('Saved')}")

            if position == 1:
                # A second thought, then undone: the page and the database are back to the first value.
                changed = 3 if impact != 3 else 2
                with autosave(phone):
                    impact_group.get_by_role("radio", name=str(changed), exact=True).tap()
                assert stored_score(server, juror, world.entry_ids[index], IMPACT) == changed
                phone.get_by_role("button", name=say("Undo last change")).tap()
                expect(flash(phone)).to_contain_text(say("Your last change was undone."))
                expect(
                    criterion_group(phone, IMPACT).get_by_role("radio", name=str(impact), exact=True)
                ).to_be_checked()
                expect(criterion_group(phone, IMPACT).get_by_role("radio", checked=True)).to_have_count(1)
                assert stored_score(server, juror, world.entry_ids[index], IMPACT) == impact
                expect(
                    criterion_group(phone, OPEN_DATA).get_by_role("radio", name=str(data), exact=True)
                ).to_be_checked()

            with autosave(phone):
                phone.get_by_label(say("Comment for the team")).fill(comment)
                phone.get_by_label(say("Comment for the team")).press("Tab")  # leaving the field saves it
            # The organiser's control room, open in another browser, follows the submission live.
            watching = control_room(organiser, base, session_id, juror, check) if live_step else nullcontext()
            with watching:
                phone.get_by_role("button", name=say("Save and submit")).tap()
                expect(flash(phone)).to_contain_text(
                    say("Score sheet submitted. You can still change it while the session is open.")
                )
            expect(phone.get_by_role("main")).to_contain_text(
                say("%(done)s of %(total)s scored", done=position, total=2)
            )
            expect(phone.get_by_text(say("Submitted"), exact=True)).to_be_visible()
            check(phone, lang)

    # --- the organiser: lock from the control room, progress, conflicts, results, publication --------------
    assert organiser.url.endswith(f"/manage/juries/{session_id}/live")
    organiser.get_by_role("button", name=en("Lock the session")).click()
    expect(flash(organiser)).to_contain_text(
        en("The session is locked: no more score changes, the results are frozen.")
    )
    expect(organiser.get_by_text(en("The session is locked: no more score changes."))).to_be_visible()
    expect(organiser.locator("#session-status")).to_have_text(en("closed"))
    expect(organiser.get_by_role("button", name=en("Next slot"))).to_have_count(0)
    check(organiser, "en")

    organiser.goto(session_url)
    expect(organiser.locator("#session-status")).to_have_text(en("closed"))
    expect(organiser.get_by_role("button", name=en("Publish the results"))).to_be_visible()
    for juror in world.jurors:
        row = progress.get_by_role("row").filter(has=organiser.get_by_role("rowheader", name=juror.name))
        expect(row).to_contain_text(en("%(done)s of %(total)s scored", done=2, total=2))
    conflicts = organiser.get_by_role("table", name=en("Declared conflicts, recusals and team memberships"))
    expect(conflicts.get_by_role("row").filter(has_text=world.jurors[0].name)).to_contain_text(TEAMS[2])
    expect(conflicts.get_by_role("row").filter(has_text=world.jurors[1].name)).to_contain_text(TEAMS[0])
    expect(conflicts).to_contain_text("Mentored this team last year.")
    check(organiser, "en")

    organiser.get_by_role("link", name=en("Results and explanation")).click()
    organiser.wait_for_url(f"**{base}/manage/juries/{session_id}/results")
    expect(organiser.get_by_text(en("Frozen when the session was locked."))).to_be_visible()
    ranking = organiser.get_by_role("table", name=en("Ranking for %(title)s", title=CHALLENGE))
    expect(ranking.get_by_role("rowheader")).to_have_text([entry for _rank, entry, _team, _score in RANKING])
    ranked = ranking.get_by_role("row").filter(has=organiser.get_by_role("rowheader"))
    for row_index, ((rank, _entry, team, score), sheets) in enumerate(zip(RANKING, (1, 2, 1), strict=True)):
        # Rank, team, score and raw mean (no normalisation: the same), submitted sheets.
        two_places = f"{float(score):.2f}"
        expect(ranked.nth(row_index).get_by_role("cell")).to_have_text(
            [rank, team, two_places, two_places, str(sheets)]
        )
    # How stable the ranking is (a figure per entry, named by its title) and the jurors' calibration.
    expect(organiser.get_by_role("heading", name=en("How stable is this ranking?"))).to_be_visible()
    winner = RANKING[0][1]
    expect(organiser.get_by_role("img", name=winner, exact=True)).to_be_visible()
    expect(organiser.get_by_role("heading", name=en("Jurors' calibration"))).to_be_visible()
    check(organiser, "en")

    # The score log, filtered by juror, and the recount from it: the frozen results come out again.
    organiser.goto(session_url)
    organiser.get_by_role(
        "link", name=en("Score log: every change of every sheet, and the recount from it")
    ).click()
    organiser.wait_for_url(f"**{base}/manage/juries/{session_id}/log")
    expect(organiser.get_by_role("heading", level=1)).to_have_text(en("Score log — %(name)s", name=SESSION))
    changes = organiser.get_by_role("table").get_by_role("row").filter(has=organiser.get_by_role("rowheader"))
    expect(changes.filter(has_text=world.jurors[0].name).first).to_be_visible()
    check(organiser, "en")
    organiser.get_by_label(en("Juror"), exact=True).select_option(label=world.jurors[1].name)
    organiser.get_by_role("button", name=en("Filter")).click()
    organiser.wait_for_url(re.compile(r"/log\?juror=\d+&entry=$"))
    expect(changes.filter(has_text=world.jurors[0].name)).to_have_count(0)
    expect(changes.filter(has_text=world.jurors[1].name).first).to_be_visible()
    check(organiser, "en")
    organiser.get_by_role("link", name=en("Recount the results from this log")).click()
    organiser.wait_for_url(f"**{base}/manage/juries/{session_id}/recount")
    expect(organiser.get_by_role("status")).to_have_text(
        "The recount gives the same results as the stored results for all 3 entries."
    )
    check(organiser, "en")

    # Deliberation: a move needs the jury's reason; the entry moves, the places say so; moved back.
    organiser.goto(session_url)
    organiser.get_by_role("link", name=en("Deliberation: the final ranking and the jury's reasons")).click()
    organiser.wait_for_url(f"**{base}/manage/juries/{session_id}/deliberation")
    final = organiser.get_by_role("table", name=CHALLENGE)
    organiser.get_by_label(en("Entry"), exact=True).select_option(label=f"3. {ENTRIES[2]}")
    organiser.get_by_label(en("New place in its challenge")).fill("2")
    organiser.get_by_label(en("The jury's reason")).fill("Too short")
    organiser.get_by_role("button", name=en("Record this change")).click()
    expect(organiser.get_by_role("alert")).to_contain_text(en("Please correct the following:"))
    expect(organiser.get_by_label(en("New place in its challenge"))).to_have_value("2")
    check(organiser, "en")
    organiser.get_by_label(en("The jury's reason")).fill("The jury saw the only prototype tested on site.")
    organiser.get_by_role("button", name=en("Record this change")).click()
    expect(flash(organiser)).to_contain_text(
        en("The entry is now at place %(place)s; the reason is in the log.", place=2)
    )
    expect(final.get_by_role("rowheader")).to_have_text([ENTRIES[0], ENTRIES[2], ENTRIES[1]])
    expect(final.get_by_text(en("decided in deliberation"))).to_have_count(2)
    check(organiser, "en")
    organiser.get_by_label(en("Entry"), exact=True).select_option(label=f"2. {ENTRIES[2]}")
    organiser.get_by_label(en("New place in its challenge")).fill("3")
    organiser.get_by_label(en("The jury's reason")).fill("On reflection the computed order stands.")
    organiser.get_by_role("button", name=en("Record this change")).click()
    expect(final.get_by_role("rowheader")).to_have_text([entry for _rank, entry, _team, _score in RANKING])
    expect(final.get_by_text(en("decided in deliberation"))).to_have_count(0)
    expect(
        organiser.get_by_role("table", name=en("Log of the deliberation")).get_by_role("row")
    ).to_have_count(3)

    # A juror's page no longer takes scores.
    jury_pages[0].reload()
    expect(
        jury_pages[0].get_by_role("status").filter(has_text=en("Scoring is over: the session closed."))
    ).to_be_visible()

    visitor = contexts("en-GB")
    assert visitor.goto(f"{base}/results").status == 404  # nothing public before publication

    organiser.goto(session_url)
    organiser.get_by_role("button", name=en("Publish the results")).click()
    expect(flash(organiser)).to_contain_text(en("The session is now %(status)s.", status=en("published")))
    expect(organiser.locator("#session-status")).to_have_text(en("published"))
    check(organiser, "en")

    # --- team B reads its feedback: averages and comments, never a juror's name ---------------------------
    member = contexts("en-GB")
    sign_in(member, world.members[1])
    member.goto(f"{base}/entries/{world.entry_ids[1]}/feedback")
    expect(member.get_by_role("heading", level=1)).to_have_text(en("Jury feedback"))
    card = member.get_by_role("main")
    expect(card.get_by_role("heading", level=2, name=SESSION)).to_be_visible()
    expect(card).to_contain_text(
        en("Score: %(score)s out of 100, rank %(rank)s in the challenge", score="68.3", rank=2)
    )
    averages = member.get_by_role("table", name=en("Average per criterion"))
    for criterion, average, scale in ((IMPACT, "6.5", "0–10"), (OPEN_DATA, "4", "1–5")):
        row = averages.get_by_role("row").filter(has=member.get_by_role("rowheader", name=criterion))
        expect(row.get_by_role("cell")).to_have_text([average, scale])
    comments = card.get_by_role("listitem")
    expect(comments).to_have_text(sorted([JUROR_SHEETS[0][1][2], JUROR_SHEETS[1][1][2]]))
    for juror in world.jurors:
        expect(member.get_by_text(juror.name)).to_have_count(0)
    check(member, "en")

    # --- the public ranking, in English and in French -------------------------------------------------------
    for language, locale in (("en", "en-GB"), ("fr", "fr-FR")):
        public = contexts(locale)
        public.goto(f"{base}/results")
        expect(public.get_by_role("heading", level=1)).to_have_text(t(language, "Results"))
        expect(public.get_by_role("heading", level=2, name=SESSION)).to_be_visible()
        table = public.get_by_role("table", name=CHALLENGE)
        rows = table.get_by_role("row").filter(has=public.get_by_role("rowheader"))
        expect(rows).to_have_count(3)
        for row_index, cells in enumerate(RANKING):
            # scores in the reader's language: "78.33" in English, "78,33" in French
            score = cells[3].replace(".", ",") if language == "fr" else cells[3]
            expect(rows.nth(row_index).get_by_role("cell")).to_have_text([cells[0], cells[2], score])
            expect(rows.nth(row_index).get_by_role("rowheader")).to_have_text(cells[1])
        for juror in world.jurors:
            expect(public.get_by_text(juror.name)).to_have_count(0)
        check(public, language)


@contextmanager
def control_room(
    organiser: Page, base: str, session_id: int, juror: Person, check: Callable[[Page, str], None]
) -> Iterator[None]:
    """The control room shows the juror's progress before the block and, without a reload, after."""
    en = lambda message, **values: t("en", message, **values)  # noqa: E731
    organiser.goto(f"{base}/manage/juries/{session_id}/live")
    expect(organiser.get_by_role("heading", level=1)).to_have_text(en("Control room: %(name)s", name=SESSION))
    expect(organiser.locator("#live-status")).to_have_text(en("Live updates are on."))
    progress = organiser.locator("#juror-progress")
    row = progress.get_by_role("row").filter(has=organiser.get_by_role("rowheader", name=juror.name))
    expect(row).to_contain_text(en("%(done)s of %(total)s scored", done=1, total=2))
    check(organiser, "en")
    organiser.evaluate("() => { window.stillTheSamePage = true; }")
    yield
    expect(row).to_contain_text(en("%(done)s of %(total)s scored", done=2, total=2))
    assert organiser.evaluate("() => window.stillTheSamePage === true"), "the control room was reloaded"
