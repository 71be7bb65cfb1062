"""The public side over HTTP: galleries, the entry page, names, files, the reuse report and its CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.models import (
    Dataset,
    Entry,
    EntryDataset,
    EntryFile,
    EntryStatus,
    Event,
    GalleryMode,
    Round,
    User,
)
from tests.entry_world import make_entry_world, signed_in
from tests.helpers import csv_rows

HOSTILE_DESCRIPTION = (
    "# Notre projet\n\nUses **open data**. <script>alert(1)</script> "
    "[click](javascript:alert(1)) <img src=x onerror=alert(1)>"
)


async def _world_with_entries(
    *, deadline: datetime | None = None, grace_minutes: int = 0, gallery=GalleryMode.AUTO
):
    world = await make_entry_world(deadline=deadline, grace_minutes=grace_minutes)
    world.event.gallery = gallery
    await world.event.save()
    world.entry_a = await Entry.create(
        event=world.event,
        team=world.team_a,
        round=world.stage,
        challenge=world.challenge,
        title="Bus à l'heure",
        summary="Predicts bus delays.",
        description=HOSTILE_DESCRIPTION,
        repository_url="https://git.example.org/bus",
        demo_url="https://bus.example.org",
        code_licence="MIT",
        status=EntryStatus.SUBMITTED,
        submitted_at=datetime.now(UTC) - timedelta(days=1),
    )
    await EntryDataset.create(
        entry=world.entry_a, dataset=world.dataset, note='=HYPERLINK("http://evil") stops'
    )
    await Entry.create(
        event=world.event,
        team=world.team_b,
        round=world.stage,
        challenge=world.challenge,
        title="Vélo secret",
        status=EntryStatus.DRAFT,
    )
    draft = await Entry.get(title="Vélo secret")
    await EntryDataset.create(entry=draft, dataset=world.dataset, note="a draft's note")
    return world


async def _anonymous(make_client):
    return make_client()


@pytest.mark.parametrize(
    ("deadline_offset", "grace", "public"),
    [
        (timedelta(minutes=5), 0, False),  # before the deadline
        (timedelta(minutes=-5), 10, False),  # deadline passed, grace period running
        (timedelta(minutes=-11), 10, True),  # after the deadline and the grace period
    ],
)
async def test_auto_gallery_follows_the_last_deadline_and_grace(
    db, make_client, deadline_offset, grace, public
):
    world = await _world_with_entries(deadline=datetime.now(UTC) + deadline_offset, grace_minutes=grace)
    client = await _anonymous(make_client)

    response = await client.get(f"/events/{world.event.slug}/gallery")

    if public:
        assert response.status_code == 200
        assert "Bus à l&#39;heure" in response.text
        assert "Vélo secret" not in response.text  # drafts never
    else:
        assert response.status_code == 404


async def test_closed_gallery_is_404_to_the_public_and_noted_for_organisers(db, make_client):
    world = await _world_with_entries(
        deadline=datetime.now(UTC) - timedelta(days=2), gallery=GalleryMode.CLOSED
    )
    anonymous = await _anonymous(make_client)
    participant = await signed_in(make_client, world.bob)
    organiser = await signed_in(make_client, world.olga)

    assert (await anonymous.get(f"/events/{world.event.slug}/gallery")).status_code == 404
    assert (await participant.get(f"/events/{world.event.slug}/gallery")).status_code == 404
    seen = await organiser.get(f"/events/{world.event.slug}/gallery")
    assert seen.status_code == 200
    assert "Not public yet: only the organisers see this gallery." in seen.text
    assert "Bus à l&#39;heure" in seen.text


async def test_open_gallery_is_public_before_the_deadline_and_per_challenge(db, make_client):
    world = await _world_with_entries(gallery=GalleryMode.OPEN)
    client = await _anonymous(make_client)

    event_gallery = await client.get(f"/events/{world.event.slug}/gallery")
    challenge_gallery = await client.get(f"/events/{world.event.slug}/challenges/mobility/gallery")
    unknown = await client.get(f"/events/{world.event.slug}/challenges/nope/gallery")

    assert event_gallery.status_code == challenge_gallery.status_code == 200
    assert "Bus à l&#39;heure" in challenge_gallery.text
    assert "Not public yet" not in event_gallery.text
    assert unknown.status_code == 404


async def test_entry_page_shows_sanitised_description_links_datasets_and_credit(db, make_client):
    world = await _world_with_entries(gallery=GalleryMode.OPEN)
    client = await _anonymous(make_client)

    page = await client.get(f"/events/{world.event.slug}/entries/{world.entry_a.id}")

    assert page.status_code == 200
    assert "<h2>Notre projet</h2>" in page.text
    assert "<strong>open data</strong>" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert 'href="javascript:' not in page.text
    assert "onerror" not in page.text.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert '<a href="https://git.example.org/bus" rel="noopener noreferrer nofollow ugc">' in page.text
    assert "<dd>MIT</dd>" in page.text
    assert f'<a href="/events/{world.event.slug}/datasets/{world.dataset.id}">Bus stops</a>' in page.text
    assert "Métropole" in page.text  # the dataset's attribution line names its publisher
    assert "=HYPERLINK(&#34;http://evil&#34;) stops" in page.text


async def test_member_names_are_shown_only_when_they_opted_in(db, make_client):
    world = await _world_with_entries(gallery=GalleryMode.OPEN)
    await User.filter(id=world.alice.id).update(opt_in_publish_name=True)
    client = await _anonymous(make_client)

    page = await client.get(f"/events/{world.event.slug}/entries/{world.entry_a.id}")

    assert "<dd>Alice and 1 other member</dd>" in page.text
    assert "Arthur" not in page.text


async def test_entry_page_is_404_when_not_public_but_readable_by_its_team_and_organisers(db, make_client):
    world = await _world_with_entries(gallery=GalleryMode.CLOSED)
    url = f"/events/{world.event.slug}/entries/{world.entry_a.id}"
    draft = await Entry.get(title="Vélo secret")

    assert (await (await _anonymous(make_client)).get(url)).status_code == 404
    assert (await (await signed_in(make_client, world.bob)).get(url)).status_code == 404
    member = await (await signed_in(make_client, world.alice)).get(url)
    assert member.status_code == 200
    assert "Not public: only the team and the organisers see this entry." in member.text
    assert (await (await signed_in(make_client, world.olga)).get(url)).status_code == 200
    # With the gallery open, a draft is still not public.
    world.event.gallery = GalleryMode.OPEN
    await world.event.save()
    anonymous = await _anonymous(make_client)
    assert (await anonymous.get(f"/events/{world.event.slug}/entries/{draft.id}")).status_code == 404
    assert (await anonymous.get(f"/events/{world.event.slug}/entries/999999")).status_code == 404


async def test_entries_of_an_earlier_round_stay_out_of_the_gallery(db, make_client):
    world = await _world_with_entries(gallery=GalleryMode.OPEN)
    await Round.create(event=world.event, position=2, name="Demo day")
    client = await _anonymous(make_client)

    gallery = await client.get(f"/events/{world.event.slug}/gallery")
    page = await client.get(f"/events/{world.event.slug}/entries/{world.entry_a.id}")

    assert "Bus à l&#39;heure" not in gallery.text
    assert page.status_code == 404


async def test_public_file_links_download_once_the_gallery_is_open(db, make_client, settings):
    world = await _world_with_entries(gallery=GalleryMode.OPEN)
    from events.storage_backends import storage_for

    pending = storage_for(settings).begin(max_bytes=1000)
    await pending.write(b"a,b\n1,2\n")
    stored = await pending.commit()
    record = await EntryFile.create(
        entry=world.entry_a,
        storage_key=stored.key,
        original_name="data.csv",
        content_type="text/csv",
        size=stored.size,
        sha256=stored.sha256,
    )
    visitor = await signed_in(make_client, world.bob)
    url = f"/events/{world.event.slug}/entries/{world.entry_a.id}/files/{record.id}"

    page = await visitor.get(f"/events/{world.event.slug}/entries/{world.entry_a.id}")
    download = await visitor.get(url)

    assert f'<a href="{url}">data.csv</a>' in page.text
    assert download.status_code == 200
    assert download.content == b"a,b\n1,2\n"
    anonymous = make_client()
    public_download = await anonymous.get(url)
    assert public_download.status_code == 200
    assert public_download.headers["content-disposition"].startswith("attachment;")
    await Event.filter(id=world.event.id).update(gallery=GalleryMode.CLOSED)
    assert (await visitor.get(url)).status_code == 404
    assert (await anonymous.get(url)).status_code == 404


async def test_reuse_report_lists_only_the_entries_the_viewer_may_read(db, make_client):
    world = await _world_with_entries(gallery=GalleryMode.OPEN)
    url = f"/events/{world.event.slug}/datasets/{world.dataset.id}"

    public = await (await _anonymous(make_client)).get(url)
    organiser = await (await signed_in(make_client, world.olga)).get(url)

    assert public.status_code == 200
    assert "1 entry uses this dataset." in public.text
    assert (
        f'<a href="/events/{world.event.slug}/entries/{world.entry_a.id}">Bus à l&#39;heure</a>'
        in public.text
    )
    assert "Vélo secret" not in public.text
    assert "2 entries use this dataset." in organiser.text
    assert "Vélo secret" in organiser.text


async def test_reuse_csv_is_utf8_with_a_header_and_no_formula(db, make_client):
    world = await _world_with_entries(gallery=GalleryMode.OPEN)
    await Entry.filter(id=world.entry_a.id).update(title="@SUM(A1:A9)")
    client = await _anonymous(make_client)

    response = await client.get(f"/events/{world.event.slug}/datasets/{world.dataset.id}/reuse.csv")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")
    rows = csv_rows(response)  # after its BOM
    assert rows == [
        ["Entry", "Team", "Challenge", "Round", "Status", "How the data is used", "Link"],
        [
            "'@SUM(A1:A9)",
            "Les Bus",
            "Mobility",
            "Prototype",
            "submitted",
            '\'=HYPERLINK("http://evil") stops',
            f"http://testserver/events/{world.event.slug}/entries/{world.entry_a.id}",
        ],
    ]


async def test_reuse_csv_of_another_events_dataset_is_404(db, make_client):
    world = await _world_with_entries(gallery=GalleryMode.OPEN)
    other = await Event.create(slug="other", title="Other", status="published")
    foreign = await Dataset.create(event=other, title="Foreign")
    client = await _anonymous(make_client)

    response = await client.get(f"/events/{world.event.slug}/datasets/{foreign.id}/reuse.csv")

    assert response.status_code == 404


async def test_event_page_links_to_the_gallery_only_when_it_is_public(db, make_client):
    world = await _world_with_entries(gallery=GalleryMode.CLOSED)
    visitor = make_client()
    page = await visitor.get(f"/events/{world.event.slug}")
    assert f'href="/events/{world.event.slug}/gallery"' not in page.text
    assert f'href="/events/{world.event.slug}/datasets"' in page.text
    await Event.filter(id=world.event.id).update(gallery=GalleryMode.OPEN)
    page = await visitor.get(f"/events/{world.event.slug}")
    assert f'href="/events/{world.event.slug}/gallery"' in page.text
