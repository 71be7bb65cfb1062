"""The organiser's registrants: filtered by team status and by a piece of a name or address, with the
counts above the list, and empty states that say what to do next."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from events.models import Registration, User
from tests.entry_world import make_entry_world, make_user, signed_in

EMAIL = re.compile(r"<td>([^<]+@[^<]+)</td>")


def _counts(html: str) -> list[str]:
    block = re.search(r'<ul class="counts"[^>]*>(.*?)</ul>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


async def _registered(world) -> None:
    zoe = await make_user("zoe@example.org", name="Zoé Leroy")
    for user in (world.alice, world.arthur, world.bob, zoe):
        await Registration.create(event=world.event, user=user, rules_accepted_at=datetime.now(UTC))


async def test_registrants_filter_by_team_status_and_search_with_counts(db, make_client):
    world = await make_entry_world()
    await _registered(world)
    client = await signed_in(make_client, world.olga)
    url = f"/events/{world.event.slug}/manage/registrants"

    everyone = await client.get(url)
    alone = await client.get(url, params={"team": "no_team"})
    teamed = await client.get(url, params={"team": "in_team", "q": "  ART "})
    junk = await client.get(url, params={"team": "junk", "q": "x" * 500})
    nobody = await client.get(url, params={"q": "nobody"})

    assert _counts(everyone.text) == ["4 people registered", "3 in a team", "1 without a team"]
    assert EMAIL.findall(everyone.text) == [
        "alice@example.org",
        "arthur@example.org",
        "bob@example.org",
        "zoe@example.org",
    ]
    assert EMAIL.findall(alone.text) == ["zoe@example.org"]
    assert ">1 person</caption>" in alone.text
    assert EMAIL.findall(teamed.text) == ["arthur@example.org"]
    assert 'value="ART"' in teamed.text  # what was typed, tidied, stays in the field
    assert junk.status_code == 200 and EMAIL.findall(junk.text) == []
    assert "Nobody matches these filters." in nobody.text
    assert 'href="/events/datacity/manage/registrants">Show every registrant</a>' in nobody.text


async def test_registrants_empty_state_in_french_says_what_to_do(db, make_client):
    world = await make_entry_world()
    await User.filter(id=world.olga.id).update(language="fr")
    client = await signed_in(make_client, world.olga)

    page = await client.get(f"/events/{world.event.slug}/manage/registrants")

    assert page.status_code == 200
    assert "Personne ne s’est encore inscrit." in page.text
    assert 'href="/events/datacity/manage/participation">Vérifier qui peut s’inscrire</a>' in page.text
