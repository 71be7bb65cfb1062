"""The large demo data (`hackcity seed --scale large`, seeds/large.py), loaded at a twentieth of its
size through the same code: its counts, its juries (the score log recounts to the stored results),
its files (real ones, downloadable), its determinism, and the demo left as it was beside it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

from events.domain.score_log import recount
from events.models import (
    Assignment,
    Award,
    Challenge,
    ChallengeDataset,
    ConflictOfInterest,
    Criterion,
    Dataset,
    Entry,
    EntryDataset,
    EntryFile,
    EntryRevision,
    EntryStatus,
    Event,
    JurySession,
    JurySessionJuror,
    PitchSlot,
    Registration,
    Score,
    ScoreLogEntry,
    ScoreSheet,
    SessionStatus,
    SheetStatus,
    SlotStatus,
    Team,
    TeamMember,
    User,
)
from events.storage_backends import storage_for
from seeds.demo import load_demo
from seeds.large import DOMAIN, LARGE, LIVE_JURY, NATIONAL_JURY, SLUG, LargeAlreadyLoaded, load_large
from tests.test_seeds import MODELS, NOW, canonical_dump, fresh_database

SMALL = LARGE.divided(20)


async def test_the_large_seed_at_a_twentieth_has_its_counts_and_its_juries_recount_equal(
    db, settings, client
):
    loaded = await load_large(scale=SMALL, now=NOW, storage=storage_for(settings))

    event = await Event.get(slug=SLUG)
    assert (SMALL.challenges, SMALL.datasets, SMALL.teams, SMALL.participants) == (3, 15, 41, 150)
    assert await User.filter(email__endswith=f"@{DOMAIN}").count() == 1 + SMALL.jurors + SMALL.participants
    assert await Challenge.filter(event=event).count() == SMALL.challenges
    assert await Dataset.filter(event=event, portal_kind="manual").count() == SMALL.datasets
    assert await ChallengeDataset.filter(challenge__event=event, is_primary=True).count() == SMALL.challenges
    assert await Registration.filter(event=event).count() == SMALL.participants
    assert await Team.filter(event=event).count() == SMALL.teams
    assert await TeamMember.filter(event=event).count() == SMALL.participants
    assert await TeamMember.filter(event=event, is_captain=True).count() == SMALL.teams
    assert await Entry.filter(event=event, status=EntryStatus.SUBMITTED).count() == SMALL.teams
    assert await EntryRevision.filter(entry__event=event, number=1).count() == SMALL.teams
    assert await EntryDataset.filter(entry__event=event).count() >= SMALL.teams
    assert await Criterion.filter(round__event=event).count() == 6

    national = await JurySession.get(id=loaded.national_session_id)
    assert (national.name, national.status) == (NATIONAL_JURY, SessionStatus.PUBLISHED)
    assert await JurySessionJuror.filter(session=national).count() == SMALL.jurors
    assert await ConflictOfInterest.filter(session=national).count() == 3
    sheets = await ScoreSheet.filter(session=national).values_list("entry_id", "status", "total")
    assert len(sheets) == SMALL.teams * 5 == await Assignment.filter(session=national).count()
    assert set(Counter(entry_id for entry_id, _s, _t in sheets).values()) == {5}
    assert {status for _e, status, _t in sheets} == {SheetStatus.SUBMITTED}
    assert all(total is not None for _e, _s, total in sheets)
    assert await Score.filter(sheet__session=national).count() == len(sheets) * 6
    assert await ScoreLogEntry.filter(sheet__session=national, field="status").count() == len(sheets)
    assert await ScoreLogEntry.filter(sheet__session=national, field="value").count() >= len(sheets) * 6
    assert await Award.filter(session=national).count() == SMALL.challenges

    final = await JurySession.get(id=loaded.live_session_id)
    assert (final.name, final.status) == (LIVE_JURY, SessionStatus.OPEN)
    slots = Counter(await PitchSlot.filter(session=final).values_list("status", flat=True))
    assert slots == {SlotStatus.LOCKED: 1, SlotStatus.DONE: 2, SlotStatus.LIVE: 1, SlotStatus.PENDING: 1}
    assert (
        await JurySessionJuror.filter(session=final).count() == SMALL.live_jurors == len(loaded.live_jurors)
    )
    assert (
        await ScoreSheet.filter(session=final, status=SheetStatus.SUBMITTED).count() == 3 * SMALL.live_jurors
    )
    assert await ScoreSheet.filter(session=final, status=SheetStatus.DRAFT).count() == 1

    for session in (national, final):
        counted = await recount(session=await JurySession.get(id=session.id))
        assert counted.equal, [line for line in counted.lines if not line.equal]
        assert len(counted.lines) == (SMALL.teams if session is national else SMALL.pitches)

    files = await EntryFile.filter(entry__event=event).order_by("id")
    assert {f.entry_id for f in files} == set(await Entry.filter(event=event).values_list("id", flat=True))
    assert all(500 < f.size <= 4200 for f in files)
    storage = storage_for(settings)
    assert all(storage.path(f.storage_key).stat().st_size == f.size for f in files)
    response = await client.get(f"/events/{SLUG}/entries/{files[0].entry_id}/files/{files[0].id}")
    assert response.status_code == 200
    assert response.content.startswith(b"jour,quartier,valeur\n")
    assert len(response.content) == files[0].size


async def test_the_large_seed_gives_the_same_rows_twice_and_refuses_a_second_load():
    dumps = []
    for _ in range(2):
        async with fresh_database():
            await load_large(scale=SMALL, now=NOW)
            dumps.append(await canonical_dump())
            before = await ScoreLogEntry.all().count()
            try:
                await load_large(scale=SMALL, now=NOW)
            except LargeAlreadyLoaded:
                pass
            else:
                raise AssertionError("a second load was not refused")
            assert await ScoreLogEntry.all().count() == before
    assert dumps[0] == dumps[1]
    assert len(dumps[0]["ScoreLogEntry"]) > SMALL.teams * 5 * 7


async def test_loading_the_large_event_beside_the_demo_leaves_the_demo_as_it_was():
    async with fresh_database():
        assert await load_demo(now=NOW) is True
        demo_alone = await canonical_dump()
    async with fresh_database():
        assert await load_demo(now=NOW) is True
        await load_large(scale=SMALL, now=NOW)
        both = await canonical_dump()
    for model in MODELS:
        name = model.__name__
        ids = {row["id"] for row in demo_alone[name]}
        assert [row for row in both[name] if row["id"] in ids] == demo_alone[name], name
        assert len(both[name]) >= len(demo_alone[name])


def test_seed_scale_large_loads_the_demo_and_the_large_event(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'large.db'}",
        "SECRET_KEY": "x" * 40,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    env.pop("TEST_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "events.cli", "migrate"], env=env, check=True, capture_output=True)
    # The command at a twentieth of the scale: the module's LARGE, which the command reads, made smaller.
    smaller = (
        "import sys, seeds.large as large; large.LARGE = large.LARGE.divided(20); "
        "from events.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    seeded = subprocess.run(
        [sys.executable, "-c", smaller, "seed", "--scale", "large"], env=env, capture_output=True, text=True
    )
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.startswith("Demo data and the large event loaded: /events/grand-defi-donnees-2026,")
    session_id = seeded.stdout.split("`hackcity recount ")[1].split("`")[0]
    recounted = subprocess.run(
        [sys.executable, "-m", "events.cli", "recount", session_id], env=env, capture_output=True, text=True
    )
    assert recounted.returncode == 0, recounted.stdout + recounted.stderr
    assert recounted.stdout.splitlines()[-1] == (
        f"Equal: the recount gives the stored results for all {SMALL.teams} entries."
    )
    again = subprocess.run(
        [sys.executable, "-c", smaller, "seed", "--scale", "large"], env=env, capture_output=True, text=True
    )
    assert again.returncode == 0
    assert "The database already holds data" in again.stdout
