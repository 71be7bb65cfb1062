"""The instance's identity and the images of events (events/routes/branding.py), over HTTP: an admin
sets the name, colours (refused below the AA contrast ratio, saying the ratio), footer links and a
logo, and every page shows them; an organiser adds a cover, sponsors' logos and a challenge's
illustration, shown on the public pages; hostile images are refused or stored as plain pixels;
images are served at an address that changes with their bytes, cached a year, never sniffed."""

from __future__ import annotations

import html
import io
import re

import httpx
import pytest
from PIL import Image as PILImage

from events.domain import branding
from events.domain.entries import sweep_orphan_files
from events.models import (
    Challenge,
    ChallengeStatus,
    Event,
    EventRole,
    EventStatus,
    Image,
    ImageRole,
    Role,
    SiteSettings,
)
from tests import images as made
from tests.helpers import csrf_from, make_user, post_form, sign_in
from tests.querycount import count_queries

SLUG = "datacity"
ADMIN = "admin@example.org"
ORGANISER = "orga@example.org"
MANAGE = f"/events/{SLUG}/manage/images"


@pytest.fixture
async def event(db) -> Event:
    event = await Event.create(slug=SLUG, title="DataCity", status=EventStatus.PUBLISHED)
    organiser = await make_user(ORGANISER, name="Olga Organiser")
    await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    await Challenge.create(event=event, slug="velo", title="Vélo en ville", status=ChallengeStatus.PUBLISHED)
    return event


@pytest.fixture
async def admin(db, client) -> httpx.AsyncClient:
    await make_user(ADMIN, name="Ada Admin", is_admin=True)
    await sign_in(client, ADMIN)
    return client


@pytest.fixture
async def organiser(event, make_client) -> httpx.AsyncClient:
    browser = make_client()
    await sign_in(browser, ORGANISER)
    return browser


async def upload(
    client: httpx.AsyncClient, url: str, data: bytes, filename: str = "logo.png", page: str = MANAGE, **fields
):
    token = await csrf_from(client, page)
    files = {"file": (filename, data, "application/octet-stream")}
    files.update({key: (None, value) for key, value in fields.items()})
    return await client.post(f"{url}?csrf_token={token}", files=files)


def stored_bytes(app, image: Image) -> bytes:
    return app.state.storage.path(image.storage_key).read_bytes()


def errors_of(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="error" id="[^"]+">([^<]*)</p>', page)]


async def test_admin_sets_name_colours_and_footer_links_that_every_page_shows(admin, make_client):
    answer = await post_form(
        admin,
        "/admin/settings",
        {
            "name": "Lyon Data Défis",
            "primary_colour": "#0B5D1E",
            "accent_colour": "#8a1538",
            "link_label_0": "Ville de Lyon",
            "link_url_0": "https://www.lyon.fr/",
        },
        page="/admin/settings",
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/admin/settings")
    row = await SiteSettings.get(id=1)
    assert (row.name, row.primary_colour, row.accent_colour) == ("Lyon Data Défis", "#0b5d1e", "#8a1538")
    assert row.footer_links == [{"label": "Ville de Lyon", "url": "https://www.lyon.fr/"}]

    visitor = make_client()
    page = (await visitor.get("/", headers={"Accept-Language": "en"})).text
    assert "<title>Open-data challenges and hackathons · Lyon Data Défis</title>" in page
    assert '<a class="brand" href="/">Lyon Data Défis</a>' in page
    assert '<li><a href="https://www.lyon.fr/" rel="noopener">Ville de Lyon</a></li>' in page
    css_url = re.search(r'<link rel="stylesheet" href="(/branding\.css\?v=[0-9a-f]{12})">', page).group(1)
    css = await visitor.get(css_url)
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "--brand: #0b5d1e;" in css.text and "--accent: #8a1538;" in css.text
    assert (await visitor.get("/branding.css?v=old")).headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "The main colour #ffcc00 has a contrast ratio of 1.37:1 with white (text on it, and it as text "
            "on the page): at least 4.5:1 is needed (WCAG AA). Choose a darker colour.",
        ),
        (
            "fr",
            "La couleur principale #ffcc00 a un rapport de contraste de 1,37:1 avec le blanc (du texte "
            "sur elle, et elle en texte sur la page)\u00a0: il faut au moins 4,5:1 (WCAG AA). Choisissez "
            "une couleur plus foncée.",
        ),
    ],
)
async def test_a_colour_without_enough_contrast_is_refused_with_the_ratio(admin, language, expected):
    await admin.post(
        "/language", data={"csrf_token": await csrf_from(admin), "language": language, "next": "/"}
    )
    answer = await post_form(
        admin,
        "/admin/settings",
        {
            "name": "Ma ville",
            "primary_colour": "#FFCC00",
            "link_label_0": "Mairie",
            "link_url_0": "javascript:alert(1)",
        },
        page="/admin/settings",
    )
    assert answer.status_code == 422
    found = errors_of(answer.text)
    assert expected in found
    assert len(found) == 2  # the colour and the link's address
    assert 'value="Ma ville"' in answer.text and 'value="#FFCC00"' in answer.text  # what was typed
    assert await SiteSettings.get_or_none(id=1) is None


async def test_the_logo_is_re_encoded_served_immutable_and_shown_in_the_header(admin, app, make_client):
    answer = await upload(
        admin,
        "/admin/settings/logo",
        made.jpeg(800, 400, exif_text=made.SCRIPT),
        "x.jpg",
        page="/admin/settings",
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/admin/settings")
    logo = await Image.get(role=ImageRole.LOGO)
    assert (logo.width, logo.height, logo.content_type) == (512, 256, "image/jpeg")
    data = stored_bytes(app, logo)
    assert made.SCRIPT not in data and not PILImage.open(io.BytesIO(data)).getexif()

    visitor = make_client()
    page = (await visitor.get("/")).text
    assert f'<img class="brand__logo" src="{logo.url}" alt="" width="512" height="256">hackcity</a>' in page
    served = await visitor.get(logo.url, headers={"Accept-Encoding": "gzip"})
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "content-encoding" not in served.headers  # a JPEG is compressed already
    assert (await visitor.get(logo.url.replace(logo.sha256, "0" * 64))).status_code == 404

    # Replaced: the old address and bytes are gone.
    await upload(admin, "/admin/settings/logo", made.png(), page="/admin/settings")
    assert await Image.filter(role=ImageRole.LOGO).count() == 1
    assert (await visitor.get(logo.url)).status_code == 404
    assert not app.state.storage.path(logo.storage_key).exists()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            made.svg(),
            "logo.svg",
            "SVG images and web pages are not accepted: choose a PNG, JPEG, WebP or GIF image.",
        ),
        (
            made.decompression_bomb(5000),
            "bomb.png",
            "This image is 5000 × 5000 pixels: an image may be at most 4096 pixels wide and high.",
        ),
        (
            b"GIF89a" + b"\x00" * 20,
            "x.gif",
            "This file is not an image we accept: choose a PNG, JPEG, WebP or GIF image "
            "(SVG is not accepted).",
        ),
    ],
    ids=["svg", "bomb", "broken"],
)
async def test_hostile_images_are_refused_and_nothing_is_stored(organiser, app, data, name, message):
    answer = await upload(organiser, f"{MANAGE}/cover", data, name)
    assert answer.status_code == 422
    assert errors_of(answer.text) == [message]
    assert await Image.all().count() == 0
    assert (
        not list((app.state.storage.root / "files").rglob("*"))
        if (app.state.storage.root / "files").exists()
        else True
    )


async def test_a_polyglot_is_stored_as_plain_pixels(organiser, app):
    answer = await upload(organiser, f"{MANAGE}/cover", made.html_polyglot(), "cover.png")
    assert answer.status_code == 303
    cover = await Image.get(role=ImageRole.COVER)
    data = stored_bytes(app, cover)
    assert made.SCRIPT not in data and b"<html" not in data
    assert data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82")


async def test_organiser_adds_a_cover_two_sponsors_and_an_illustration_shown_on_the_public_pages(
    event, organiser, app, make_client
):
    assert (await upload(organiser, f"{MANAGE}/cover", made.jpeg(2400, 800))).status_code == 303
    second = await upload(
        organiser,
        f"{MANAGE}/sponsors",
        made.png(600, 200),
        name="Métropole <Lyon>",
        link="https://www.grandlyon.com/",
        kind="sponsor",
        position="2",
    )
    assert second.status_code == 303, second.text[second.text.find("form-errors") :][:800]
    first = await upload(
        organiser,
        f"{MANAGE}/sponsors",
        made.png(100, 100),
        name="Open Data France",
        link="",
        kind="sponsor",
        position="1",
    )
    assert first.status_code == 303
    partner = await upload(organiser, f"{MANAGE}/sponsors", made.png(), name="La Fabrique", kind="partner")
    assert partner.status_code == 303
    challenge = await Challenge.get(slug="velo")
    illustrated = await upload(
        organiser, f"{MANAGE}/illustration", made.jpeg(300, 200), challenge=str(challenge.id)
    )
    assert illustrated.status_code == 303

    cover = await Image.get(role=ImageRole.COVER, event_id=event.id)
    assert (cover.width, cover.height) == (1600, 533)
    sponsors = await Image.filter(role=ImageRole.SPONSOR).order_by("position")
    assert [(s.name, s.link, s.width) for s in sponsors] == [
        ("Open Data France", "", 100),
        ("Métropole <Lyon>", "https://www.grandlyon.com/", 480),
    ]

    visitor = make_client()
    page = (await visitor.get(f"/events/{SLUG}")).text
    assert f'<img class="cover" src="{cover.url}" alt="" width="1600" height="533">' in page
    assert f'<meta property="og:image" content="http://testserver{cover.url}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    logos = re.findall(r'<img src="(/images/[^"]+)" alt="([^"]*)"', page)
    assert [alt for _url, alt in logos] == ["Open Data France", "Métropole &lt;Lyon&gt;", "La Fabrique"]
    assert f'<a href="https://www.grandlyon.com/" rel="noopener"><img src="{sponsors[1].url}"' in page
    assert '<h2 id="sponsors">With the support of</h2>' in page
    assert '<h2 id="partners">In partnership with</h2>' in page
    illustration = await Image.get(role=ImageRole.ILLUSTRATION)
    assert illustration.url in page  # on the challenge's card
    challenge_page = (await visitor.get(f"/events/{SLUG}/challenges/velo")).text
    assert f'<img class="illustration" src="{illustration.url}" alt=""' in challenge_page

    # Removed: the row, then the bytes.
    removed = await post_form(organiser, f"{MANAGE}/{sponsors[0].id}/remove", page=MANAGE)
    assert (removed.status_code, removed.headers["location"]) == (303, MANAGE)
    assert await Image.filter(id=sponsors[0].id).count() == 0
    assert not app.state.storage.path(sponsors[0].storage_key).exists()
    # The sweep of orphan uploads keeps the images that rows name.
    assert await sweep_orphan_files(app.state.storage, min_age_seconds=0) == 0
    assert app.state.storage.path(cover.storage_key).exists()


async def test_a_sponsor_without_a_name_is_refused_keeping_what_was_typed(organiser):
    answer = await upload(
        organiser,
        f"{MANAGE}/sponsors",
        made.png(),
        name=" ",
        link="ftp://example.org",
        kind="sponsor",
        position="x",
    )
    assert answer.status_code == 422
    assert errors_of(answer.text) == [
        "Give the organisation's name (at most 120 characters): it is read out in place of the logo.",
        "Give a web address starting with https:// or http://.",
        "Give a whole number from 0 to 999.",
    ]
    assert 'value="ftp://example.org"' in answer.text
    assert await Image.all().count() == 0


async def test_another_events_image_cannot_be_removed(event, organiser):
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    image = await Image.create(
        role=ImageRole.COVER,
        event=other,
        storage_key="a" * 32,
        sha256="b" * 64,
        content_type="image/png",
        width=1,
        height=1,
        size=1,
    )
    answer = await post_form(organiser, f"{MANAGE}/{image.id}/remove", page=MANAGE)
    assert answer.status_code == 303
    assert await Image.filter(id=image.id).count() == 1


async def test_pages_read_the_settings_from_the_process_cache_and_a_save_refreshes_it(
    admin, app, make_client
):
    visitor = make_client()
    await visitor.get("/")  # the first page of the process reads them
    async with count_queries() as queries:
        page = (await visitor.get("/")).text
    assert not [sql for _method, sql in queries if "site_settings" in sql or '"image"' in sql], (
        queries.report()
    )
    assert '<a class="brand" href="/">hackcity</a>' in page
    saved = await post_form(admin, "/admin/settings", {"name": "Grenoble Data"}, page="/admin/settings")
    assert saved.status_code == 303
    assert '<a class="brand" href="/">Grenoble Data</a>' in (await visitor.get("/")).text
    # Another process sees the change within the cache's lifetime (here: a cache of its own, expired).
    other = branding.BrandingCache(ttl=0)
    assert (await other.get()).name == "Grenoble Data"
