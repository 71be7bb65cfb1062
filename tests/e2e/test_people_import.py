"""An organiser imports people from a CSV file, in a real browser.

The DataCity Paris organiser opens the import from the people page, uploads a file (semicolons,
Windows-1252, French words) with one wrong line: the report names the line, nothing is imported. She
fixes the line, checks the file, then imports it: the people page lists the new invitations. axe-core
checks every page on the way.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from seeds.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

ORGANISER_EMAIL = "organisatrice@demo.hackcity.fr"
PARIS = "datacity-paris-2026"
HEADER = "Courriel;Nom;Rôle;Équipe\r\n"


def _sign_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label(re.compile(r"^Email address")).fill(ORGANISER_EMAIL)
    page.get_by_label(re.compile(r"^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")
    if page.locator("html").get_attribute("lang") != "en":  # the demo account reads French at first
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_an_organiser_fixes_a_wrong_line_then_imports_the_file(page, assert_accessible, tmp_path):
    def check() -> None:
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert_accessible(page)

    wrong = tmp_path / "people.csv"
    wrong.write_bytes(
        (
            HEADER + "zoe.import@example.org;Zoé;participante;Les Écureuils\r\njules.import;Jules;juré\r\n"
        ).encode("cp1252")
    )
    fixed = tmp_path / "people-fixed.csv"
    fixed.write_bytes(
        (
            HEADER + "zoe.import@example.org;Zoé;participante;Les Écureuils\r\n"
            "jules.import@example.org;Jules;juré;\r\n"
        ).encode("cp1252")
    )
    _sign_in(page)
    page.goto(f"/events/{PARIS}/manage/people")
    page.get_by_role("link", name="Import people from a CSV file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import people from a CSV file")
    check()

    # One wrong line: the report names it, nothing is imported.
    page.get_by_label(re.compile(r"^CSV file of people")).set_input_files(wrong)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported: the file has 1 problem to fix.")
    report = page.get_by_role("table", name="Problems to fix")
    expect(report.get_by_role("row")).to_have_count(2)
    expect(report.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["3", "Courriel", "jules.import", "Enter an email address like name@example.org."]
    )
    check()

    # The fixed file: checked first, then imported.
    page.get_by_label(re.compile(r"^CSV file of people")).set_input_files(fixed)
    page.get_by_role("button", name="Check only").click()
    expect(page.get_by_role("status").filter(has_text="The file can be imported")).to_contain_text(
        "The file can be imported: 2 invitations to mail"
    )
    expect(page.get_by_role("table", name="What each line will do")).to_contain_text(
        "Participant — Les Écureuils"
    )
    check()
    page.get_by_label(re.compile(r"^CSV file of people")).set_input_files(fixed)
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(f"**/events/{PARIS}/manage/people")
    expect(page.get_by_role("status").filter(has_text="People imported")).to_contain_text(
        "People imported: 2 invitations mailed"
    )
    waiting = page.get_by_role("table", name="Invitations waiting for an answer")
    expect(waiting).to_contain_text("zoe.import@example.org (Zoé)")
    expect(waiting).to_contain_text("Participant (team “Les Écureuils”)")
    expect(waiting).to_contain_text("jules.import@example.org (Jules)")
    check()
