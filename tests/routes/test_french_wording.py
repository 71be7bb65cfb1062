"""French agreement of labels and headings: a session is feminine, a challenge masculine."""

from __future__ import annotations

import pytest

from events.models import Challenge, ChallengeStatus, JurySession, User
from tests.entry_world import signed_in
from tests.jury_world import open_jury_world


@pytest.mark.parametrize(
    ("status", "french"),
    [("scheduled", "programmée"), ("open", "ouverte"), ("closed", "close"), ("published", "publiée")],
)
async def test_session_statuses_agree_with_session_in_french(db, make_client, status, french):
    world = await open_jury_world(organiser=("olga@example.org", "Olga"))
    await JurySession.filter(id=world.session.id).update(status=status)
    olga = await User.get(email="olga@example.org")
    await User.filter(id=olga.id).update(language="fr")
    client = await signed_in(make_client, olga)

    listing = await client.get(f"/events/{world.event.slug}/manage/juries")
    session_page = await client.get(f"/events/{world.event.slug}/manage/juries/{world.session.id}")

    assert listing.status_code == session_page.status_code == 200
    assert listing.text.count(f"<td>{french}</td>") == 1
    assert f'<dd id="session-status">{french}</dd>' in session_page.text


async def test_a_published_challenge_stays_masculine_in_french(db, make_client):
    world = await open_jury_world(organiser=("olga@example.org", "Olga"))
    await Challenge.filter(id=world.challenge.id).update(status=ChallengeStatus.PUBLISHED)
    olga = await User.get(email="olga@example.org")
    await User.filter(id=olga.id).update(language="fr")
    client = await signed_in(make_client, olga)

    page = await client.get(f"/events/{world.event.slug}/manage/challenges/{world.challenge.slug}/edit")

    assert page.status_code == 200
    assert "<strong>publié</strong>" in page.text


async def test_headings_read_well_whatever_the_event_title(db, make_client):
    """ "Équipes de Les Données…" was wrong French: the headings put the title after a dash now."""
    world = await open_jury_world(organiser=("olga@example.org", "Olga"))
    await world.event.__class__.filter(id=world.event.id).update(title="Les Données Ouvertes")
    olga = await User.get(email="olga@example.org")
    await User.filter(id=olga.id).update(language="fr")
    client = await signed_in(make_client, olga)
    slug = world.event.slug

    teams = await client.get(f"/events/{slug}/teams")
    register = await client.get(f"/events/{slug}/register")
    session = await client.get(f"/events/{slug}/manage/juries/{world.session.id}")
    challenge = await client.get(f"/events/{slug}/manage/challenges/{world.challenge.slug}/edit")

    assert teams.status_code == register.status_code == session.status_code == challenge.status_code == 200
    assert "<h1>Équipes — Les Données Ouvertes</h1>" in teams.text
    assert "<h1>S’inscrire — Les Données Ouvertes</h1>" in register.text
    assert ">Jurys — Les Données Ouvertes</a>" in session.text
    assert ">Défis — Les Données Ouvertes</a>" in challenge.text
    for page in (teams, register, session, challenge):
        assert " de Les " not in page.text
        assert " à Les " not in page.text
