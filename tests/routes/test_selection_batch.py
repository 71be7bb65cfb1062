"""The selection desk at scale over HTTP: batch decisions (all or nothing, one message), the counts and
filters above the list, its pages, "tick every row" without a script, and a bounded query count."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from html import unescape

from events.models import Entry, EntryStatus, OutboxMessage, Selection, Team, User
from events.routes.selection import ENTRIES_PER_PAGE
from tests.entry_world import make_entry_world, signed_in
from tests.helpers import csrf_from, post_form
from tests.querycount import count_queries

ALERT_RE = re.compile(r"<p class=\"alert alert--(\w+)\">(.*?)</p>", re.S)


async def _entry(world, team, title, *, status=EntryStatus.SUBMITTED, selection=Selection.PENDING):
    return await Entry.create(
        event=world.event,
        team=team,
        round=world.stage,
        challenge=world.challenge,
        title=title,
        status=status,
        selection=selection,
        submitted_at=datetime.now(UTC) if status == EntryStatus.SUBMITTED else None,
    )


async def _teams(world, count: int) -> list[Team]:
    return [
        await Team.create(
            event=world.event,
            name=f"Team {n:03}",
            name_key=f"team {n:03}",
            invite_token_hash=secrets.token_hex(32),
        )
        for n in range(count)
    ]


def _alerts(html: str) -> list[tuple[str, str]]:
    return [(kind, unescape(re.sub(r"<[^>]+>", "", text)).strip()) for kind, text in ALERT_RE.findall(html)]


def _url(world) -> str:
    return f"/events/{world.event.slug}/manage/entries"


async def test_a_batch_decision_decides_every_ticked_entry_with_one_message(db, make_client, outbox):
    world = await make_entry_world()
    one = await _entry(world, world.team_a, "Bus à l'heure")
    two = await _entry(world, world.team_b, "Vélo partagé")
    teams = await _teams(world, 2)
    already = await _entry(world, teams[0], "Déjà retenu", selection=Selection.SELECTED)
    untouched = await _entry(world, teams[1], "Autre", status=EntryStatus.DRAFT)
    client = await signed_in(make_client, world.olga)
    url = _url(world)

    response = await post_form(
        client,
        f"{url}/decisions",
        {
            f"entry_{one.id}": "on",
            f"entry_{two.id}": "on",
            f"entry_{already.id}": "on",
            "selection": "selected",
            "message": "Rendez-vous samedi.",
            "notify": "on",
            "keep_selection": "pending",
        },
        page=url,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{url}?selection=pending"
    decided = {e.id: (e.selection, e.selection_message) for e in await Entry.filter(event=world.event)}
    assert decided[one.id] == (Selection.SELECTED, "Rendez-vous samedi.")
    assert decided[two.id] == (Selection.SELECTED, "Rendez-vous samedi.")
    assert decided[already.id] == (Selection.SELECTED, "")  # left alone: no second mail
    assert decided[untouched.id] == (Selection.PENDING, "")
    page = await client.get(response.headers["location"])
    assert _alerts(page.text) == [("success", "2 entries are now selected. 1 already was.")]
    smtp = await outbox()
    assert sorted(m["To"] for m in smtp.messages) == [
        "alice@example.org",
        "arthur@example.org",
        "bob@example.org",
    ]
    assert "Rendez-vous samedi." in smtp.last_to("bob@example.org").get_body(("plain",)).get_content()


async def test_a_batch_with_an_entry_that_cannot_take_the_decision_changes_nothing(db, make_client):
    world = await make_entry_world()
    submitted = await _entry(world, world.team_a, "Bus à l'heure")
    draft = await _entry(world, world.team_b, "Brouillon vélo", status=EntryStatus.DRAFT)
    client = await signed_in(make_client, world.olga)
    url = _url(world)

    response = await post_form(
        client,
        f"{url}/decisions",
        {f"entry_{submitted.id}": "on", f"entry_{draft.id}": "on", "selection": "rejected", "notify": "on"},
        page=url,
    )

    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert _alerts(page.text) == [
        (
            "error",
            "Nothing was changed: “Brouillon vélo” is not submitted, and only a submitted entry can be "
            "decided on.",
        )
    ]
    assert set(await Entry.filter(event=world.event).values_list("selection", flat=True)) == {
        Selection.PENDING
    }
    assert await OutboxMessage.all().count() == 0


async def test_a_batch_refuses_nothing_ticked_another_events_entry_and_an_unknown_decision(db, make_client):
    world = await make_entry_world()
    mine = await _entry(world, world.team_a, "Bus à l'heure")
    client = await signed_in(make_client, world.olga)
    url = _url(world)

    async def flashed(data):
        response = await post_form(client, f"{url}/decisions", data, page=url)
        assert response.status_code == 303
        return _alerts((await client.get(response.headers["location"])).text)

    assert await flashed({"selection": "selected"}) == [("error", "Tick at least one entry to decide on.")]
    assert await flashed({f"entry_{mine.id}": "on", "entry_999999": "on", "selection": "selected"}) == [
        ("error", "Some of the ticked entries are not this event's: nothing was changed.")
    ]
    assert await flashed({f"entry_{mine.id}": "on", "selection": "chosen"}) == [
        ("error", "Choose selected, waitlisted, not selected or pending.")
    ]
    assert await flashed({f"entry_{mine.id}": "on", "entry_x": "on", "selection": "waitlisted"}) == [
        ("success", "1 entry is now waitlisted.")
    ]
    assert (await Entry.get(id=mine.id)).selection == Selection.WAITLISTED


async def test_a_batch_without_the_csrf_token_is_refused(db, make_client):
    world = await make_entry_world()
    entry = await _entry(world, world.team_a, "Bus à l'heure")
    client = await signed_in(make_client, world.olga)
    url = f"{_url(world)}/decisions"

    missing = await client.post(url, data={f"entry_{entry.id}": "on", "selection": "selected"})
    forged = await client.post(
        url, data={"csrf_token": "forged", f"entry_{entry.id}": "on", "selection": "selected"}
    )

    assert (missing.status_code, forged.status_code) == (403, 403)
    assert (await Entry.get(id=entry.id)).selection == Selection.PENDING


async def test_the_batch_message_is_in_french_for_a_french_organiser(db, make_client):
    world = await make_entry_world()
    await User.filter(id=world.olga.id).update(language="fr")
    one = await _entry(world, world.team_a, "Bus à l'heure")
    two = await _entry(world, world.team_b, "Brouillon vélo", status=EntryStatus.DRAFT)
    client = await signed_in(make_client, world.olga)
    url = _url(world)

    done = await post_form(
        client, f"{url}/decisions", {f"entry_{one.id}": "on", "selection": "rejected"}, page=url
    )
    done_alerts = _alerts((await client.get(done.headers["location"])).text)
    refused = await post_form(
        client, f"{url}/decisions", {f"entry_{two.id}": "on", "selection": "selected"}, page=url
    )
    refused_alerts = _alerts((await client.get(refused.headers["location"])).text)

    assert done_alerts == [("success", "1 projet est désormais non retenu.")]
    assert refused_alerts == [
        (
            "error",
            "Rien n’a changé\u00a0: «\u00a0Brouillon vélo\u00a0» n’est pas déposé, "
            "et seul un projet déposé peut recevoir une décision.",
        )
    ]


async def test_counts_filters_and_the_empty_states_of_the_selection_page(db, make_client):
    world = await make_entry_world()
    teams = await _teams(world, 3)
    await _entry(world, world.team_a, "Bus à l'heure", selection=Selection.SELECTED)
    await _entry(world, world.team_b, "Vélo partagé", selection=Selection.WAITLISTED)
    await _entry(world, teams[0], "Parkings libres")
    await _entry(world, teams[1], "Brouillon", status=EntryStatus.DRAFT)
    client = await signed_in(make_client, world.olga)
    url = _url(world)

    everything = await client.get(url)
    submitted = await client.get(url, params={"status": "submitted"})
    waitlisted = await client.get(url, params={"selection": "waitlisted"})
    nothing = await client.get(url, params={"selection": "rejected"})

    counts = re.search(r'<ul class="counts"[^>]*>(.*?)</ul>', everything.text, re.S).group(1)
    assert [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", counts, re.S)] == [
        "4 entries",
        "pending: 2",
        "selected: 1",
        "waitlisted: 1",
        "not selected: 0",
    ]
    assert ">3 entries</caption>" in submitted.text and "Brouillon" not in submitted.text
    assert ">1 entry</caption>" in waitlisted.text
    assert "Vélo partagé" in waitlisted.text and "Bus à l'heure" not in waitlisted.text
    assert "No entry matches these filters." in nothing.text
    assert 'href="/events/datacity/manage/entries">Show every entry</a>' in nothing.text
    # Only submitted entries carry a box to tick.
    assert len(re.findall(r'<input type="checkbox" form="batch"', everything.text)) == 3


async def test_an_event_without_entries_says_what_comes_next(db, make_client):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)

    page = await client.get(_url(world))

    assert "No entry yet: teams start their entries from their team page once a round is open." in page.text
    assert 'href="/events/datacity/manage/rounds">Check the rounds and their dates</a>' in page.text


async def test_the_selection_pages_and_tick_every_row_without_a_script(db, make_client):
    world = await make_entry_world()
    teams = await _teams(world, ENTRIES_PER_PAGE + 2)
    for team in teams:
        await _entry(world, team, f"Projet {team.name}")
    client = await signed_in(make_client, world.olga)
    url = _url(world)

    first = await client.get(url, params={"status": "submitted"})
    second = await client.get(url, params={"status": "submitted", "page": 2})
    ticked = await client.get(url, params={"status": "submitted", "page": 2, "tick": "all"})

    assert f">{ENTRIES_PER_PAGE + 2} entries · page 1 of 2</caption>" in first.text
    assert "Projet Team 000" in first.text and "Projet Team 051" not in first.text
    assert 'href="/events/datacity/manage/entries?status=submitted&amp;page=2" rel="next"' in first.text
    assert "Projet Team 050" in second.text and "Projet Team 051" in second.text
    assert "Projet Team 049" not in second.text
    assert len(re.findall(r'form="batch"[^>]* checked', second.text)) == 0
    assert len(re.findall(r'form="batch"[^>]* checked', ticked.text)) == 2
    assert 'href="/events/datacity/manage/entries?status=submitted&amp;tick=all&amp;page=2"' in second.text
    # The batch comes back to the page it was sent from.
    response = await post_form(
        client,
        f"{url}/decisions",
        {
            **{name: "on" for name in re.findall(r'name="(entry_\d+)"[^>]* checked', ticked.text)},
            "selection": "waitlisted",
            "keep_status": "submitted",
            "keep_page": "2",
        },
        page=url,
    )
    assert response.headers["location"] == f"{url}?status=submitted&page=2"
    assert await Entry.filter(event=world.event, selection=Selection.WAITLISTED).count() == 2


async def test_the_selection_page_costs_the_same_queries_for_3_or_60_entries(db, make_client):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    teams = await _teams(world, 60)
    for team in teams[:3]:
        await _entry(world, team, f"Projet {team.name}")
    await csrf_from(client, _url(world))

    async def measure() -> int:
        async with count_queries() as queries:
            response = await client.get(_url(world))
        assert response.status_code == 200
        return len(queries)

    few = await measure()
    for team in teams[3:]:
        await _entry(world, team, f"Projet {team.name}")
    many = await measure()

    assert few == many, (few, many)
