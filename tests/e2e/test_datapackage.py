"""An organiser moves an event through its Data Package, in a real browser.

The Lyon hackathon's organiser downloads its Data Package from the dashboard, opens the import page
from "Create an event", uploads a copy with a broken row (the page lists the problem with its file,
line and column, and nothing is created), then the package itself: a new draft event, with its
challenges, gallery and published results. axe-core checks every page on the way.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from seeds.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

ORGANISER_EMAIL = "organisateur@demo.hackcity.fr"
LYON = "hackathon-mobilite-lyon-2026"
LYON_TITLE = "Hackathon Mobilités Lyon 2026"


def _sign_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label(re.compile(r"^Email address")).fill(ORGANISER_EMAIL)
    page.get_by_label(re.compile(r"^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")
    if page.locator("html").get_attribute("lang") != "en":  # the demo account reads French at first
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _broken_copy(package: Path, target: Path) -> Path:
    """The package with a team name over 100 characters on line 3 of data/teams.csv."""
    with zipfile.ZipFile(package) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    rows = list(csv.reader(io.StringIO(members["data/teams.csv"].decode(), newline="")))
    rows[2][1] = "x" * 101
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    members["data/teams.csv"] = buffer.getvalue().encode()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as copy:
        for name, data in members.items():
            copy.writestr(name, data)
    return target


def test_an_organiser_downloads_the_package_and_imports_it_as_a_new_event(page, assert_accessible, tmp_path):
    def check() -> None:
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert_accessible(page)

    _sign_in(page)
    page.goto(f"/events/{LYON}/manage")
    open_data = page.get_by_role("region", name="Open data")
    check()
    with page.expect_download() as download:
        open_data.get_by_role("link", name="Download the Data Package (zip of CSV files)").click()
    assert download.value.suggested_filename == f"{LYON}-datapackage.zip"
    package = tmp_path / "package.zip"
    download.value.save_as(package)
    with zipfile.ZipFile(package) as archive:
        assert "datapackage.json" in archive.namelist()
        assert "data/entries.csv" in archive.namelist()

    page.goto("/events/new")
    page.get_by_role("link", name="Or import an event from a Data Package").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import an event from a Data Package")
    check()

    # A copy with a bad row: the problem is listed, nothing is created.
    page.get_by_label(re.compile(r"^Data Package \(zip\)")).set_input_files(
        _broken_copy(package, tmp_path / "broken.zip")
    )
    page.get_by_role("button", name="Import the event").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was imported: the package has 1 problem to fix.")
    expect(alert).to_contain_text("data/teams.csv, line 3, column name: Use at most 100 characters.")
    check()

    # The package itself: a new draft event, at a free address.
    page.get_by_label(re.compile(r"^Data Package \(zip\)")).set_input_files(package)
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Import the event").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/events/{LYON}-\d+/manage$"))
    slug = page.url.split("/events/", 1)[1].split("/", 1)[0]
    expect(page.get_by_role("status")).to_contain_text(
        f"The event “{LYON_TITLE}” is imported as a draft at {slug}: the address {LYON} was taken."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Manage {LYON_TITLE}")
    expect(page.get_by_role("region", name="Visibility")).to_contain_text("draft")
    check()

    page.goto(f"/events/{slug}/gallery")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Vélo'v dans 30 minutes")).to_be_visible()
    check()
    page.goto(f"/events/{slug}/results")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results")
    expect(page.get_by_role("heading", name="Jury final")).to_be_visible()
    expect(page.get_by_role("heading", name="Prix des mentors")).to_be_visible()  # judged in pairs
    expect(page.get_by_role("table")).to_have_count(6)  # each jury: a table per challenge
    check()
