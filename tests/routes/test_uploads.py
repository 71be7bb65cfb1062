"""Uploads over HTTP: streamed to storage, hostile names, wrong types, limits, quota, CSRF, downloads."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from events.models import Entry, EntryFile, Round
from tests.entry_world import make_entry_world, signed_in
from tests.helpers import csrf_from, post_form

PDF = b"%PDF-1.7\n" + b"0" * 1000
BOUNDARY = "hackcityboundary7MA4YWxkTrZu0gW"


@pytest.fixture
def settings(settings):
    return settings.with_overrides(max_upload_mb=1, team_quota_mb=2)


@pytest.fixture
async def world(db):
    return await make_entry_world()


@pytest.fixture
async def alice(world, make_client):
    return await signed_in(make_client, world.alice)


@pytest.fixture
async def entry(world, alice) -> Entry:
    page = f"/events/{world.event.slug}/team/entries"
    response = await post_form(
        alice, page, {"round": world.stage.id, "challenge": world.challenge.id, "title": "Bus"}, page=page
    )
    assert response.status_code == 303
    return await Entry.get(team_id=world.team_a.id)


def multipart(filename: bytes, content: bytes, *, field: bytes = b"file") -> tuple[bytes, str]:
    """A multipart body written by hand, so that hostile file names reach the server as they are."""
    body = (
        b"--" + BOUNDARY.encode() + b"\r\n"
        b'Content-Disposition: form-data; name="' + field + b'"; filename="' + filename + b'"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n"
        b"--" + BOUNDARY.encode() + b"--\r\n"
    )
    return body, f"multipart/form-data; boundary={BOUNDARY}"


async def upload(client, entry, filename: bytes, content: bytes, *, token: str | None = None, in_query=True):
    url = f"/events/datacity/entries/{entry.id}/files"
    if token is None:
        token = await csrf_from(client, f"/events/datacity/entries/{entry.id}/edit")
    body, content_type = multipart(filename, content)
    if in_query and token:
        url += f"?csrf_token={token}"
    return await client.post(url, content=body, headers={"Content-Type": content_type})


def stored_files(settings) -> list[Path]:
    root = Path(settings.upload_dir)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_upload_is_stored_under_a_generated_name_and_downloaded_as_an_attachment(
    settings, world, alice, entry
):
    response = await upload(alice, entry, "Présentation finale.pdf".encode(), PDF)

    assert response.status_code == 303, response.text
    record = await EntryFile.get(entry_id=entry.id)
    assert record.original_name == "Présentation finale.pdf"
    assert record.size == len(PDF)
    assert record.sha256 == hashlib.sha256(PDF).hexdigest()
    assert record.content_type == "application/pdf"
    files = stored_files(settings)
    assert [p.name for p in files] == [record.storage_key]
    assert files[0].read_bytes() == PDF

    download = await alice.get(f"/events/datacity/entries/{entry.id}/files/{record.id}")

    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''Pr%C3%A9sentation%20finale.pdf"
    )
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-security-policy"] == "sandbox"
    assert "content-encoding" not in download.headers  # httpx asked for gzip: files go as they are


async def test_organiser_downloads_a_file_another_team_does_not(world, alice, entry, make_client):
    await upload(alice, entry, b"slides.pdf", PDF)
    record = await EntryFile.get(entry_id=entry.id)
    olga = await signed_in(make_client, world.olga)
    bob = await signed_in(make_client, world.bob)
    url = f"/events/datacity/entries/{entry.id}/files/{record.id}"

    assert (await olga.get(url)).content == PDF
    assert (await bob.get(url)).status_code == 404
    assert (await make_client().get(url)).status_code == 404  # anonymous: not public yet


@pytest.mark.parametrize(
    ("filename", "shown"),
    [
        (b"../../etc/passwd.txt", "passwd.txt"),
        (b"..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        (b"/etc/cron.d/evil.txt", "evil.txt"),
        (b"nul\x00byte.txt", "nulbyte.txt"),
        (b"tab\tescape\x1b[31mred\x7f.txt", "tabescape[31mred.txt"),
        ("invoice\u202etxt.md".encode(), "invoicetxt.md"),
        (("a" * 400 + ".txt").encode(), "a" * 196 + ".txt"),
    ],
)
async def test_hostile_file_names_stay_display_names(settings, alice, entry, filename, shown):
    response = await upload(alice, entry, filename, b"hello, open data\n")

    assert response.status_code == 303, response.text
    record = await EntryFile.get(entry_id=entry.id)
    assert record.original_name == shown
    root = Path(settings.upload_dir).resolve()
    files = stored_files(settings)
    assert [p.name for p in files] == [record.storage_key]
    assert files[0].resolve().is_relative_to(root)
    assert not Path("/etc/passwd.txt").exists()


async def test_a_raw_line_break_in_a_file_name_is_an_unreadable_request(settings, alice, entry):
    # Browsers send CR and LF in a file name as %0D and %0A: raw ones would end the part's header.
    response = await upload(alice, entry, b"line\r\nX-Injected: 1\r\nbreak.txt", b"hello")

    assert response.status_code == 400
    assert await EntryFile.all().count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        (b"setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),  # a Windows program renamed
        (b"setup.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        (b"page.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        (b"page.md", b"\n  <script>alert(document.cookie)</script>"),
        (
            b"image.txt",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
        ),
        (b"image.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        (b"image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
        (b"data.csv", b"caf\xe9;cr\xe8me\n"),  # Latin-1, not UTF-8
        (b"data.json", b""),
        (b"noextension", b"hello"),
        (b"photo.jpg", b"\x89PNG\r\n\x1a\n"),
    ],
)
async def test_wrong_types_are_refused_and_leave_nothing(settings, alice, entry, filename, content):
    response = await upload(alice, entry, filename, content)

    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert await EntryFile.all().count() == 0
    assert stored_files(settings) == []


async def test_accepted_types_pass_their_check(settings, alice, entry):
    samples = {
        b"map.geojson": b'{"type": "FeatureCollection", "features": []}',
        b"slides.pptx": b"PK\x03\x04" + b"\x00" * 50,
        b"photo.jpeg": b"\xff\xd8\xff\xe0" + b"\x00" * 20,
        b"notes.md": "# Données ouvertes\n\nÀ Lyon.".encode(),
        b"code.zip": b"PK\x05\x06" + b"\x00" * 18,
    }
    for name, content in samples.items():
        response = await upload(alice, entry, name, content)
        assert response.status_code == 303, (name, response.text)

    assert await EntryFile.filter(entry_id=entry.id).count() == len(samples)


async def test_a_file_over_the_limit_is_413_and_leaves_nothing(settings, alice, entry):
    response = await upload(alice, entry, b"big.pdf", b"%PDF-" + b"0" * (1024 * 1024))

    assert response.status_code == 413
    assert await EntryFile.all().count() == 0
    assert stored_files(settings) == []


async def test_a_declared_body_over_the_limit_is_413(settings, alice, entry):
    token = await csrf_from(alice, f"/events/datacity/entries/{entry.id}/edit")
    response = await alice.post(
        f"/events/datacity/entries/{entry.id}/files?csrf_token={token}",
        content=b"x" * 10,
        headers={
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Length": str(10 * 1024**2),
        },
    )

    assert response.status_code == 413


async def test_a_chunked_body_over_the_limit_is_413_and_leaves_nothing(settings, alice, entry):
    token = await csrf_from(alice, f"/events/datacity/entries/{entry.id}/edit")
    head, content_type = multipart(b"big.pdf", b"%PDF-")
    head = head[: head.index(b"%PDF-") + 5]
    chunks_sent = 0

    async def body():
        nonlocal chunks_sent
        yield head
        for _ in range(40):  # 40 x 64 KB = 2.5 MB, no Content-Length
            chunks_sent += 1
            yield b"0" * 65536

    response = await alice.post(
        f"/events/datacity/entries/{entry.id}/files?csrf_token={token}",
        content=body(),
        headers={"Content-Type": content_type},
    )

    assert response.status_code == 413
    assert "content-length" not in {
        k.lower() for k in response.request.headers if k.lower() == "content-length"
    }
    assert await EntryFile.all().count() == 0
    assert stored_files(settings) == []


async def test_the_team_quota_refuses_the_file_that_would_exceed_it(settings, alice, entry):
    almost_a_mb = b"%PDF-" + b"0" * (900 * 1024)

    first = await upload(alice, entry, b"one.pdf", almost_a_mb)
    second = await upload(alice, entry, b"two.pdf", almost_a_mb)
    third = await upload(alice, entry, b"three.pdf", almost_a_mb)

    assert (first.status_code, second.status_code, third.status_code) == (303, 303, 422)
    assert "more than its 2\u00a0MB" in third.text
    assert await EntryFile.filter(entry_id=entry.id).count() == 2
    assert len(stored_files(settings)) == 2


async def test_an_upload_needs_the_csrf_token_in_the_query_or_a_header(settings, alice, entry):
    without = await upload(alice, entry, b"slides.pdf", PDF, token="")
    wrong = await upload(alice, entry, b"slides.pdf", PDF, token="not-the-token")
    token = await csrf_from(alice, f"/events/datacity/entries/{entry.id}/edit")
    body, content_type = multipart(b"slides.pdf", PDF)
    with_header = await alice.post(
        f"/events/datacity/entries/{entry.id}/files",
        content=body,
        headers={"Content-Type": content_type, "X-CSRF-Token": token},
    )

    assert (without.status_code, wrong.status_code, with_header.status_code) == (403, 403, 303)
    assert await EntryFile.all().count() == 1


async def test_no_upload_after_the_deadline(settings, world, alice, entry):
    await Round.filter(id=world.stage.id).update(deadline=datetime.now(UTC) - timedelta(seconds=1))

    response = await upload(alice, entry, b"slides.pdf", PDF)

    assert response.status_code == 422
    assert "The deadline of this round passed on" in response.text
    assert stored_files(settings) == []


async def test_removing_a_file_deletes_its_row_and_bytes(settings, alice, entry):
    await upload(alice, entry, b"slides.pdf", PDF)
    record = await EntryFile.get(entry_id=entry.id)
    url = f"/events/datacity/entries/{entry.id}/files/{record.id}/delete"

    response = await post_form(alice, url, page=f"/events/datacity/entries/{entry.id}/edit")

    assert response.status_code == 303
    assert await EntryFile.all().count() == 0
    assert stored_files(settings) == []


async def test_no_removal_after_the_deadline_keeps_the_row_and_the_bytes(settings, world, alice, entry):
    await upload(alice, entry, b"slides.pdf", PDF)
    record = await EntryFile.get(entry_id=entry.id)
    await Round.filter(id=world.stage.id).update(deadline=datetime.now(UTC) - timedelta(seconds=1))
    url = f"/events/datacity/entries/{entry.id}/files/{record.id}/delete"

    response = await post_form(alice, url, page=f"/events/datacity/entries/{entry.id}/edit")

    assert response.status_code == 422
    assert "The deadline of this round passed on" in response.text
    assert 'id="file-error"' in response.text
    assert await EntryFile.filter(id=record.id).count() == 1
    assert len(stored_files(settings)) == 1


async def test_a_client_that_disconnects_mid_upload_leaves_no_row_and_no_file(settings, app, alice, entry):
    token = await csrf_from(alice, f"/events/datacity/entries/{entry.id}/edit")
    body, content_type = multipart(b"slides.pdf", PDF + b"0" * 200_000)
    cookie = "; ".join(f"{name}={value}" for name, value in alice.cookies.items())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/events/datacity/entries/{entry.id}/files",
        "raw_path": f"/events/datacity/entries/{entry.id}/files".encode(),
        "query_string": f"csrf_token={token}".encode(),
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", content_type.encode()),
            (b"cookie", cookie.encode()),
        ],
        "client": ("203.0.113.7", 50000),
        "server": ("testserver", 80),
    }
    messages = [
        {"type": "http.request", "body": body[:100_000], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)

    assert await EntryFile.all().count() == 0
    assert stored_files(settings) == []


# --- bodies that are not a whole multipart upload ----------------------------------------------------
# docs/SECURITY.md: a multipart body that ends before its closing boundary is refused and leaves nothing
# stored; odd boundaries (over 256 characters, missing, duplicated) are a 400, never a 500.

UNREADABLE_BOUNDARY = (
    "This form could not be read: its multipart boundary is missing or malformed. Nothing was saved."
)
CUT_SHORT = "The file arrived incomplete: nothing was stored. Send it again."


def upload_dir_entries(settings) -> list[Path]:
    """Everything under the upload folder: stored files and temporary ones."""
    root = Path(settings.upload_dir)
    return sorted(p for p in root.rglob("*") if not p.is_dir()) if root.exists() else []


async def post_body(client, entry, body: bytes, content_type: str):
    token = await csrf_from(client, f"/events/datacity/entries/{entry.id}/edit")
    return await client.post(
        f"/events/datacity/entries/{entry.id}/files?csrf_token={token}",
        content=body,
        headers={"Content-Type": content_type.encode("latin-1")},
    )


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data; boundary=" + "b" * 257,
        "multipart/form-data; boundary=" + "b" * 5000,
        "multipart/form-data",
        "multipart/form-data; boundary=",
        'multipart/form-data; boundary=""',
        f"multipart/form-data; boundary=other; boundary={BOUNDARY}",
        f"multipart/form-data; boundary={BOUNDARY}; boundary={BOUNDARY}",
        f"multipart/form-data; boundary*=utf-8''{BOUNDARY}",
        f"multipart/form-data; boundary={BOUNDARY}\u00e9",
        f'multipart/form-data; boundary={BOUNDARY}"x',
        f'multipart/form-data; boundary="{BOUNDARY}',
    ],
    ids=[
        "257 characters",
        "5000 characters",
        "missing",
        "empty",
        "empty and quoted",
        "twice",
        "twice, the same",
        "extended syntax",
        "not ASCII",
        "a quote inside",
        "an unclosed quote",
    ],
)
async def test_an_upload_with_an_odd_boundary_is_a_400_with_a_message(settings, alice, entry, content_type):
    body, _ = multipart(b"slides.pdf", PDF)

    response = await post_body(alice, entry, body, content_type)

    assert response.status_code == 400
    assert UNREADABLE_BOUNDARY in response.text
    assert await EntryFile.all().count() == 0
    assert upload_dir_entries(settings) == []


async def test_an_upload_with_a_quoted_boundary_is_stored(settings, alice, entry):
    body, _ = multipart(b"slides.pdf", PDF)

    response = await post_body(alice, entry, body, f'multipart/form-data; boundary="{BOUNDARY}"')

    assert response.status_code == 303
    assert await EntryFile.filter(entry_id=entry.id).count() == 1


@pytest.mark.parametrize(
    "keep",
    [
        lambda body: body.removesuffix(b"--" + BOUNDARY.encode() + b"--\r\n"),
        lambda body: body.removesuffix(b"\r\n--" + BOUNDARY.encode() + b"--\r\n"),
        lambda body: body.removesuffix(b"-\r\n"),
        lambda body: body[: body.index(PDF) + 500],
        lambda body: body[: body.index(PDF) + len(PDF)],
    ],
    ids=[
        "before the closing boundary",
        "before the line break that ends the file",
        "inside the closing boundary",
        "in the middle of the file",
        "right after the file's bytes",
    ],
)
async def test_an_upload_cut_short_is_refused_and_leaves_nothing(settings, alice, entry, keep):
    body, content_type = multipart(b"slides.pdf", PDF)

    response = await post_body(alice, entry, keep(body), content_type)

    assert response.status_code == 400
    assert CUT_SHORT in response.text
    assert 'role="alert"' in response.text  # on the entry's page, by the upload form
    assert await EntryFile.all().count() == 0
    assert upload_dir_entries(settings) == []  # no file, no temporary file


async def test_an_upload_cut_short_in_a_large_file_leaves_no_temporary_file(settings, alice, entry):
    # past the storage's write buffer: bytes have reached the temporary file before the body ends
    body, content_type = multipart(b"big.pdf", b"%PDF-" + b"0" * (900 * 1024))

    response = await post_body(alice, entry, body[:-200], content_type)

    assert response.status_code == 400
    assert await EntryFile.all().count() == 0
    assert upload_dir_entries(settings) == []


async def test_an_upload_with_too_many_parts_is_a_400_with_a_message(settings, alice, entry):
    fields = b"".join(
        b"--" + BOUNDARY.encode() + b'\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n'
        for _ in range(20)
    )
    body, content_type = multipart(b"slides.pdf", PDF)

    response = await post_body(alice, entry, fields + body, content_type)

    assert response.status_code == 400
    assert "An upload carries one file and a few fields: this one has too many parts." in response.text
    assert await EntryFile.all().count() == 0
    assert upload_dir_entries(settings) == []


ARCHIVES_NOTE = {
    "en": "Archives and office documents are stored as they are and never opened on the server: "
    "jurors download them as files.",
    "fr": "Les archives et les documents bureautiques sont conservés tels quels et jamais ouverts sur "
    "le serveur : les jurés les téléchargent comme fichiers.",
}


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_the_upload_form_says_archives_are_never_opened(world, alice, entry, language):
    # docs/SECURITY.md: archives are stored, never extracted on the server; teams know what jurors get
    await alice.post("/language", data={"csrf_token": await csrf_from(alice), "language": language})

    page = await alice.get(f"/events/datacity/entries/{entry.id}/edit")

    assert page.status_code == 200
    assert ARCHIVES_NOTE[language] in page.text.replace("\u202f", " ").replace("\u00a0", " ")


async def test_an_archive_is_stored_as_sent_and_downloaded_as_a_file(settings, alice, entry):
    # a zip whose member is a script: never opened, so stored and served back byte for byte
    archive = (
        b"PK\x03\x04"
        + b"\x14\x00"
        + b"\x00" * 20
        + b"evil.html<script>alert(1)</script>"
        + b"PK\x05\x06"
        + b"\x00" * 18
    )

    response = await upload(alice, entry, b"code.zip", archive)

    assert response.status_code == 303
    record = await EntryFile.get(entry_id=entry.id)
    assert [p.read_bytes() for p in stored_files(settings)] == [archive]
    download = await alice.get(f"/events/datacity/entries/{entry.id}/files/{record.id}")
    assert download.content == archive
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''code.zip"


async def test_an_upload_of_two_files_at_once_is_refused_and_stores_neither(settings, alice, entry):
    # the form sends one file: a second one would otherwise be dropped without a word
    first, content_type = multipart(b"one.pdf", PDF)
    second, _ = multipart(b"two.pdf", PDF)
    body = first.removesuffix(b"--" + BOUNDARY.encode() + b"--\r\n") + second

    response = await post_body(alice, entry, body, content_type)

    assert response.status_code == 400
    assert "Send one file at a time." in response.text
    assert await EntryFile.all().count() == 0
    assert upload_dir_entries(settings) == []
