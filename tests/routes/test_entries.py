"""Entries over HTTP: start, edit, submit, the deadline, another team's entry, restricted datasets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.models import (
    Dataset,
    DatasetAcceptance,
    DatasetAccess,
    Entry,
    EntryDataset,
    EntryRevision,
    EntryStatus,
    Round,
)
from tests.entry_world import ENTRY_FORM, make_entry_world, signed_in
from tests.helpers import csrf_from, post_form
from tests.routes.test_pages import date_format_slips, visible_texts


@pytest.fixture
async def world(db):
    return await make_entry_world(deadline=datetime(2030, 6, 1, 15, 30, tzinfo=UTC))


async def _start(client, world, title="Bus à l'heure"):
    page = f"/events/{world.event.slug}/team/entries"
    response = await post_form(
        client, page, {"round": world.stage.id, "challenge": world.challenge.id, "title": title}, page=page
    )
    assert response.status_code == 303, response.text
    return await Entry.get(team_id=world.team_a.id), response


async def test_team_member_starts_an_entry_and_lands_on_its_form(world, make_client):
    alice = await signed_in(make_client, world.alice)

    entry, response = await _start(alice, world)
    page = await alice.get(response.headers["location"])

    assert response.headers["location"] == f"/events/datacity/entries/{entry.id}/edit"
    assert page.status_code == 200
    assert "Bus à l&#39;heure" in page.text
    assert "Expected impact" in page.text
    # The deadline shown is the one enforced (15:30 UTC), in the event's time zone (Paris, UTC+2).
    assert "1 Jun 2030, 17:30" in page.text
    assert date_format_slips(visible_texts(page.text)) == []
    await post_form(alice, "/language", {"language": "fr", "next": "/"})
    french = await alice.get(response.headers["location"])
    assert "1 juin 2030, 17:30" in french.text
    assert date_format_slips(visible_texts(french.text)) == []


async def test_list_page_tells_a_user_without_team_to_join_one(world, make_client):
    olga = await signed_in(make_client, world.olga)

    page = await olga.get("/events/datacity/team/entries")

    assert page.status_code == 200
    assert "You are not in a team of this event yet" in page.text


async def test_saving_ignores_fields_the_form_does_not_offer(world, make_client):
    alice = await signed_in(make_client, world.alice)
    entry, _ = await _start(alice, world)
    url = f"/events/datacity/entries/{entry.id}/edit"

    response = await post_form(
        alice,
        url,
        {
            **ENTRY_FORM,
            "status": "submitted",
            "team_id": world.team_b.id,
            "selection": "selected",
            "version": "99",
            "q_bonus": "extra",
            f"dataset_{world.dataset.id}": "on",
            f"dataset_{world.dataset.id}_note": "Stops",
            "dataset_999999": "on",
        },
        page=url,
    )

    assert response.status_code == 303
    saved = await Entry.get(id=entry.id)
    assert (saved.status, saved.team_id, saved.selection, saved.version) == (
        EntryStatus.DRAFT,
        world.team_a.id,
        "pending",
        2,
    )
    assert "bonus" not in saved.answers
    assert saved.code_licence == "MIT"


async def test_submitting_sends_a_receipt_to_every_member(world, make_client, outbox):
    alice = await signed_in(make_client, world.alice)
    entry, _ = await _start(alice, world)
    url = f"/events/datacity/entries/{entry.id}/edit"

    response = await post_form(
        alice,
        url,
        {
            **ENTRY_FORM,
            "action": "submit",
            f"dataset_{world.dataset.id}": "on",
            f"dataset_{world.dataset.id}_note": "x",
        },
        page=url,
    )

    assert response.status_code == 303
    assert (await Entry.get(id=entry.id)).status == EntryStatus.SUBMITTED
    server = await outbox()
    receipt = server.last_to("alice@example.org")
    body = receipt.get_body(preferencelist=("plain",)).get_content()
    assert receipt["Subject"] == "Entry submitted: Bus à l'heure"
    assert "Title: Bus à l'heure" in body
    assert body.replace("\r\n", "\n").endswith("\n\nTimes are Paris time (Europe/Paris).\n")
    assert "- Bus stops" in body
    assert server.last_to("arthur@example.org")  # every member, in their own language
    assert "bob@example.org" not in [m["To"] for m in server.messages]


async def test_submitting_without_required_answers_keeps_the_draft_and_says_why(world, make_client):
    alice = await signed_in(make_client, world.alice)
    entry, _ = await _start(alice, world)
    url = f"/events/datacity/entries/{entry.id}/edit"

    response = await post_form(alice, url, {**ENTRY_FORM, "q_impact": "", "action": "submit"}, page=url)

    assert response.status_code == 422
    assert "Answer the question “Expected impact” before submitting." in response.text
    assert (await Entry.get(id=entry.id)).status == EntryStatus.DRAFT


async def test_after_the_deadline_the_entry_is_frozen(world, make_client):
    alice = await signed_in(make_client, world.alice)
    entry, _ = await _start(alice, world)
    url = f"/events/datacity/entries/{entry.id}/edit"
    token = await csrf_from(alice, url)
    await Round.filter(id=world.stage.id).update(deadline=datetime.now(UTC) - timedelta(minutes=1))

    response = await alice.post(url, data={**ENTRY_FORM, "title": "Too late", "csrf_token": token})
    page = await alice.get(url)

    assert response.status_code == 422
    assert "The deadline of this round passed on" in response.text
    assert (await Entry.get(id=entry.id)).title == "Bus à l'heure"
    assert await EntryRevision.filter(entry_id=entry.id).count() == 1
    assert "Save the draft" not in page.text
    assert 'type="file"' not in page.text


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", "/edit"),
        ("POST", "/edit"),
        ("POST", "/files"),
        ("GET", "/files/{file}"),
        ("POST", "/files/{file}/delete"),
    ],
)
async def test_another_teams_entry_and_files_are_404(world, make_client, method, suffix):
    from events.models import EntryFile

    alice = await signed_in(make_client, world.alice)
    entry, _ = await _start(alice, world)
    record = await EntryFile.create(
        entry=entry,
        storage_key="f" * 32,
        original_name="a.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
    )
    bob = await signed_in(make_client, world.bob)
    url = f"/events/datacity/entries/{entry.id}" + suffix.format(file=record.id)

    if method == "GET":
        response = await bob.get(url)
    else:
        token = await csrf_from(bob, "/events/datacity/team/entries")
        response = await bob.post(
            url, data={"title": "Hijacked", "csrf_token": token}, headers={"X-CSRF-Token": token}
        )

    assert response.status_code == 404
    assert (await Entry.get(id=entry.id)).title == "Bus à l'heure"
    assert await EntryFile.exists(id=record.id)


async def test_an_entry_id_of_another_event_is_404(world, make_client):
    from events.models import Event, EventStatus

    alice = await signed_in(make_client, world.alice)
    entry, _ = await _start(alice, world)
    await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)

    assert (await alice.get(f"/events/other/entries/{entry.id}/edit")).status_code == 404


# --- restricted datasets ---------------------------------------------------------------------------


async def test_restricted_dataset_links_appear_after_the_team_accepts_and_every_step_is_logged(
    world, make_client
):
    bob = await signed_in(make_client, world.bob)
    page_url = f"/events/datacity/datasets/{world.restricted.id}"

    before = await bob.get(page_url)
    accepted = await post_form(bob, f"{page_url}/accept", page=page_url)
    after = await bob.get(page_url)

    assert "https://data.example.org/t.csv" not in before.text
    assert "Accept these terms for my team" in before.text
    assert "<strong>only</strong>" in before.text
    assert accepted.status_code == 303
    assert "https://data.example.org/t.csv" in after.text
    assert (
        await DatasetAcceptance.filter(dataset_id=world.restricted.id, team_id=world.team_b.id).count() == 1
    )
    log = (
        await DatasetAccess.filter(dataset_id=world.restricted.id)
        .order_by("id")
        .values_list("action", "team_id", "user_id")
    )
    assert log == [("accept", world.team_b.id, world.bob.id), ("view_links", world.team_b.id, world.bob.id)]

    # Team A has not accepted: no links for its members.
    alice = await signed_in(make_client, world.alice)
    assert "https://data.example.org/t.csv" not in (await alice.get(page_url)).text


async def test_organiser_reads_the_access_log(world, make_client):
    bob = await signed_in(make_client, world.bob)
    page_url = f"/events/datacity/datasets/{world.restricted.id}"
    await post_form(bob, f"{page_url}/accept", page=page_url)
    olga = await signed_in(make_client, world.olga)

    log_page = await olga.get(f"/events/datacity/manage/datasets/{world.restricted.id}/access")

    assert log_page.status_code == 200
    assert "Data Vélo" in log_page.text
    assert "Accepted the terms" in log_page.text
    assert "bob@example.org" in log_page.text
    assert (
        await bob.get(f"/events/datacity/manage/datasets/{world.restricted.id}/access")
    ).status_code == 403


async def test_accepting_twice_records_one_acceptance(world, make_client):
    bob = await signed_in(make_client, world.bob)
    page_url = f"/events/datacity/datasets/{world.restricted.id}"

    await post_form(bob, f"{page_url}/accept", page=page_url)
    await post_form(bob, f"{page_url}/accept", page=page_url)

    assert await DatasetAcceptance.filter(dataset_id=world.restricted.id).count() == 1
    assert await DatasetAccess.filter(dataset_id=world.restricted.id, action="accept").count() == 1


async def test_only_team_members_accept_terms_and_only_restricted_datasets_have_terms(world, make_client):
    olga = await signed_in(make_client, world.olga)
    bob = await signed_in(make_client, world.bob)
    page_url = f"/events/datacity/datasets/{world.restricted.id}"

    assert (await post_form(olga, f"{page_url}/accept", page=page_url)).status_code == 403
    open_url = f"/events/datacity/datasets/{world.dataset.id}/accept"
    assert (await post_form(bob, open_url, page=page_url)).status_code == 303
    assert (await post_form(bob, "/events/datacity/datasets/999999/accept", page=page_url)).status_code == 404
    assert await DatasetAcceptance.all().count() == 0


async def test_anonymous_visitor_sees_no_restricted_links(world, client):
    page = await client.get(f"/events/datacity/datasets/{world.restricted.id}")

    assert page.status_code == 200
    assert "https://data.example.org/t.csv" not in page.text
    assert await DatasetAccess.all().count() == 0


async def test_entry_page_credits_the_declared_version_with_its_licence(world, make_client):
    """The credit of a declared dataset keeps the date of the version the team declared using after
    the catalogue refreshes it, and names the licence with its link, in both languages."""
    await Dataset.filter(id=world.dataset.id).update(
        licence_spdx="etalab-2.0",
        licence_title="Licence Ouverte v2.0",
        licence_url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        last_modified=datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
    )
    alice = await signed_in(make_client, world.alice)
    entry, _ = await _start(alice, world)
    url = f"/events/datacity/entries/{entry.id}/edit"
    form = {**ENTRY_FORM, f"dataset_{world.dataset.id}": "on", f"dataset_{world.dataset.id}_note": "Stops"}
    assert (await post_form(alice, url, form, page=url)).status_code == 303
    # The catalogue refreshes the dataset: a newer version at the source.
    await Dataset.filter(id=world.dataset.id).update(last_modified=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    # Saving the entry again keeps the version it declared.
    assert (await post_form(alice, url, {**form, "title": "Bus à l'heure v2"}, page=url)).status_code == 303

    links = await EntryDataset.filter(entry_id=entry.id)
    english = await alice.get(f"/events/datacity/entries/{entry.id}")
    await post_form(alice, "/language", {"language": "fr", "next": "/"})
    french = await alice.get(f"/events/datacity/entries/{entry.id}")

    assert len(links) == 1
    assert links[0].declared_version == datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    link = '<a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/" rel="noopener noreferrer">'
    assert (
        '<p class="attribution">Métropole – last updated on 10 January 2026 · Licence: '
        f"{link}Licence Ouverte v2.0</a></p>"
    ) in english.text
    assert (
        '<p class="attribution">Métropole – mise à jour du 10 janvier 2026 · Licence\u00a0: '
        f"{link}Licence Ouverte v2.0</a></p>"
    ) in french.text
    for page in (english.text, french.text):
        assert "20 November 2026" not in page
        assert "20 novembre 2026" not in page


async def test_a_dataset_declared_again_after_removal_is_declared_at_its_new_version(world, make_client):
    await Dataset.filter(id=world.dataset.id).update(last_modified=datetime(2026, 1, 10, tzinfo=UTC))
    alice = await signed_in(make_client, world.alice)
    entry, _ = await _start(alice, world)
    url = f"/events/datacity/entries/{entry.id}/edit"
    declared = {**ENTRY_FORM, f"dataset_{world.dataset.id}": "on"}

    await post_form(alice, url, declared, page=url)
    await Dataset.filter(id=world.dataset.id).update(last_modified=datetime(2026, 11, 20, tzinfo=UTC))
    await post_form(alice, url, ENTRY_FORM, page=url)  # removed
    await post_form(alice, url, declared, page=url)  # declared again, today

    assert await EntryDataset.filter(entry_id=entry.id).values_list("declared_version", flat=True) == [
        datetime(2026, 11, 20, tzinfo=UTC)
    ]
