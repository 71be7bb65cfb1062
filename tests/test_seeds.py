"""The demo seeds: deterministic, complete, and shaped like what the portals really return."""

from __future__ import annotations

import html
import re
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tortoise.context import tortoise_test_context

from events.db import MODEL_MODULES
from events.domain.portals import detect_portal
from events.domain.results import ranking, recount_from_log
from events.models import (
    Announcement,
    Assignment,
    Award,
    Challenge,
    ChallengeDataset,
    ChallengeOwner,
    ChallengeStatus,
    Comparison,
    ConflictKind,
    ConflictOfInterest,
    Criterion,
    Dataset,
    DatasetStatus,
    Entry,
    EntryDataset,
    EntryFile,
    EntryRevision,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    GalleryMode,
    JurySession,
    JurySessionChallenge,
    JurySessionJuror,
    PairwiseState,
    PitchSlot,
    PortalKind,
    PublicVote,
    Registration,
    Role,
    Round,
    Score,
    ScoreLogEntry,
    ScoreSheet,
    Selection,
    SessionStatus,
    SheetStatus,
    SlotStatus,
    Team,
    TeamMember,
    User,
)
from seeds.demo import DEMO_PASSWORD, DemoAlreadyLoaded, load_demo
from seeds.jury import LYON_CONFLICT, LYON_JURY, MENTORS_JURY, PARIS_JURY, paris_window
from tests.conftest import TEST_DATABASE_URL, drop_postgres_database
from tests.helpers import make_user, post_form, sign_in

NOW = datetime(2026, 3, 14, 9, 37, 12, tzinfo=UTC)
HOUR = NOW.replace(minute=0, second=0, microsecond=0)
MODELS = [
    User,
    Event,
    EventRole,
    Round,
    Challenge,
    ChallengeOwner,
    ChallengeDataset,
    Dataset,
    Team,
    TeamMember,
    Registration,
    Entry,
    EntryDataset,
    EntryRevision,
    Criterion,
    JurySession,
    JurySessionChallenge,
    JurySessionJuror,
    ConflictOfInterest,
    Assignment,
    ScoreSheet,
    Score,
    ScoreLogEntry,
    PitchSlot,
    PublicVote,
    Award,
    Comparison,
    PairwiseState,
    Announcement,
]
# Written by the database or salted on purpose: the only columns allowed to differ between loads.
VOLATILE = {"created_at", "updated_at", "joined_at", "password_hash"}
RESOURCE_KEYS = {"id", "title", "format", "url", "filesize"}


@asynccontextmanager
async def fresh_database():
    async with tortoise_test_context(MODEL_MODULES, db_url=TEST_DATABASE_URL) as ctx:
        database = getattr(ctx.connections.get("default"), "database", None)
        yield
    if TEST_DATABASE_URL.startswith("postgres") and database:
        await drop_postgres_database(TEST_DATABASE_URL, database)


async def canonical_dump() -> dict[str, list[dict]]:
    return {
        model.__name__: [
            {key: value for key, value in row.items() if key not in VOLATILE}
            for row in await model.all().order_by("id").values()
        ]
        for model in MODELS
    }


@pytest.fixture
async def demo(db):
    assert await load_demo(now=NOW) is True


async def test_load_demo_into_two_fresh_databases_gives_identical_content():
    dumps = []
    for _ in range(2):
        async with fresh_database():
            assert await load_demo(now=NOW) is True
            dumps.append(await canonical_dump())
    assert dumps[0] == dumps[1]
    assert len(dumps[0]["Dataset"]) == 22


async def test_load_demo_into_non_empty_database_changes_nothing(db):
    await make_user("someone@example.org")
    assert await load_demo(now=NOW) is False
    assert [await model.all().count() for model in MODELS] == [1] + [0] * (len(MODELS) - 1)


async def test_forcing_the_demo_into_a_database_that_holds_it_refuses_and_adds_nothing(demo):
    before = [await model.all().count() for model in MODELS]

    with pytest.raises(DemoAlreadyLoaded):
        await load_demo(only_if_empty=False, now=NOW)

    assert [await model.all().count() for model in MODELS] == before


def test_seed_force_on_a_seeded_database_says_so_without_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "SECRET_KEY": "x" * 40}
    env.pop("TEST_DATABASE_URL", None)
    for args in (["migrate"], ["seed"]):
        subprocess.run([sys.executable, "-m", "events.cli", *args], env=env, check=True, capture_output=True)

    forced = subprocess.run(
        [sys.executable, "-m", "events.cli", "seed", "--force"], env=env, capture_output=True, text=True
    )

    assert forced.returncode == 1
    assert "The demo data is already in this database: nothing was added." in forced.stderr
    assert "Traceback" not in forced.stderr


async def test_load_demo_keeps_the_demo_accounts(demo):
    emails = await User.all().order_by("id").values_list("email", flat=True)
    assert emails == [
        "admin@demo.hackcity.fr",
        "organisatrice@demo.hackcity.fr",
        "organisateur@demo.hackcity.fr",
        "sponsor@demo.hackcity.fr",
        "jure1@demo.hackcity.fr",
        "jure2@demo.hackcity.fr",
        "jure3@demo.hackcity.fr",
        "jure4@demo.hackcity.fr",
        "mentor@demo.hackcity.fr",
        "equipe-a@demo.hackcity.fr",
        "equipe-b@demo.hackcity.fr",
        *(f"equipe-{letter}@demo.hackcity.fr" for letter in "cdefghijklmn"),
    ]


async def test_demo_programme_is_in_its_prototype_round(demo):
    event = await Event.get(slug="datacity-paris-2026")
    candidature, prototype = await Round.filter(event=event).order_by("position")
    assert event.status == EventStatus.PUBLISHED
    assert (candidature.name, prototype.name) == ("Candidature", "Prototype")
    assert candidature.opens_at < candidature.deadline < prototype.opens_at < NOW
    assert prototype.deadline == HOUR + timedelta(days=21)
    assert event.registration_opens_at < event.registration_closes_at == candidature.deadline


async def test_demo_hackathon_is_archived_and_finished(demo):
    event = await Event.get(slug="hackathon-mobilite-lyon-2026")
    rounds = await Round.filter(event=event)
    assert event.status == EventStatus.ARCHIVED
    assert [r.name for r in rounds] == ["Hackathon"]
    assert event.starts_at <= rounds[0].opens_at < rounds[0].deadline <= event.ends_at < NOW
    challenges = await Challenge.filter(event=event)
    assert [c.status for c in challenges] == [ChallengeStatus.PUBLISHED] * 3


async def test_demo_programme_has_published_challenges_and_one_proposal(demo):
    challenges = await Challenge.filter(event__slug="datacity-paris-2026")
    published = [c for c in challenges if c.status == ChallengeStatus.PUBLISHED]
    proposed = [c for c in challenges if c.status == ChallengeStatus.PROPOSED]
    assert len(published) == 5
    assert all(c.sponsors and c.statement and c.deliverables and c.prizes and c.max_teams for c in published)
    assert len(proposed) == 1
    assert (await proposed[0].proposed_by).email == "equipe-a@demo.hackcity.fr"
    assert (await Event.get(slug="datacity-paris-2026")).allow_challenge_proposals is True


async def test_demo_sponsor_owns_one_challenge_and_holds_the_event_role(demo):
    sponsor = await User.get(email="sponsor@demo.hackcity.fr")
    owned = await Challenge.filter(owners__user=sponsor).values_list("slug", flat=True)
    roles = await EventRole.filter(user=sponsor).values_list("event__slug", "role")
    assert owned == ["ilots-de-chaleur-cours-ecole"]
    assert roles == [("datacity-paris-2026", Role.CHALLENGE_OWNER)]


async def test_every_published_challenge_has_datasets_and_exactly_one_primary(demo):
    challenges = await Challenge.filter(status=ChallengeStatus.PUBLISHED)
    assert len(challenges) == 10
    for challenge in challenges:
        links = await ChallengeDataset.filter(challenge=challenge).prefetch_related("dataset")
        assert links, challenge.slug
        assert sum(link.is_primary for link in links) == 1, challenge.slug
        assert {link.dataset.event_id for link in links} == {challenge.event_id}


async def test_demo_programme_catalogue_has_every_kind_restricted_and_gone(demo):
    datasets = await Dataset.filter(event__slug="datacity-paris-2026")
    assert len(datasets) == 14
    assert {d.portal_kind for d in datasets} == set(PortalKind)
    restricted = [d for d in datasets if d.restricted]
    gone = [d for d in datasets if d.status == DatasetStatus.GONE]
    assert len(restricted) == 1
    assert restricted[0].restricted_terms
    assert len(gone) == 1
    assert gone[0].last_error
    assert gone[0].portal_kind != PortalKind.MANUAL


# The datasets fetched from a portal under the Licence Ouverte (by display id; the others are under
# the ODbL), and those the organiser pasted by an address that names the portal's own id rather than
# the display id (a udata API address, a CKAN API address).
ETALAB_DATASETS = {
    "consommation-annuelle-residentielle-par-adresse",
    "base-adresse-nationale",
    "dpe-logements-existants-depuis-juillet-2021",
    "bases-de-donnees-annuelles-des-accidents-corporels-de-la-circulation-routiere",
    "frequentation-des-sites-touristiques",
    "disponibilite-des-stations-velov-de-la-metropole-de-lyon",
    "amenagements-cyclables-de-la-metropole-de-lyon",
    "trajets-realises-en-covoiturage-registre-de-preuve-de-covoiturage",
}
PASTED_BY_REMOTE_ID = {
    "dpe-logements-existants-depuis-juillet-2021",
    "disponibilite-des-stations-velov-de-la-metropole-de-lyon",
}


async def test_every_dataset_has_its_fields_filled(demo):
    datasets = await Dataset.all()
    assert len(datasets) == 22
    fetched = {d.display_id for d in datasets if d.portal_kind != PortalKind.MANUAL}
    assert len(fetched) == 18
    assert ETALAB_DATASETS | PASTED_BY_REMOTE_ID <= fetched
    for dataset in datasets:
        assert dataset.title and dataset.description and dataset.publisher and dataset.frequency
        assert dataset.licence_title and dataset.licence_url and dataset.last_modified
        assert dataset.resources, dataset.title
        assert dataset.formats == sorted({r["format"] for r in dataset.resources})
        assert all(set(resource) == RESOURCE_KEYS for resource in dataset.resources), dataset.title
        if dataset.portal_kind == PortalKind.MANUAL:
            assert (dataset.remote_id, dataset.raw_metadata, dataset.fetched_at) == (None, None, None)
            assert dataset.source_url == dataset.landing_url
            continue
        assert dataset.remote_id and dataset.display_id and dataset.licence_id
        assert dataset.licence_spdx == ("etalab-2.0" if dataset.display_id in ETALAB_DATASETS else "ODbL-1.0")
        assert dataset.landing_url.startswith(dataset.portal_url + "/")
        assert dataset.api_url.startswith(dataset.portal_url + "/api/")
        pasted = detect_portal(dataset.source_url)  # what the organiser pasted leads back here
        assert (pasted.kind, pasted.base_url) == (dataset.portal_kind, dataset.portal_url)
        assert dataset.remote_id != dataset.display_id
        assert pasted.identifier == (
            dataset.remote_id if dataset.display_id in PASTED_BY_REMOTE_ID else dataset.display_id
        )
        assert dataset.last_modified < dataset.fetched_at < NOW


async def test_udata_datasets_hold_the_api_1_datasets_shape(demo):
    datasets = await Dataset.filter(portal_kind=PortalKind.UDATA)
    assert len(datasets) == 5
    for dataset in datasets:
        raw = dataset.raw_metadata
        assert re.fullmatch(r"[0-9a-f]{24}", dataset.remote_id)  # udata ids are ObjectIds
        assert raw["id"] == dataset.remote_id
        assert raw["slug"] == dataset.display_id
        assert raw["page"] == dataset.landing_url
        assert dataset.api_url == f"{dataset.portal_url}/api/1/datasets/{dataset.remote_id}/"
        assert raw["organization"]["name"] == dataset.publisher
        assert raw["license"] == dataset.licence_id
        assert raw["frequency"] == dataset.frequency
        assert datetime.fromisoformat(raw["last_modified"]) == dataset.last_modified
        assert [r["id"] for r in raw["resources"]] == [r["id"] for r in dataset.resources]
        assert raw["resources"]
        assert all(r["latest"].endswith("/datasets/r/" + r["id"]) for r in raw["resources"])


async def test_ckan_datasets_hold_the_package_show_shape(demo):
    datasets = await Dataset.filter(portal_kind=PortalKind.CKAN)
    assert len(datasets) == 4
    for dataset in datasets:
        raw = dataset.raw_metadata
        assert set(raw) == {"help", "success", "result"}
        assert raw["success"] is True
        result = raw["result"]
        assert str(uuid.UUID(dataset.remote_id)) == dataset.remote_id == result["id"]
        assert result["name"] == dataset.display_id
        assert result["license_id"] == dataset.licence_id
        assert result["organization"]["title"] == dataset.publisher
        assert (
            datetime.fromisoformat(result["metadata_modified"]).replace(tzinfo=UTC) == dataset.last_modified
        )
        assert dataset.api_url == f"{dataset.portal_url}/api/3/action/package_show?id={dataset.remote_id}"
        assert [r["id"] for r in result["resources"]] == [r["id"] for r in dataset.resources]
        assert {r["package_id"] for r in result["resources"]} == {dataset.remote_id}


async def test_opendatasoft_datasets_hold_the_explore_v2_1_shape(demo):
    datasets = await Dataset.filter(portal_kind=PortalKind.OPENDATASOFT)
    assert len(datasets) == 9
    for dataset in datasets:
        raw = dataset.raw_metadata
        default = raw["metas"]["default"]
        assert "dataset" not in raw  # v2.0 wraps the item, v2.1 does not
        assert re.fullmatch(r"da_[a-z0-9]{6}", dataset.remote_id)
        assert raw["dataset_uid"] == dataset.remote_id
        assert raw["dataset_id"] == dataset.display_id
        assert (
            dataset.api_url == f"{dataset.portal_url}/api/explore/v2.1/catalog/datasets/{dataset.display_id}"
        )
        assert default["title"] == dataset.title
        assert default["publisher"] == dataset.publisher
        assert default["license"] == dataset.licence_id
        assert default["license_url"] == dataset.licence_url
        assert datetime.fromisoformat(default["modified"]) == dataset.last_modified
        assert default["records_count"] > 0
        assert raw["fields"]


async def test_remote_ids_are_unique_in_each_catalogue(demo):
    events = await Event.all().order_by("slug")
    counted = []
    for event in events:
        ids = await Dataset.filter(event=event, remote_id__isnull=False).values_list("remote_id", flat=True)
        assert len(ids) == len(set(ids))
        counted.append((event.slug, len(ids)))
    assert counted == [
        ("datacity-paris-2026", 12),
        ("defi-energie-brouillon", 0),
        ("hackathon-mobilite-lyon-2026", 6),
        ("hackathon-open-data-bordeaux-2026", 0),
    ]


# --- teams and entries (step 3) -----------------------------------------------------------------


async def test_demo_programme_applications_carry_every_decision_with_a_message(demo):
    candidature = await Round.get(event__slug="datacity-paris-2026", name="Candidature")
    applications = await Entry.filter(round=candidature).order_by("id")
    assert [a.selection for a in applications] == [
        Selection.SELECTED,
        Selection.SELECTED,
        Selection.WAITLISTED,
        Selection.REJECTED,
    ]
    assert all(a.status == EntryStatus.SUBMITTED and a.selection_message for a in applications)
    assert all(a.submitted_at <= candidature.deadline for a in applications)


async def test_demo_prototype_round_holds_a_submitted_entry_and_a_draft_of_selected_teams(demo):
    prototype = await Round.get(event__slug="datacity-paris-2026", name="Prototype")
    entries = await Entry.filter(round=prototype).select_related("team").order_by("id")
    assert [(e.team.name, e.status) for e in entries] == [
        ("Canopée", EntryStatus.SUBMITTED),
        ("Dernier Kilomètre", EntryStatus.DRAFT),
    ]
    assert entries[0].submitted_at < NOW
    selected = await Entry.filter(
        event__slug="datacity-paris-2026", selection=Selection.SELECTED
    ).values_list("team_id", flat=True)
    assert sorted(selected) == sorted(e.team_id for e in entries)


async def test_demo_captains_are_the_demo_participants(demo):
    captains = await TeamMember.filter(is_captain=True, team__event__slug="datacity-paris-2026").values_list(
        "user__email", flat=True
    )
    assert {"equipe-a@demo.hackcity.fr", "equipe-b@demo.hackcity.fr"} <= set(captains)
    members = await TeamMember.all()
    assert len(members) == 21
    for member in members:
        assert await Registration.exists(event_id=member.event_id, user_id=member.user_id)


async def test_demo_hackathon_gallery_is_open_with_submitted_entries_and_their_datasets(demo):
    event = await Event.get(slug="hackathon-mobilite-lyon-2026")
    entries = await Entry.filter(event=event)
    assert event.gallery == GalleryMode.OPEN
    assert len(entries) == 6
    assert all(e.status == EntryStatus.SUBMITTED for e in entries)
    # Two projects per challenge, so each challenge's results are a ranking.
    per_challenge: dict[int, int] = {}
    for entry in entries:
        per_challenge[entry.challenge_id] = per_challenge.get(entry.challenge_id, 0) + 1
    assert sorted(per_challenge.values()) == [2, 2, 2]
    for entry in entries:
        links = await EntryDataset.filter(entry=entry).select_related("dataset")
        assert links and all(link.note and link.dataset.event_id == event.id for link in links)
        assert await EntryRevision.filter(entry=entry, number=1).exists()


async def test_demo_has_an_event_open_for_registration_now(demo):
    open_now = await Event.filter(
        status=EventStatus.PUBLISHED, registration_opens_at__lte=HOUR, registration_closes_at__gt=HOUR
    )
    assert [e.slug for e in open_now] == ["hackathon-open-data-bordeaux-2026"]
    assert await Challenge.filter(event=open_now[0], status=ChallengeStatus.PUBLISHED).count() == 2


async def test_demo_with_a_storage_stores_a_pdf_and_a_csv_per_submitted_entry(db, tmp_path):
    from events.storage import LocalStorage

    storage = LocalStorage(tmp_path)
    assert await load_demo(now=NOW, storage=storage) is True

    files = await EntryFile.all().select_related("entry")
    submitted = await Entry.filter(status=EntryStatus.SUBMITTED).count()
    assert submitted == 11
    assert len(files) == 2 * submitted
    assert {f.original_name for f in files} == {"presentation.pdf", "resultats.csv"}
    for record in files:
        data = storage.path(record.storage_key).read_bytes()
        assert len(data) == record.size
        assert (
            data.startswith(b"%PDF-") if record.original_name.endswith(".pdf") else data.startswith(b"jour,")
        )


async def test_demo_without_a_storage_writes_no_file(demo):
    assert await EntryFile.all().count() == 0


# --- juries (step 4) ----------------------------------------------------------------------------

LYON = "hackathon-mobilite-lyon-2026"
PARIS = "datacity-paris-2026"
MINUTE = NOW.replace(second=0, microsecond=0)


async def test_demo_jurors_hold_the_juror_role_of_the_events_they_judge(demo):
    sessions = await JurySession.all().select_related("event")
    assert len(sessions) == 3
    for session in sessions:
        seated = await JurySessionJuror.filter(session=session).values_list("user__email", flat=True)
        jurors = await EventRole.filter(event=session.event, role=Role.JUROR).values_list(
            "user__email", flat=True
        )
        assert set(seated) <= set(jurors), session.name
    lyon = await JurySessionJuror.filter(session__event__slug=LYON, session__name=LYON_JURY).values_list(
        "user__email", flat=True
    )
    assert sorted(lyon) == [f"jure{n}@demo.hackcity.fr" for n in (1, 2, 3, 4)]


async def test_demo_hackathon_jury_is_scored_locked_and_published_on_its_grid(demo):
    session = await JurySession.get(event__slug=LYON, name=LYON_JURY)
    stage = await Round.get(id=session.round_id)
    criteria = await Criterion.filter(round=stage).order_by("position")
    assert session.status == SessionStatus.PUBLISHED
    assert session.public_vote is True
    assert (
        stage.deadline
        < session.opens_at
        < session.closes_at
        <= session.locked_at
        < session.published_at
        < NOW
    )
    assert [(c.scale_min, c.scale_max, c.step) for c in criteria] == [(1, 5, 1)] * 5
    assert criteria[0].name == "Utilisation des données"  # the preset, in the demo's language
    # Every juror scored every entry they were assigned, through the domain: the log says so.
    assigned = await Assignment.filter(session=session).values_list("juror_id", "entry_id")
    sheets = await ScoreSheet.filter(session=session)
    assert len(assigned) == 4 * 6 - 1  # four jurors, six entries, one conflict
    assert sorted((s.juror_id, s.entry_id) for s in sheets) == sorted(assigned)
    assert all(s.status == SheetStatus.SUBMITTED and s.comment and s.total is not None for s in sheets)
    assert all(session.opens_at <= s.submitted_at < session.closes_at for s in sheets)
    moments = await ScoreLogEntry.filter(sheet__session=session).values_list("created_at", flat=True)
    assert len(moments) == 166
    assert all(session.opens_at <= moment < session.closes_at for moment in moments)
    assert await ScoreLogEntry.filter(sheet__session=session, undone_of_id__isnull=False).count() == 1
    assert await Score.filter(sheet__session=session).count() == 5 * len(sheets)
    # The frozen results are what a recount from the log gives.
    assert ranking(session.results_snapshot["entries"]) == ranking(await recount_from_log(session))


async def test_demo_hackathon_jury_has_one_declared_conflict_respected_by_the_assignment(demo):
    session = await JurySession.get(event__slug=LYON, name=LYON_JURY)
    conflicts = await ConflictOfInterest.filter(session=session).select_related("juror", "team")
    juror, team, reason = LYON_CONFLICT
    assert [(c.juror.email, c.team.name, c.kind, c.reason) for c in conflicts] == [
        (juror, team, ConflictKind.DECLARED, reason)
    ]
    assert conflicts[0].declared_at < session.opens_at
    assert not await Assignment.exists(
        session=session, juror=conflicts[0].juror, entry__team=conflicts[0].team
    )
    assert not await ScoreSheet.exists(
        session=session, juror=conflicts[0].juror, entry__team=conflicts[0].team
    )
    assert await JurySessionJuror.filter(session=session, accepted_at__isnull=True).count() == 0


async def test_demo_hackathon_awards_go_to_each_challenge_winner_and_the_public_favourite(demo):
    session = await JurySession.get(event__slug=LYON, name=LYON_JURY)
    winners = {
        row["challenge_id"]: row["entry_id"]
        for row in session.results_snapshot["entries"]
        if row["rank"] == 1
    }
    awards = await Award.filter(session=session).select_related("challenge")
    by_challenge = {a.challenge_id: a for a in awards if a.challenge_id is not None}
    assert {cid: a.entry_id for cid, a in by_challenge.items()} == winners
    assert len(by_challenge) == 3
    for award in by_challenge.values():
        assert award.title and award.title in award.challenge.prizes  # the challenge's own prize
    public = [a for a in awards if a.challenge_id is None]
    # stored as the default title's key, shown in the reader's language
    assert [a.title for a in public] == ["Public prize"]
    votes = await PublicVote.filter(session=session).values_list("user_id", "entry_id", "entry__team_id")
    assert len(votes) == 14
    counts: dict[int, int] = {}
    for _user, entry_id, _team in votes:
        counts[entry_id] = counts.get(entry_id, 0) + 1
    assert public[0].entry_id == max(counts, key=lambda entry_id: counts[entry_id])
    for user_id, _entry, team_id in votes:  # never for one's own team
        assert not await TeamMember.exists(user_id=user_id, team_id=team_id)


async def test_demo_programme_jury_is_open_today_with_jurors_at_three_stages(demo):
    session = await JurySession.get(event__slug=PARIS)
    assert session.name == PARIS_JURY
    assert session.status == SessionStatus.OPEN
    assert (await Round.get(id=session.round_id)).name == "Candidature"
    assert (session.opens_at, session.closes_at) == paris_window(MINUTE)
    assert session.opens_at <= NOW < session.closes_at
    paris = ZoneInfo("Europe/Paris")
    assert session.opens_at.astimezone(paris).date() == NOW.astimezone(paris).date()
    assert await Criterion.filter(round_id=session.round_id).count() == 5
    progress = {}
    for seat in await JurySessionJuror.filter(session=session).select_related("user"):
        sheets = await ScoreSheet.filter(session=session, juror=seat.user)
        progress[seat.user.email] = (seat.accepted_at is not None, sorted(s.status for s in sheets))
    assert progress == {
        "jure1@demo.hackcity.fr": (True, [SheetStatus.SUBMITTED, SheetStatus.SUBMITTED]),
        "jure2@demo.hackcity.fr": (True, [SheetStatus.DRAFT]),
        "jure3@demo.hackcity.fr": (False, []),
    }
    moments = await ScoreLogEntry.filter(sheet__session=session).values_list("created_at", flat=True)
    assert len(moments) == 17
    assert all(session.opens_at <= moment < MINUTE for moment in moments)


async def test_demo_programme_jury_has_a_live_agenda(demo):
    session = await JurySession.get(event__slug=PARIS)
    slots = await PitchSlot.filter(session=session).order_by("position")
    in_scope = await Entry.filter(round_id=session.round_id, status=EntryStatus.SUBMITTED).order_by("id")
    assert [s.entry_id for s in slots] == [e.id for e in in_scope]
    assert [s.status for s in slots] == [SlotStatus.DONE] + [SlotStatus.LIVE] + [SlotStatus.PENDING] * 2
    assert all(s.duration_minutes == 7 for s in slots)
    assert slots[0].started_at < slots[0].ended_at <= slots[1].started_at == MINUTE - timedelta(minutes=3)
    assert [s.planned_start for s in slots] == [MINUTE + timedelta(minutes=7 * n - 11) for n in range(4)]
    # The team on stage now is the one whose sheet jure1 is scoring.
    scored = await ScoreSheet.filter(session=session, juror__email="jure1@demo.hackcity.fr").order_by("id")
    assert [s.entry_id for s in scored] == [slots[0].entry_id, slots[1].entry_id]


async def test_loading_the_demo_twice_adds_no_jury_row(db):
    assert await load_demo(now=NOW) is True
    before = [await model.all().count() for model in MODELS]

    assert await load_demo() is False

    assert [await model.all().count() for model in MODELS] == before
    assert await JurySession.all().count() == 3


async def test_demo_results_page_shows_the_ranking_and_the_awards(db, client):
    assert await load_demo() is True

    page = await client.get(f"/events/{LYON}/results", headers={"Accept-Language": "fr"})
    english = await client.get(f"/events/{LYON}/results", headers={"Accept-Language": "en"})

    assert page.status_code == 200
    text = html.unescape(page.text)
    entries = await Entry.filter(event__slug=LYON)
    assert len(entries) == 6
    for entry in entries:
        assert entry.title in text
    awards = await Award.filter(session__event__slug=LYON)
    assert len(awards) == 4  # one per challenge, and the public prize
    for award in awards:
        if award.title != "Public prize":  # the organisers' own words, shown as they typed them
            assert award.title in text
    # the default title follows the reader's language
    assert "<strong>Prix du public</strong>" in page.text
    assert "<strong>Public prize</strong>" in english.text
    assert "Prix du public" not in english.text
    assert (await client.get(f"/events/{PARIS}/results")).status_code == 404  # nothing published


async def test_demo_juror_signs_in_and_scores_in_the_live_session(db, make_client):
    assert await load_demo() is True  # today: the session is open now
    session = await JurySession.get(event__slug=PARIS)
    client = make_client()
    await sign_in(client, "jure1@demo.hackcity.fr", DEMO_PASSWORD)

    listing = await client.get(f"/events/{PARIS}/jury")
    seat = await client.get(f"/events/{PARIS}/jury/{session.id}")

    assert listing.status_code == 200
    assert PARIS_JURY in html.unescape(listing.text)
    assert seat.status_code == 200
    left = await Entry.get(round_id=session.round_id, team__name="Les Mobilistes")
    assert left.title in html.unescape(seat.text)
    sheet_url = f"/events/{PARIS}/jury/{session.id}/entries/{left.id}"
    form = await client.get(sheet_url)
    assert form.status_code == 200
    criteria = await Criterion.filter(round_id=session.round_id).order_by("position")
    assert len(criteria) == 5
    assert all(f'name="criterion_{c.id}"' in form.text for c in criteria)

    saved = await post_form(
        client,
        sheet_url,
        {**{f"criterion_{c.id}": "6" for c in criteria}, "comment": "Bien.", "action": "submit"},
        page=sheet_url,
    )

    assert saved.status_code == 303
    sheet = await ScoreSheet.get(session=session, juror__email="jure1@demo.hackcity.fr", entry=left)
    assert (sheet.status, sheet.total) == (SheetStatus.SUBMITTED, 60.0)


@pytest.mark.parametrize(
    ("clock", "opens", "closes"),
    [
        ("2026-03-14T09:37+00:00", "2026-03-14T08:00+01:00", "2026-03-14T22:00+01:00"),
        ("2026-07-01T04:10+00:00", "2026-07-01T05:40+02:00", "2026-07-01T22:00+02:00"),  # 6:10 in Paris
        ("2026-07-01T21:30+00:00", "2026-07-01T08:00+02:00", "2026-07-02T03:30+02:00"),  # 23:30 in Paris
    ],
)
def test_the_live_jury_window_is_today_in_paris_and_always_holds_the_loading_time(clock, opens, closes):
    window = paris_window(datetime.fromisoformat(clock))
    assert window == (datetime.fromisoformat(opens), datetime.fromisoformat(closes))


async def test_demo_entries_credit_the_dataset_version_they_declared_not_a_later_refresh(demo):
    # An entry submitted in October cannot have used a December update: each declaration records the
    # version current when the team declared it, never later than the entry's submission.
    links = await EntryDataset.all().select_related("entry", "dataset")
    submitted = [link for link in links if link.entry.submitted_at is not None]
    assert (len(links), len(submitted)) == (16, 15)
    for link in links:
        assert link.declared_version is not None, link.id
        current = link.dataset.last_modified or link.dataset.fetched_at
        assert link.declared_version <= current
    for link in submitted:
        assert link.declared_version <= link.entry.submitted_at, (link.entry.title, link.dataset.title)


async def test_demo_mentors_prize_is_judged_two_by_two_and_published_with_its_stability(db, client):
    assert await load_demo(now=NOW) is True
    session = await JurySession.get(event__slug=LYON, name=MENTORS_JURY)
    assert session.mode == "pairwise"
    assert session.status == SessionStatus.PUBLISHED
    log = await Comparison.filter(session=session).order_by("id").values_list("kind", "juror__email")
    assert [kind for kind, _email in log].count("undo") == 1
    assert {email for _kind, email in log} == {f"jure{n}@demo.hackcity.fr" for n in (1, 2, 4)}
    conflicted = await ConflictOfInterest.get(session=session, juror__email="jure2@demo.hackcity.fr")
    covoit = await Entry.get(event__slug=LYON, team_id=conflicted.team_id)
    assert not await Comparison.filter(
        session=session, juror__email="jure2@demo.hackcity.fr", current=covoit
    ).exists()
    snapshot = session.results_snapshot
    assert snapshot["mode"] == "pairwise" and snapshot["comparisons"] == len(log) - 2
    await sign_in(client, "organisateur@demo.hackcity.fr", DEMO_PASSWORD)
    page = await client.get(
        f"/events/{LYON}/manage/juries/{session.id}/results", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    assert "des tirages" in page.text
    public = await client.get(f"/events/{LYON}/results")
    assert MENTORS_JURY in html.unescape(public.text)
