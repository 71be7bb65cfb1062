"""The organisers' selection desk over HTTP: filters, decisions, refusals, mail, advancing, gallery."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from events.models import (
    Entry,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    GalleryMode,
    Role,
    Round,
    Selection,
)
from tests.entry_world import make_entry_world, signed_in
from tests.helpers import make_user, post_form


async def _entry(world, *, team=None, status=EntryStatus.SUBMITTED, title="Bus à l'heure"):
    return await Entry.create(
        event=world.event,
        team=team or world.team_a,
        round=world.stage,
        challenge=world.challenge,
        title=title,
        status=status,
        submitted_at=datetime.now(UTC) if status == EntryStatus.SUBMITTED else None,
    )


async def test_manage_entries_lists_and_filters_with_get_parameters(db, make_client):
    world = await make_entry_world()
    await _entry(world, title="Submitted one")
    await _entry(world, team=world.team_b, status=EntryStatus.DRAFT, title="Draft one")
    client = await signed_in(make_client, world.olga)
    url = f"/events/{world.event.slug}/manage/entries"

    everything = await client.get(url)
    drafts = await client.get(url, params={"round": world.stage.id, "status": "draft", "selection": "junk"})

    assert everything.status_code == 200
    assert "Submitted one" in everything.text and "Draft one" in everything.text
    assert drafts.status_code == 200
    assert "Draft one" in drafts.text and "Submitted one" not in drafts.text
    assert "A draft cannot be decided on." in drafts.text


async def test_organiser_selects_an_entry_and_the_team_reads_the_message(db, make_client, outbox):
    world = await make_entry_world()
    entry = await _entry(world)
    client = await signed_in(make_client, world.olga)
    url = f"/events/{world.event.slug}/manage/entries"

    response = await post_form(
        client,
        f"{url}/{entry.id}/selection",
        {
            "selection": "selected",
            "message": "Bravo, see you at the kick-off.",
            "notify": "on",
            "keep_status": "submitted",
        },
        page=url,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{url}?status=submitted"
    fresh = await Entry.get(id=entry.id)
    assert (fresh.selection, fresh.selection_message) == (
        Selection.SELECTED,
        "Bravo, see you at the kick-off.",
    )
    smtp = await outbox()
    mail = smtp.last_to("alice@example.org")
    assert mail["Subject"] == "DataCity Lyon: the decision on your entry"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Your team is selected." in body
    assert "Bravo, see you at the kick-off." in body
    assert {m["To"] for m in smtp.messages} == {"alice@example.org", "arthur@example.org"}


async def test_a_draft_entry_cannot_be_selected(db, make_client, outbox):
    world = await make_entry_world()
    entry = await _entry(world, status=EntryStatus.DRAFT)
    client = await signed_in(make_client, world.olga)
    url = f"/events/{world.event.slug}/manage/entries"

    response = await post_form(client, f"{url}/{entry.id}/selection", {"selection": "selected"}, page=url)
    page = await client.get(response.headers["location"])

    assert response.status_code == 303
    assert "Only a submitted entry can be selected, waitlisted or rejected." in page.text
    assert (await Entry.get(id=entry.id)).selection == Selection.PENDING
    assert (await outbox()).messages == []


async def test_organiser_of_another_event_cannot_decide_and_nothing_changes(db, make_client, outbox):
    world = await make_entry_world()
    entry = await _entry(world)
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    stranger = await make_user("stranger@example.org", name="Stranger")
    await EventRole.create(event=other, user=stranger, role=Role.ORGANISER)
    team_member = await signed_in(make_client, world.bob)
    client = await signed_in(make_client, stranger)

    through_event_1 = await post_form(
        client, f"/events/{world.event.slug}/manage/entries/{entry.id}/selection", {"selection": "selected"}
    )
    through_own_event = await post_form(
        client, f"/events/other/manage/entries/{entry.id}/selection", {"selection": "selected"}
    )
    by_a_participant = await post_form(
        team_member,
        f"/events/{world.event.slug}/manage/entries/{entry.id}/selection",
        {"selection": "rejected"},
    )
    listing = await client.get(f"/events/{world.event.slug}/manage/entries")

    assert (through_event_1.status_code, through_own_event.status_code) == (403, 404)
    assert by_a_participant.status_code == 403
    assert listing.status_code == 403
    fresh = await Entry.get(id=entry.id)
    assert (fresh.selection, fresh.selection_message) == (Selection.PENDING, "")
    assert (await outbox()).messages == []


async def test_advance_creates_the_next_round_drafts_of_selected_teams(db, make_client):
    world = await make_entry_world()
    final = await Round.create(
        event=world.event, position=2, name="Final", deadline=world.stage.deadline + timedelta(days=9)
    )
    chosen = await _entry(world)
    await _entry(world, team=world.team_b, title="Vélos")
    chosen.selection = Selection.SELECTED
    await chosen.save()
    client = await signed_in(make_client, world.olga)
    url = f"/events/{world.event.slug}/manage/entries"

    response = await post_form(client, f"{url}/advance", {"round": str(world.stage.id)}, page=url)
    page = await client.get(response.headers["location"])

    assert response.status_code == 303
    assert "1 selected team has its draft entry in the next round." in page.text
    drafts = await Entry.filter(round=final).values_list("team_id", "status", "title")
    assert drafts == [(world.team_a.id, "draft", "Bus à l'heure")]


async def test_organiser_opens_and_closes_the_gallery(db, make_client):
    world = await make_entry_world()
    client = await signed_in(make_client, world.olga)
    url = f"/events/{world.event.slug}/manage/gallery"

    opened = await post_form(
        client, url, {"gallery": "open"}, page=f"/events/{world.event.slug}/manage/entries"
    )
    assert (await Event.get(id=world.event.id)).gallery == GalleryMode.OPEN
    refused = await post_form(
        client, url, {"gallery": "sometimes"}, page=f"/events/{world.event.slug}/manage/entries"
    )

    assert opened.status_code == refused.status_code == 303
    assert (await Event.get(id=world.event.id)).gallery == GalleryMode.OPEN
    await post_form(client, url, {"gallery": "closed"}, page=f"/events/{world.event.slug}/manage/entries")
    assert (await Event.get(id=world.event.id)).gallery == GalleryMode.CLOSED


async def test_the_advance_form_is_shown_per_round_without_filtering_and_works(db, make_client):
    world = await make_entry_world()
    final = await Round.create(
        event=world.event, position=2, name="Final", deadline=world.stage.deadline + timedelta(days=9)
    )
    await Round.create(event=world.event, position=3, name="Pilot")
    chosen = await _entry(world)
    await _entry(world, team=world.team_b, title="Vélos")  # pending: not advanced
    await Entry.filter(id=chosen.id).update(selection=Selection.SELECTED)
    client = await signed_in(make_client, world.olga)
    url = f"/events/{world.event.slug}/manage/entries"

    # No round chosen in the filters, or another round chosen: the form is still there.
    for page in (await client.get(url), await client.get(url, params={"round": final.id})):
        assert page.status_code == 200
        section = page.text.split('<section aria-labelledby="advance">', 1)[1].split("</section>", 1)[0]
        forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', section, re.S)
        assert len(forms) == 1
        action, fields = forms[0]
        assert action == f"{url}/advance"
        assert f'<input type="hidden" name="round" value="{world.stage.id}">' in fields
        assert "Advance the selected teams of Prototype to Final" in fields
        assert "1 selected team in Prototype." in section
        assert "No team of Final is selected yet." in section  # Final → Pilot: nothing to advance
        assert "From Pilot" not in section  # the last round has no next round

    response = await post_form(client, f"{url}/advance", {"round": str(world.stage.id)}, page=url)

    assert response.status_code == 303
    assert await Entry.filter(round=final).values_list("team_id", flat=True) == [world.team_a.id]
    after = await client.get(url)
    assert "1 selected team in Prototype, 1 already has its draft in Final." in after.text
