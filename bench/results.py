"""Time the results of a jury session: 10,000 entries x 10 jurors x 6 criteria on SQLite.

    .venv/bin/python bench/results.py
    .venv/bin/python bench/results.py --entries 2000 --jurors 5

A benchmark, not a test. It builds the session in a fresh SQLite file (bulk inserts: 100,000
submitted sheets and 600,000 scores), computes the sheet totals as closing the session does, then
times, without normalisation, with z-scores, and with z-scores and the trimmed mean:

- the ranking alone (`compute_results(criteria=False)`, events/domain/results.py): what the
  organiser's results page and the explanation of an open session compute. Target: under 1 second
  on a 2-core machine;
- the snapshot frozen at closing (the ranking with each entry's per-criterion averages), written to
  the session row as closing does, with its size;
- the explanation of one entry (`explain_entry`), provisional (open session: the ranking is
  computed first) and frozen (closed session: read from the snapshot and the locked sheets).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise import connections
from tortoise.context import tortoise_test_context

from events.db import MODEL_MODULES
from events.domain.results import compute_results, explain_entry
from events.domain.sheets import refresh_totals
from events.models import (
    Assignment,
    Challenge,
    ChallengeStatus,
    Criterion,
    Entry,
    EntryStatus,
    Event,
    EventStatus,
    JurySession,
    JurySessionJuror,
    Normalisation,
    Round,
    SessionStatus,
    Team,
    User,
)


async def build(entries: int, jurors: int, criteria: int, seed: int) -> JurySession:
    pick = random.Random(seed)
    now = datetime.now(UTC)
    event = await Event.create(slug="bench", title="Bench", status=EventStatus.PUBLISHED)
    stage = await Round.create(event=event, name="Final", position=1)
    challenge = await Challenge.create(event=event, slug="c", title="C", status=ChallengeStatus.PUBLISHED)
    grid = [
        await Criterion.create(round=stage, name=f"C{i}", weight=1 + i % 3, scale_min=0, scale_max=10, step=1)
        for i in range(criteria)
    ]
    users = [
        await User.create(email=f"juror{i}@example.org", name=f"Juror {i}", password_hash="!")  # noqa: S106
        for i in range(jurors)
    ]
    session = await JurySession.create(
        event=event, round=stage, name="Bench", status=SessionStatus.OPEN, opens_at=now, closes_at=now
    )
    for user in users:
        await JurySessionJuror.create(session=session, user=user)
    await Team.bulk_create(
        [
            Team(event=event, name=f"T{i}", name_key=f"t{i}", invite_token_hash=f"h{i}")
            for i in range(entries)
        ],
        batch_size=2000,
    )
    team_ids = await Team.filter(event_id=event.id).order_by("id").values_list("id", flat=True)
    await Entry.bulk_create(
        [
            Entry(
                event=event,
                team_id=t,
                round=stage,
                challenge=challenge,
                title=f"E{t}",
                status=EntryStatus.SUBMITTED,
            )
            for t in team_ids
        ],
        batch_size=2000,
    )
    entry_ids = await Entry.filter(round_id=stage.id).order_by("id").values_list("id", flat=True)
    await Assignment.bulk_create(
        [Assignment(session=session, juror=u, entry_id=e) for e in entry_ids for u in users], batch_size=5000
    )
    conn = connections.get("default")
    stamp = now.isoformat()
    await conn.execute_many(
        "INSERT INTO score_sheet (session_id, juror_id, entry_id, status, comment, private_note, assigned, "
        "submitted_at, updated_at) VALUES (?, ?, ?, 'submitted', '', '', 1, ?, ?)",
        [[session.id, u.id, e, stamp, stamp] for e in entry_ids for u in users],
    )
    sheet_ids = [row["id"] for row in await conn.execute_query_dict("SELECT id FROM score_sheet ORDER BY id")]
    # Harsh and lenient jurors: each juror has an offset, so normalisation has work to do.
    offsets = [pick.randint(-3, 3) for _ in users]
    await conn.execute_many(
        "INSERT INTO score (sheet_id, criterion_id, value) VALUES (?, ?, ?)",
        [
            [sheet_id, c.id, float(min(10, max(0, pick.randint(2, 8) + offsets[index % jurors])))]
            for index, sheet_id in enumerate(sheet_ids)
            for c in grid
        ],
    )
    return session


async def main(entries: int, jurors: int, criteria: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{folder}/bench.sqlite3"
        async with tortoise_test_context(MODEL_MODULES, db_url=url):
            conn = connections.get("default")
            for pragma in ("journal_mode = WAL", "synchronous = NORMAL"):
                await conn.execute_script(f"PRAGMA {pragma}")
            started = time.perf_counter()
            session = await build(entries, jurors, criteria, seed=1)
            print(
                f"built {entries} entries x {jurors} jurors x {criteria} criteria "
                f"({entries * jurors * criteria} scores) in {time.perf_counter() - started:.1f} s"
            )
            # Saves keep each sheet's total; closing recomputes them all in one statement.
            started = time.perf_counter()
            await refresh_totals(session)
            print(f"sheet totals recomputed from the scores in {time.perf_counter() - started:.3f} s")
            entry = await Entry.filter(round_id=session.round_id).order_by("id").offset(entries // 2).first()

            async def best(label: str, work, runs: int = 3) -> None:
                timings = []
                for _run in range(runs):
                    started = time.perf_counter()
                    await work()
                    timings.append(time.perf_counter() - started)
                print(
                    f"{label:<58} best {min(timings):.3f} s (runs: {', '.join(f'{t:.3f}' for t in timings)})"
                )

            for normalisation, trimmed in (
                (Normalisation.NONE, False),
                (Normalisation.ZSCORE, False),
                (Normalisation.ZSCORE, True),
            ):
                session.normalisation, session.trimmed = normalisation, trimmed
                session.results_snapshot = None
                options = f"normalisation={normalisation:<6} trimmed={trimmed!s:<5}"

                async def ranking() -> None:
                    results = await compute_results(session=session, criteria=False)
                    assert len(results["entries"]) == entries
                    assert sum(r["sheets"] for r in results["entries"]) == entries * jurors

                async def close() -> None:
                    snapshot = await compute_results(session=session)
                    await JurySession.filter(id=session.id).update(results_snapshot=snapshot)
                    session.results_snapshot = snapshot

                async def explain() -> None:
                    explanation = await explain_entry(
                        session=session, entry_id=entry.id, challenge_id=entry.challenge_id
                    )
                    assert explanation is not None
                    assert len(explanation.jurors) == jurors
                    assert len(explanation.criteria) == criteria

                await best(f"ranking        {options}", ranking)
                await best(f"explain (open) {options}", explain)
                await best(f"close+snapshot {options}", close)
                size = len(json.dumps(session.results_snapshot, separators=(",", ":")))
                await best(f"explain (closed, snapshot {size / 1e6:.1f} MB)", explain)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--jurors", type=int, default=10)
    parser.add_argument("--criteria", type=int, default=6)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.entries, arguments.jurors, arguments.criteria))
