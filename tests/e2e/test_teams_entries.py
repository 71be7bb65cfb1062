"""A team's journey in a real browser, in English, then the public gallery in French and English.

A participant signs up and confirms her address from the mail, registers for the Bordeaux
hackathon (whose registration the seeds keep open), creates a team, picks a challenge and invites a
second person by email; he creates an account in another browser and joins through the link read
from the mail. The organiser opens the round; the captain starts an entry, declares a dataset and
how the team used it, uploads a CSV and submits; both members get the receipt by mail. The
organiser then moves the deadline into the past: the edit page the second member still has open
refuses his save with the deadline message, and the page shows the entry closed. The gallery, public
on its own once the last deadline has passed, shows the entry, its dataset and the attribution line
to an anonymous visitor, in English and in French. axe-core checks every page on the way.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from playwright.sync_api import Page, expect

from events.i18n import catalogue
from seeds.demo import DEMO_PASSWORD
from tests.e2e.conftest import unique_email

pytestmark = pytest.mark.e2e

LOCALES = {"en": "en-GB", "fr": "fr-FR"}
SWITCH_TO = {"en": "English", "fr": "Français"}
# The seeds' event whose registration is open now, and who organises it.
EVENT_SLUG = "hackathon-open-data-bordeaux-2026"
EVENT_TITLE = "Hackathon Open Data Bordeaux 2026"
TIMEZONE = "Europe/Paris"
ROUND = "Hackathon"
ORGANISER_EMAIL = "organisateur@demo.hackcity.fr"
CHALLENGE = "Rendre lisible la qualité de l'eau"
DATASET = "Qualité de l'eau distribuée"
PUBLISHER = "Bordeaux Métropole"
PORTAL = "opendata.bordeaux-metropole.fr"
CAPTAIN = "Ada Lovelace"
SECOND = "Grace Hopper"


def t(language: str, message: str, **values: str) -> str:
    text = catalogue(language).gettext(message)
    return text % values if values else text


def pattern(language: str, message: str, **parts: str) -> re.Pattern[str]:
    """The translated message as a whole-text pattern; `parts` are regular expressions."""
    placeholders = {name: f"\0{name}\0" for name in parts}
    text = re.escape(t(language, message, **placeholders))
    for name, regex in parts.items():
        text = text.replace(re.escape(f"\0{name}\0"), regex)
    return re.compile(f"^{text}$")


def starts_with(text: str) -> re.Pattern[str]:
    """For labels that the `(required)` mark follows."""
    return re.compile("^" + re.escape(text))


def paris_now() -> datetime:
    return datetime.now(ZoneInfo(TIMEZONE)).replace(second=0, microsecond=0)


def local_input(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def long_when(moment: datetime, language: str) -> str:
    """As the app shows a time: `format_when` in the event's zone ("6 déc. 2026, 20:00")."""
    zone = ZoneInfo(TIMEZONE)
    return format_datetime(moment.astimezone(zone), format="d MMM y, HH:mm", tzinfo=zone, locale=language)


def sign_in_as_organiser(page: Page, language: str) -> None:
    page.goto("/login")
    page.get_by_label(starts_with(t(language, "Email address"))).fill(ORGANISER_EMAIL)
    page.get_by_label(starts_with(t(language, "Password"))).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=t(language, "Sign in")).click()
    page.wait_for_url("**/account")
    # The demo account keeps its own language (French in the seeds).
    if page.locator("html").get_attribute("lang") != language:
        page.get_by_role("button", name=SWITCH_TO[language]).click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def edit_round(page: Page, language: str, **inputs: str) -> None:
    """Through the organiser's rounds page: fill the round's form (label → value) and save it."""
    page.goto(f"/events/{EVENT_SLUG}/manage/rounds")
    page.get_by_role("link", name=t(language, "Edit %(name)s", name=ROUND), exact=True).click()
    page.wait_for_url(re.compile(r"/manage/rounds/\d+/edit$"))
    for label, value in inputs.items():
        page.get_by_label(t(language, label), exact=True).fill(value)
    page.get_by_role("button", name=t(language, "Save"), exact=True).click()
    page.wait_for_url(re.compile(r"/manage/rounds$"))
    expect(page.get_by_role("status")).to_contain_text(
        t(language, "The round “%(name)s” is saved.", name=ROUND)
    )


def test_a_team_submits_an_entry_that_the_deadline_freezes_and_the_gallery_shows(
    new_page, server, mailbox, sign_up, assert_accessible, tmp_path: Path
):
    language = "en"

    def check(page: Page, lang: str = language) -> None:
        assert page.locator("html").get_attribute("lang") == lang, page.url
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert_accessible(page)

    def say(message: str, **values: str) -> str:
        return t(language, message, **values)

    token = secrets.token_hex(3)
    team_name = f"Les Gouttes {token}"
    entry_title = f"L'eau en clair {token}"
    summary = "What the tap water analyses say, commune by commune."
    note = "Analyses per commune, shown on a map with plain-language explanations."

    # --- the captain: account, confirmed address, registration, team ------------------------------
    ada = new_page(LOCALES[language])
    ada_email = sign_up(ada, name=CAPTAIN)
    mail = mailbox.wait_for(ada_email, say("Confirm your email address for hackcity"))
    ada.goto(server.link_in(mail, "/verify/"))
    ada.get_by_role("button", name=say("Confirm my email address")).click()
    ada.wait_for_url("**/account")
    expect(ada.get_by_role("status")).to_have_text(say("Your email address is confirmed."))

    ada.goto(f"/events/{EVENT_SLUG}")
    expect(ada.get_by_role("heading", level=1)).to_have_text(EVENT_TITLE)
    check(ada)
    ada.get_by_role("navigation", name=say("Take part")).get_by_role(
        "link", name=say("Register"), exact=True
    ).click()
    ada.wait_for_url(f"**/events/{EVENT_SLUG}/register")
    expect(ada.get_by_role("heading", level=1)).to_have_text(say("Register — %(event)s", event=EVENT_TITLE))
    check(ada)
    ada.get_by_role("button", name=say("Register"), exact=True).click()
    expect(ada.get_by_role("alert").get_by_role("link")).to_have_count(1)  # the rules are not accepted
    check(ada)
    ada.get_by_label(say("I have read and I accept the rules of the event")).check()
    ada.get_by_role("button", name=say("Register"), exact=True).click()

    ada.wait_for_url(f"**/events/{EVENT_SLUG}/team")
    expect(ada.get_by_role("status")).to_have_text(
        say("You are registered for %(event)s.", event=EVENT_TITLE)
    )
    check(ada)
    ada.get_by_label(starts_with(say("Team name"))).fill(team_name)
    ada.get_by_role("button", name=say("Create the team")).click()
    expect(ada.get_by_role("status")).to_have_text(
        say("The team “%(name)s” is created: you are its captain.", name=team_name)
    )
    expect(ada.get_by_role("heading", level=1)).to_have_text(say("My team: %(name)s", name=team_name))
    check(ada)
    ada.get_by_label(CHALLENGE, exact=True).check()
    ada.get_by_role("button", name=say("Save the challenges")).click()
    expect(ada.get_by_role("status")).to_have_text(say("The team's challenges are saved."))
    challenge_region = ada.get_by_role("region", name=say("Our challenge"))
    expect(challenge_region.get_by_role("link", name=CHALLENGE)).to_be_visible()

    # --- the invitation, by mail, to someone without an account yet ---------------------------------
    grace_email = unique_email("grace")
    ada.get_by_label(starts_with(say("Send the link by email to"))).fill(grace_email)
    ada.get_by_role("button", name=say("Send the invitation")).click()
    expect(ada.get_by_role("status")).to_have_text(
        say("An invitation is on its way to %(email)s.", email=grace_email)
    )
    check(ada)
    # Nobody holds this address yet: the mail is in the server's DEFAULT_LANGUAGE (English here),
    # whatever the language of the captain who sent it.
    invitation = mailbox.wait_for(grace_email, f"{CAPTAIN} invites you to the team {team_name}")
    join_link = server.link_in(invitation, "/join/")

    grace = new_page(LOCALES[language])
    sign_up(grace, name=SECOND, email=grace_email)
    grace.goto(join_link)
    expect(grace.get_by_role("heading", level=1)).to_have_text(
        say("Join the team “%(name)s”", name=team_name)
    )
    expect(
        grace.get_by_text(say("Register for the event first, then come back to this link."))
    ).to_be_visible()
    check(grace)
    grace.get_by_role("link", name=say("Register — %(event)s", event=EVENT_TITLE)).click()
    grace.wait_for_url(re.compile(r"/register\?next="))
    check(grace)
    grace.get_by_label(say("I have read and I accept the rules of the event")).check()
    grace.get_by_role("button", name=say("Register"), exact=True).click()
    grace.wait_for_url(re.compile(r"/join/[^/?]+$"))  # back to the invitation
    check(grace)
    grace.get_by_role("button", name=say("Join “%(name)s”", name=team_name)).click()
    grace.wait_for_url(f"**/events/{EVENT_SLUG}/team")
    expect(grace.get_by_role("status")).to_have_text(say("Welcome to the team “%(name)s”.", name=team_name))
    members = grace.get_by_role("region", name=say("Members")).get_by_role("listitem")
    expect(members).to_have_count(2)
    expect(members.filter(has_text=CAPTAIN)).to_contain_text(say("captain"))
    expect(members.filter(has_text=SECOND)).to_contain_text(say("(you)"))
    check(grace)

    # --- the organiser opens the round (the seeds open it on the first day of the hackathon) --------
    organiser = new_page(LOCALES[language])
    sign_in_as_organiser(organiser, language)
    organiser.goto(f"/events/{EVENT_SLUG}/manage/rounds")
    expect(organiser.get_by_role("heading", level=1)).to_have_text(say("Rounds"))
    check(organiser)
    edit_round(organiser, language, Opens=local_input(paris_now() - timedelta(days=1)))
    check(organiser)

    # --- the captain starts, fills and submits the entry --------------------------------------------
    ada.goto(f"/events/{EVENT_SLUG}/team")
    ada.get_by_role("link", name=say("Your team's entries"), exact=True).click()
    ada.wait_for_url(f"**/events/{EVENT_SLUG}/team/entries")
    expect(ada.get_by_role("heading", level=1)).to_have_text(say("Your team's entries"))
    slots = ada.get_by_role("table", name=say("Entries by round and challenge"))
    expect(slots.get_by_role("row").filter(has_text=CHALLENGE)).to_contain_text(ROUND)
    check(ada)
    slots.get_by_label(say("Title of the entry")).fill(entry_title)
    slots.get_by_role("button", name=say("Start the entry")).click()

    ada.wait_for_url(re.compile(r"/entries/\d+/edit$"))
    edit_url = ada.url
    expect(ada.get_by_role("heading", level=1)).to_have_text(entry_title)
    check(ada)
    ada.get_by_label(say("Summary"), exact=True).fill(summary)
    ada.get_by_label(say("Description"), exact=True).fill("A **map** of the analyses.")
    ada.get_by_label(say("Licence of the code")).select_option("MIT")
    datasets = ada.get_by_role("group", name=say("Datasets used"))
    datasets.get_by_label(DATASET, exact=True).check()
    datasets.get_by_label(say("How you used “%(title)s”", title=DATASET)).fill(note)
    ada.get_by_role("button", name=say("Save the draft")).click()
    expect(ada.get_by_role("status")).to_have_text(say("Your entry is saved."))
    expect(ada.get_by_label(DATASET, exact=True)).to_be_checked()
    check(ada)

    upload = tmp_path / "analyses.csv"
    upload.write_text("commune,nitrates_mg_l\nBordeaux,12.5\nMérignac,9.8\n", encoding="utf-8")
    ada.get_by_label(say("Add a file")).set_input_files(upload)
    ada.get_by_role("button", name=say("Upload")).click()
    ada.wait_for_url(re.compile(r"/edit#files$"))
    expect(ada.get_by_role("status")).to_have_text(say("The file “%(name)s” is added.", name=upload.name))
    expect(ada.get_by_role("link", name=upload.name, exact=True)).to_be_visible()
    check(ada)

    ada.get_by_role("button", name=say("Save and submit")).click()
    expect(ada.get_by_role("status")).to_have_text(
        say("Your entry is submitted. Every member of the team gets a receipt by mail.")
    )
    expect(ada.get_by_role("definition").filter(has_text=say("Submitted"))).to_be_visible()
    expect(ada.get_by_role("button", name=say("Save and submit"))).to_have_count(0)
    check(ada)

    for email in (ada_email, grace_email):
        receipt = mailbox.wait_for(email, say("Entry submitted: %(title)s", title=entry_title))
        body = receipt.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
        assert EVENT_TITLE in body, body
        assert f"Title: {entry_title}\n" in body, body
        assert f"- {DATASET}\n" in body, body
        assert f"- {upload.name} (" in body, body
        assert CHALLENGE in body, body

    # --- the second member opens the entry; the organiser moves the deadline into the past ---------
    grace.goto(f"/events/{EVENT_SLUG}/team/entries")
    grace.get_by_role("link", name=entry_title, exact=True).click()
    grace.wait_for_url(edit_url)
    expect(grace.get_by_role("status")).to_have_count(0)  # no "closed" message yet
    check(grace)
    grace.get_by_label(say("Summary"), exact=True).fill("Changed after the deadline.")

    deadline = paris_now() - timedelta(hours=1)
    edit_round(organiser, language, Deadline=local_input(deadline))
    check(organiser)

    closed = say(
        "The deadline of this round passed on %(when)s: entries can no longer be changed.",
        when=long_when(deadline, language),
    )
    grace.get_by_role("button", name=say("Save"), exact=True).click()
    expect(grace.get_by_role("alert")).to_contain_text(closed)
    expect(grace.get_by_role("status")).to_have_text(closed)
    expect(grace.get_by_label(say("Summary"), exact=True)).to_be_disabled()
    check(grace)

    grace.goto(edit_url)
    expect(grace.get_by_role("status")).to_have_text(closed)
    expect(grace.get_by_label(say("Summary"), exact=True)).to_have_value(summary)
    expect(grace.get_by_label(say("Summary"), exact=True)).to_be_disabled()
    expect(grace.get_by_role("button", name=say("Save"), exact=True)).to_have_count(0)
    expect(grace.get_by_label(say("Add a file"))).to_have_count(0)
    check(grace)

    # --- the gallery: public on its own after the last deadline -------------------------------------
    organiser.get_by_role("navigation", name=say("Manage the event")).get_by_role(
        "link", name=say("Entries and selection"), exact=True
    ).click()
    organiser.wait_for_url(f"**/events/{EVENT_SLUG}/manage/entries")
    expect(organiser.get_by_text(say("The gallery is public."))).to_be_visible()
    expect(
        organiser.get_by_label(re.compile("^" + re.escape(say("Automatically, after the last deadline"))))
    ).to_be_checked()
    expect(organiser.get_by_role("link", name=entry_title)).to_be_visible()
    check(organiser)

    attribution = {
        lang: pattern(
            lang,
            "%(publisher)s – data downloaded from %(portal)s, last updated on %(date)s",
            publisher=re.escape(PUBLISHER),
            portal=re.escape(PORTAL),
            date=r"\S.*\d{4}(?: · .*)?",  # the licence may follow the credit
        )
        for lang in LOCALES
    }
    visitor = new_page(LOCALES[language])
    visitor.goto(f"/events/{EVENT_SLUG}")
    check(visitor)
    visitor.get_by_role("navigation", name=say("Take part")).get_by_role(
        "link", name=say("Gallery"), exact=True
    ).click()
    visitor.wait_for_url(f"**/events/{EVENT_SLUG}/gallery")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(say("Gallery"))
    card = visitor.get_by_role("listitem").filter(has=visitor.get_by_role("heading", name=entry_title))
    expect(card).to_contain_text(
        say("By the team %(team)s · challenge %(challenge)s", team=team_name, challenge=CHALLENGE)
    )
    expect(card).to_contain_text(summary)
    check(visitor)
    card.get_by_role("link", name=entry_title, exact=True).click()

    visitor.wait_for_url(re.compile(r"/events/[^/]+/entries/\d+$"))
    entry_url = visitor.url
    expect(visitor.get_by_role("heading", level=1)).to_have_text(entry_title)
    expect(visitor.get_by_text(summary, exact=True)).to_be_visible()
    expect(visitor.get_by_text("Changed after the deadline.")).to_have_count(0)
    expect(visitor.get_by_role("link", name=say("Edit this entry"))).to_have_count(0)
    used = visitor.get_by_role("listitem").filter(has=visitor.get_by_role("link", name=DATASET, exact=True))
    expect(used.get_by_text(attribution[language])).to_be_visible()
    expect(used).to_contain_text(f"{say('How the team used it:')} {note}")
    expect(visitor.get_by_role("link", name=upload.name, exact=True)).to_be_visible()
    check(visitor)

    # --- the same pages in the other language ----------------------------------------------------------
    other = "fr"
    french = new_page(LOCALES[other])
    french.goto(f"/events/{EVENT_SLUG}/gallery")
    expect(french.get_by_role("heading", level=1)).to_have_text(t(other, "Gallery"))
    expect(
        french.get_by_text(t(other, "Not public yet: only the organisers see this gallery."))
    ).to_have_count(0)
    french_card = french.get_by_role("listitem").filter(has=french.get_by_role("heading", name=entry_title))
    expect(french_card).to_contain_text(
        t(other, "By the team %(team)s · challenge %(challenge)s", team=team_name, challenge=CHALLENGE)
    )
    check(french, other)
    french.goto(entry_url)
    expect(french.get_by_role("heading", level=1)).to_have_text(entry_title)
    expect(french.get_by_role("heading", level=2, name=t(other, "Data used"))).to_be_visible()
    french_used = french.get_by_role("listitem").filter(
        has=french.get_by_role("link", name=DATASET, exact=True)
    )
    expect(french_used.get_by_text(attribution[other])).to_be_visible()
    expect(french_used).to_contain_text(f"{t(other, 'How the team used it:')} {note}")
    check(french, other)
