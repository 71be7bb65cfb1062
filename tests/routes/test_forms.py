"""Reading forms (events/forms.py): odd multipart boundaries, bodies cut short, too many fields or files.

docs/SECURITY.md, "Uploads and fetched URLs": a multipart body that ends before its closing boundary is
refused and leaves nothing stored; odd boundaries (over 256 characters, missing, duplicated) are a
400, never a 500. Every text form takes url-encoded and multipart bodies alike, so these hold for
all of them (the upload of a file is tested in test_uploads.py).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest

from events.models import User
from tests.helpers import csrf_from, make_user, sign_in

BOUNDARY = "hackcityFormBoundary"
UNREADABLE_BOUNDARY = (
    "This form could not be read: its multipart boundary is missing or malformed. Nothing was saved."
)
CUT_SHORT = (
    "This form arrived incomplete: it ended before its last boundary. Nothing was saved: send it again."
)
TOO_MANY_FIELDS = "This form has more fields than it can take. Nothing was saved."
NO_FILES = "This form does not take files. Nothing was saved."

# Content-Type headers that name the boundary of a well-formed body oddly.
ODD_CONTENT_TYPES = {
    "over 256 characters": "multipart/form-data; boundary=" + "b" * 257,
    "missing": "multipart/form-data",
    "empty": "multipart/form-data; boundary=",
    "empty and quoted": 'multipart/form-data; boundary=""',
    "twice": f"multipart/form-data; boundary=other; boundary={BOUNDARY}",
    "twice, the same": f"multipart/form-data; boundary={BOUNDARY}; boundary={BOUNDARY}",
    "in the extended syntax": f"multipart/form-data; boundary*=utf-8''{BOUNDARY}",
    "not ASCII": f"multipart/form-data; boundary={BOUNDARY}\u00e9",
    "with a quote inside": f'multipart/form-data; boundary={BOUNDARY}"x',
    "with an unclosed quote": f'multipart/form-data; boundary="{BOUNDARY}',
    "ending with a space": f'multipart/form-data; boundary="{BOUNDARY} "',
}


def multipart(fields: dict[str, str], *, boundary: str = BOUNDARY, file: bool = False) -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    if file:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.txt"\r\n'
            "Content-Type: text/plain\r\n\r\nhello\r\n".encode()
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


@pytest.fixture
async def alice(db, make_client):
    await make_user("alice@example.org", name="Alice")
    client = make_client()
    await sign_in(client, "alice@example.org")
    return client


async def post_profile(client, body: bytes, content_type: str, *, token: str | None = None):
    token = token or await csrf_from(client, "/account")
    return await client.post(
        "/account",
        content=body,
        headers={"Content-Type": content_type.encode("latin-1"), "X-CSRF-Token": token},
    )


async def test_a_profile_sent_as_multipart_is_saved(alice):
    # the reference for the refusals below: the same body with a well-named boundary is read
    body = multipart({"name": "Alice Martin", "language": "en"})

    response = await post_profile(alice, body, f"multipart/form-data; boundary={BOUNDARY}")

    assert response.status_code == 303
    assert (await User.get(email="alice@example.org")).name == "Alice Martin"


async def test_a_quoted_boundary_is_read(alice):
    # RFC 2046 lets a boundary be quoted (some HTTP clients always quote it)
    body = multipart({"name": "Alice Martin", "language": "en"})

    response = await post_profile(alice, body, f'multipart/form-data; boundary="{BOUNDARY}"')

    assert response.status_code == 303
    assert (await User.get(email="alice@example.org")).name == "Alice Martin"


@pytest.mark.parametrize("content_type", ODD_CONTENT_TYPES.values(), ids=ODD_CONTENT_TYPES.keys())
async def test_an_odd_boundary_is_a_400_with_a_message_and_saves_nothing(alice, content_type):
    body = multipart({"name": "Alice Martin", "language": "en"})

    response = await post_profile(alice, body, content_type)

    assert response.status_code == 400
    assert UNREADABLE_BOUNDARY in response.text
    assert (await User.get(email="alice@example.org")).name == "Alice"


async def test_an_odd_boundary_is_refused_in_the_readers_language(alice):
    await User.filter(email="alice@example.org").update(language="fr")
    body = multipart({"name": "Alice Martin", "language": "fr"})

    response = await post_profile(alice, body, "multipart/form-data; boundary=" + "b" * 300)

    assert response.status_code == 400
    assert (
        "Ce formulaire n’a pas pu être lu : sa limite multipart manque ou est mal formée. "
        "Rien n’a été enregistré." in response.text.replace("\u00a0", " ")
    )


@pytest.mark.parametrize(
    "cut",
    [
        b"--" + BOUNDARY.encode() + b"--\r\n",  # the closing boundary never came
        b"\r\n--" + BOUNDARY.encode() + b"--\r\n",  # nor the line break before it
        b"Martin\r\n--" + BOUNDARY.encode() + b"--\r\n",  # cut in the middle of a value
        b"-\r\n",  # the closing boundary came without its last dash
    ],
    ids=[
        "before the closing boundary",
        "before the last line break",
        "inside a value",
        "inside the boundary",
    ],
)
async def test_a_multipart_form_cut_short_is_a_400_and_saves_nothing(alice, cut):
    body = multipart({"language": "en", "name": "Alice Martin"})
    assert body.endswith(cut)

    response = await post_profile(alice, body.removesuffix(cut), f"multipart/form-data; boundary={BOUNDARY}")

    assert response.status_code == 400
    assert CUT_SHORT in response.text
    assert (await User.get(email="alice@example.org")).name == "Alice"


async def test_a_multipart_form_with_a_file_is_refused(alice):
    body = multipart({"name": "Alice Martin", "language": "en"}, file=True)

    response = await post_profile(alice, body, f"multipart/form-data; boundary={BOUNDARY}")

    assert response.status_code == 400
    assert NO_FILES in response.text
    assert (await User.get(email="alice@example.org")).name == "Alice"


async def test_a_multipart_form_with_too_many_fields_is_a_400_with_a_message(alice):
    fields = {"name": "Alice Martin", "language": "en"} | {f"extra{n}": "x" for n in range(200)}

    response = await post_profile(alice, multipart(fields), f"multipart/form-data; boundary={BOUNDARY}")

    assert response.status_code == 400
    assert TOO_MANY_FIELDS in response.text
    assert (await User.get(email="alice@example.org")).name == "Alice"


@pytest.mark.parametrize("extra_fields", [200, 1001, 5000])
async def test_a_url_encoded_form_with_too_many_fields_is_a_400_not_a_csrf_refusal(
    alice, caplog, extra_fields
):
    token = await csrf_from(alice, "/account")
    fields = [("csrf_token", token), ("name", "Alice Martin"), ("language", "en")]
    fields += [(f"extra{n}", "") for n in range(extra_fields)]

    with caplog.at_level(logging.WARNING, logger="hackcity"):
        response = await alice.post(
            "/account",
            content=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    assert response.status_code == 400
    assert TOO_MANY_FIELDS in response.text
    assert [record for record in caplog.records if "CSRF" in record.getMessage()] == []
    assert (await User.get(email="alice@example.org")).name == "Alice"


async def test_a_url_encoded_form_with_too_many_fields_still_needs_its_token(alice, caplog):
    fields = [("csrf_token", "forged"), ("name", "Alice Martin")] + [(f"x{n}", "") for n in range(1001)]

    with caplog.at_level(logging.WARNING, logger="hackcity"):
        response = await alice.post(
            "/account",
            content=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    assert response.status_code == 403
    assert len([record for record in caplog.records if "CSRF refusal" in record.getMessage()]) == 1
    assert (await User.get(email="alice@example.org")).name == "Alice"
