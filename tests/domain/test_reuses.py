"""The pure parts of reuses for portals: sealed secrets, portal addresses, tags (events/domain/reuses.py,
events/domain/sealing.py). The pages and the publication are tested over HTTP in
tests/routes/test_reuses.py."""

from __future__ import annotations

import pytest

from events.domain import reuses, sealing
from events.domain.errors import FormErrors
from events.models import Challenge, Entry, Event

pytestmark = pytest.mark.usefixtures("english")

SECRET = "test-secret-key-0123456789-abcdefghijklmnop"


def test_a_sealed_secret_opens_with_the_same_secret_key_and_purpose_only():
    sealed = sealing.seal("udata-key-1234", secret_key=SECRET, purpose=sealing.PORTAL_KEYS)

    assert "udata-key-1234" not in sealed
    assert sealing.unseal(sealed, secret_key=SECRET, purpose=sealing.PORTAL_KEYS) == "udata-key-1234"
    assert sealing.unseal(sealed, secret_key=SECRET + "x", purpose=sealing.PORTAL_KEYS) is None
    assert sealing.unseal(sealed, secret_key=SECRET, purpose="another-purpose/1") is None
    # Sealing twice gives two different texts (a random IV), both readable.
    again = sealing.seal("udata-key-1234", secret_key=SECRET, purpose=sealing.PORTAL_KEYS)
    assert again != sealed
    assert sealing.unseal(again, secret_key=SECRET, purpose=sealing.PORTAL_KEYS) == "udata-key-1234"


@pytest.mark.parametrize("broken", ["", "not a token", "gAAAAA" + "A" * 80, "é"])
def test_a_tampered_or_foreign_value_does_not_open(broken):
    assert sealing.unseal(broken, secret_key=SECRET, purpose=sealing.PORTAL_KEYS) is None


def test_a_flipped_character_does_not_open():
    sealed = sealing.seal("udata-key-1234", secret_key=SECRET, purpose=sealing.PORTAL_KEYS)
    middle = len(sealed) // 2
    flipped = sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1 :]

    assert sealing.unseal(flipped, secret_key=SECRET, purpose=sealing.PORTAL_KEYS) is None


@pytest.mark.parametrize(
    ("typed", "base"),
    [
        ("https://www.data.gouv.fr", "https://www.data.gouv.fr"),
        ("https://www.data.gouv.fr/", "https://www.data.gouv.fr"),
        ("  https://WWW.Data.Gouv.FR/fr/  ", "https://www.data.gouv.fr"),
        ("https://www.data.gouv.fr/api/1/reuses/", "https://www.data.gouv.fr"),
        ("https://www.data.gouv.fr/fr/datasets/velib/", "https://www.data.gouv.fr"),
        ("http://127.0.0.1:8123/portail/api/1/", "http://127.0.0.1:8123/portail"),
        ("https://data.ville.example/fr?x=1#top", "https://data.ville.example"),
    ],
)
def test_the_portals_base_address_is_read_from_what_was_typed(typed, base):
    assert reuses.portal_base(typed) == base


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the address of the portal."),
        ("data.gouv.fr", "This address is not valid."),
        ("ftp://data.gouv.fr", "Only http:// and https:// addresses can be used."),
        ("https://user:secret@data.gouv.fr", "An address with a user name or password cannot be used."),
        ("https://" + "a" * 600 + ".fr", "This address is too long."),
    ],
)
def test_an_address_that_is_not_a_portal_is_refused(typed, message):
    with pytest.raises(FormErrors) as refused:
        reuses.portal_base(typed)

    assert refused.value.errors == {"portal": message}


def test_a_portal_is_the_same_with_or_without_www_and_whatever_its_scheme():
    assert reuses.same_portal("https://www.data.gouv.fr", "http://data.gouv.fr/")
    assert not reuses.same_portal("https://www.data.gouv.fr", "https://demo.data.gouv.fr")
    assert not reuses.same_portal("http://127.0.0.1:8000", "http://127.0.0.1:8001")
    assert not reuses.same_portal("https://data.example/a", "https://data.example/b")


async def test_tags_are_udata_slugs_of_three_to_ninety_six_characters(db):
    event = Event(slug="DataCity-Été-2026", title="x")
    entry = Entry(title="x")
    entry.challenge = Challenge(slug="ab", title="x")  # too short for a udata tag: left out

    assert reuses.tags_for(entry, event) == ["hackcity", "datacity-ete-2026"]

    entry.challenge = Challenge(slug="x" * 120, title="x")
    assert reuses.tags_for(entry, event)[-1] == "x" * 96
