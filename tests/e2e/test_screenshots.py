"""Screenshots of the key pages, in French, at desktop (1280×800) and phone (390×844) sizes.

Every run opens each page in both sizes and checks that it answers 200 without a console error. The
pictures land in a temporary directory, or in docs/screenshots/ (shown in the README) when
HACKCITY_SCREENSHOTS=1: `make screenshots` regenerates them (CONTRIBUTING.md). They are what a
screen shows at first (not the whole page), as JPEG at device scale 1, to keep each file small.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from seeds.banner import LIVE_EVENT, LIVE_JUROR, LIVE_ORGANISER, PUBLISHED_EVENT
from seeds.demo import DEMO_PASSWORD
from tests.e2e.conftest import ACTION_TIMEOUT, ROOT, Server

pytestmark = pytest.mark.e2e

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
QUALITY = 70
CHALLENGE = "ilots-de-chaleur-cours-ecole"


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("HACKCITY_SCREENSHOTS") == "1":
        folder = ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")


class Camera:
    """A French browser context (signed in as `email`, if given) that photographs pages in both sizes
    and remembers every console error and failed page load."""

    def __init__(self, browser: Browser, server: Server, folder: Path, email: str | None) -> None:
        self.context = browser.new_context(
            base_url=server.base_url, locale="fr-FR", viewport=SIZES["desktop"], device_scale_factor=1
        )
        self.context.set_default_timeout(ACTION_TIMEOUT)
        self.page = self.context.new_page()
        self.folder = folder
        self.errors: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        if email:
            self._sign_in(email)

    def _sign_in(self, email: str) -> None:
        self.page.goto("/login")
        self.page.locator("#f-email").fill(email)
        self.page.locator("#f-password").fill(DEMO_PASSWORD)
        self.page.locator("main form[action='/login'] button[type=submit]").click()
        self.page.wait_for_url("**/account")
        if self.page.locator("html").get_attribute("lang") != "fr":  # another test may have chosen English
            self.page.locator("button[name=language][value=fr]").click()
            self.page.wait_for_load_state()

    def link(self, path: str, pattern: str) -> str:
        """The first link of the page at `path` whose address matches `pattern`."""
        self.page.goto(path)
        for href in self.page.locator("main a[href]").evaluate_all("links => links.map(a => a.pathname)"):
            if re.fullmatch(pattern, href):
                return href
        raise AssertionError(f"no link like {pattern} on {path}")

    def take(self, name: str, path: str) -> None:
        for size, viewport in SIZES.items():
            self.page.set_viewport_size(viewport)
            response = self.page.goto(path)
            assert response is not None and response.status == 200, (path, response and response.status)
            assert self.page.locator("html").get_attribute("lang") == "fr", path
            self.page.screenshot(path=self.folder / f"{name}-{size}.jpg", type="jpeg", quality=QUALITY)
        assert self.errors == [], (path, self.errors)


@pytest.fixture
def camera(browser: Browser, server: Server, shots: Path) -> Iterator:
    opened: list[Camera] = []

    def open_camera(email: str | None = None) -> Camera:
        opened.append(Camera(browser, server, shots, email))
        return opened[-1]

    yield open_camera
    for item in opened:
        item.context.close()


def test_screenshots_of_the_key_pages_in_french(camera, shots: Path):
    visitor = camera()
    visitor.take("home", "/")
    visitor.take("event", f"/events/{LIVE_EVENT}")
    visitor.take("challenge", f"/events/{LIVE_EVENT}/challenges/{CHALLENGE}")
    visitor.take("catalogue", f"/events/{LIVE_EVENT}/datasets")
    visitor.take("gallery", f"/events/{PUBLISHED_EVENT}/gallery")
    visitor.take("entry", visitor.link(f"/events/{PUBLISHED_EVENT}/gallery", r"/events/[^/]+/entries/\d+"))
    visitor.take("results", f"/events/{PUBLISHED_EVENT}/results")

    juror = camera(LIVE_JUROR)
    session = juror.link(f"/events/{LIVE_EVENT}/jury", r"/events/[^/]+/jury/\d+")
    juror.take("juror-sheet", juror.link(session, r"/events/[^/]+/jury/\d+/entries/\d+"))

    organiser = camera(LIVE_ORGANISER)
    organiser.take("dashboard", f"/events/{LIVE_EVENT}/manage")
    organiser.take("selection", f"/events/{LIVE_EVENT}/manage/entries")
    live = session.rsplit("/", 1)[1]  # the jury open today, the juror's
    organiser.take("control-room", f"/events/{LIVE_EVENT}/manage/juries/{live}/live")

    taken = sorted(path.name for path in shots.glob("*.jpg"))
    assert len(taken) == 22, taken
    assert all(path.stat().st_size < 200_000 for path in shots.glob("*.jpg")), [
        (path.name, path.stat().st_size) for path in shots.glob("*.jpg")
    ]
