"""A juror's score sheets: every write (a value, a whole form, the comment, the private note, the
submission), their append-only log and its undo, the sheet as stored or replayed, and a juror's
progress through their sheets.

- Every write to a sheet checks, inside the writing transaction, that the session is open, that the
  server's clock is within [opens_at, closes_at), that the entry is assigned to the juror without
  conflict and that its pitch slot (demo day) is not locked (`_writable_sheet`). It appends a
  `ScoreLogEntry` with the old and new values, so replaying the log gives the sheet
  (`sheet_from_log`, through `events.domain.scoring.replay`) and a change can be undone. After
  commit, it publishes a "progress" message for the live control room (`events.broker`).
- Closing a session (`events.domain.sessions`) recomputes every total (`refresh_totals`) before the
  results are frozen.
- Concurrency: UNIQUE (session, juror, entry) and (sheet, criterion) settle parallel first saves (an
  IntegrityError inside a savepoint falls back to the update path). On PostgreSQL the sheet row is
  locked FOR UPDATE and the session row FOR SHARE, so saves of one sheet are serialised and closing
  the session (FOR UPDATE) waits for saves in flight. SQLite serialises transactions by itself.
  Locking is a point in time: the transition reads the clock only once it holds the session row,
  and a save reads it only once it holds its locks, so every accepted save is before `locked_at`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import RawSQL
from tortoise.transactions import in_transaction

from events import broker
from events.domain.assignments import standing_columns, standing_of
from events.domain.criteria import clean_value, criteria_for
from events.domain.errors import FormErrors
from events.domain.scoring import SHEET_TOTAL, SheetState, Window, replay, scoring_window
from events.domain.sql import execute, rows
from events.i18n import _
from events.models import (
    Assignment,
    Criterion,
    Entry,
    JurySession,
    Score,
    ScoreLogEntry,
    ScoreSheet,
    SessionStatus,
    SheetStatus,
    User,
)

log = logging.getLogger("hackcity.jury")

MAX_TEXT = 5000


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


async def _writable_sheet(
    conn: Any,
    session: JurySession,
    juror: User,
    entry: Entry,
    now: datetime | None,
    criterion_id: int | None = None,
) -> tuple[ScoreSheet, datetime]:
    """Inside the writing transaction: check the session, the clock and the assignment, then return
    the juror's sheet for the entry, locked (created if needed) with the instant of the write. With
    `criterion_id`, the sheet carries that criterion's current value as `old_value` (None: no score).

    The session and the juror's standing are read in one statement, and on SQLite the sheet and the
    old value in another: a save is on the path of every juror at once on demo day. On PostgreSQL the
    old value is read once the sheet's lock is held, in a statement of its own: a statement that
    waited for the lock would read the score as it was before the save that held it (its snapshot
    is taken when it starts), and the log would record a stale old value."""
    if conn.capabilities.dialect == "postgres":
        # Closing takes this row FOR UPDATE: it waits for saves in flight, and later saves see it closed.
        await conn.execute_query("SELECT id FROM jury_session WHERE id = $1 FOR SHARE", [session.id])
    columns = standing_columns(
        session="jury_session.id", juror_id=juror.id, entry=str(int(entry.id)), team=str(int(entry.team_id))
    )
    current = await JurySession.filter(id=session.id).annotate(**columns).get()
    now = _now(now)  # after the locks: the instant the write really happens
    if current.status != SessionStatus.OPEN:
        raise FormErrors({None: _("This jury session is not open for scoring.")})
    window = scoring_window(current, now)
    if window == Window.NOT_STARTED:
        raise FormErrors({None: _("Scoring has not started yet.")})
    if window == Window.OVER:
        raise FormErrors({None: _("Scoring is over: the session closed.")})
    found = standing_of(current)
    if found.conflicted:
        raise FormErrors({None: _("You have a conflict of interest with this team.")})
    if not found.assigned:
        raise FormErrors({None: _("This entry is not assigned to you.")})
    if found.pitch_locked:
        raise FormErrors({None: _("Scoring of this pitch is locked.")})
    keys = {"session_id": current.id, "juror_id": juror.id, "entry_id": entry.id}
    # SQLite runs one writing transaction at a time (BEGIN IMMEDIATE): nothing can change in between.
    merged = criterion_id if conn.capabilities.dialect != "postgres" else None
    sheet = await _locked_sheet(keys, merged)
    if sheet is None:
        try:
            async with in_transaction():  # a savepoint: a parallel first save may win the UNIQUE race
                await ScoreSheet.create(**keys)
        except IntegrityError:
            pass
        sheet = await _locked_sheet(keys, merged)
    if criterion_id is not None and merged is None:
        sheet.old_value = (
            await Score.filter(sheet_id=sheet.id, criterion_id=criterion_id)
            .first()
            .values_list("value", flat=True)
        )
    return sheet, now


async def _locked_sheet(keys: dict[str, int], criterion_id: int | None) -> ScoreSheet | None:
    query = ScoreSheet.select_for_update().filter(**keys)
    if criterion_id is not None:
        query = query.annotate(
            old_value=RawSQL(
                "(SELECT value FROM score WHERE sheet_id = score_sheet.id"  # noqa: S608 (an integer)
                f" AND criterion_id = {int(criterion_id)})"
            )
        )
    return await query.first()


async def _progress_changed(sheet: ScoreSheet) -> None:
    """After the write committed: the live control room reads the progress again."""
    await broker.publish(
        broker.session_channel(sheet.session_id),
        {"type": "progress", "juror": sheet.juror_id, "entry": sheet.entry_id},
    )


async def _refresh_total(sheet: ScoreSheet, now: datetime) -> None:
    """The sheet's total computed and stored by the database in one statement."""
    total = SHEET_TOTAL.format(sheet="score_sheet.id")
    found = await rows(
        f"UPDATE score_sheet SET total = ({total}), updated_at = ? WHERE id = ? RETURNING total",  # noqa: S608
        [now, sheet.id],
    )
    sheet.total = found[0]["total"] if found else None


async def refresh_totals(session: JurySession) -> None:
    """Recompute every sheet total of the session in one statement (before the results are frozen)."""
    total = SHEET_TOTAL.format(sheet="score_sheet.id")
    await execute(f"UPDATE score_sheet SET total = ({total}) WHERE session_id = ?", [session.id])  # noqa: S608


def _text(value: float | None) -> str | None:
    return None if value is None else repr(float(value))


async def _append_log(
    sheet: ScoreSheet,
    juror: User,
    field: str,
    old: str | None,
    new: str | None,
    now: datetime,
    criterion_id: int | None = None,
    undone_of: ScoreLogEntry | None = None,
) -> ScoreLogEntry:
    return await ScoreLogEntry.create(
        sheet_id=sheet.id,
        juror_id=juror.id,
        criterion_id=criterion_id,
        field=field,
        old_value=old,
        new_value=new,
        created_at=now,
        undone_of=undone_of,
    )


async def _set_value(
    sheet: ScoreSheet, criterion_id: int, value: float | None, old: float | None
) -> float | None:
    """Write one score (None removes it) over its previous value `old` (read under the sheet's lock),
    in one statement; return `old`. The upsert also settles a parallel first save of the score."""
    if value is None:
        if old is not None:
            await Score.filter(sheet_id=sheet.id, criterion_id=criterion_id).delete()
    elif old != value:
        await execute(
            "INSERT INTO score (sheet_id, criterion_id, value) VALUES (?, ?, ?)"
            " ON CONFLICT (sheet_id, criterion_id) DO UPDATE SET value = excluded.value",
            [sheet.id, criterion_id, value],
        )
    return old


async def save_score(
    *,
    session: JurySession,
    juror: User,
    entry: Entry,
    criterion: Criterion,
    value: Any,
    now: datetime | None = None,
    grid: list[Criterion] | None = None,
) -> ScoreSheet:
    """Record one value on the juror's sheet for the entry (autosave), logging old and new.

    `grid` is the entry's criteria (`criteria_for`) when the caller has read them already."""
    if grid is None:
        grid = await criteria_for(session.round_id, entry.challenge_id)
    if criterion.id not in {c.id for c in grid}:
        raise FormErrors({None: _("This criterion is not part of this entry's grid.")})
    cleaned = clean_value(criterion, value)
    async with in_transaction() as conn:
        sheet, when = await _writable_sheet(conn, session, juror, entry, now, criterion_id=criterion.id)
        old = await _set_value(sheet, criterion.id, cleaned, sheet.old_value)
        if old != cleaned:
            await _append_log(
                sheet, juror, "value", _text(old), _text(cleaned), when, criterion_id=criterion.id
            )
            await _refresh_total(sheet, when)
    if old != cleaned:
        _log_change(juror, sheet, f"criterion {criterion.id}: {_text(old)} -> {_text(cleaned)}")
    await _progress_changed(sheet)
    return sheet


def _log_change(juror: User, sheet: ScoreSheet, change: str) -> None:
    """Every score change leaves a line in the app's log too (values and ids only, never texts)."""
    log.info("juror %s changed sheet %s (entry %s): %s", juror.id, sheet.id, sheet.entry_id, change)


def _clean_text(field: str, text: str) -> str:
    # no NUL: PostgreSQL refuses it in a text column (the autosave sends JSON, not a cleaned form)
    text = text.replace("\r\n", "\n").replace("\x00", "").strip()
    if len(text) > MAX_TEXT:
        raise FormErrors({field: _("Use at most %(n)s characters.", n=MAX_TEXT)})
    return text


async def save_sheet(
    *,
    session: JurySession,
    juror: User,
    entry: Entry,
    values: dict[int, Any],
    comment: str | None = None,
    private_note: str | None = None,
    now: datetime | None = None,
    grid: list[Criterion] | None = None,
) -> ScoreSheet:
    """Save a whole form in one transaction: the values given (criterion id → value, None clears the
    score), the comment and the note (None leaves a text as it is, "" clears it). A criterion the form
    does not name keeps its score. A submitted sheet keeps a score for every criterion: clearing one
    is refused. Each change is logged as the autosave logs it; nothing is written if any value is
    refused. `grid`: the entry's criteria, when the caller has read them already."""
    if grid is None:
        grid = await criteria_for(session.round_id, entry.challenge_id)
    by_id = {c.id: c for c in grid}
    errors: dict[str | None, str] = {}
    cleaned: dict[int, float | None] = {}
    for criterion_id, value in values.items():
        if criterion_id not in by_id:
            raise FormErrors({None: _("This criterion is not part of this entry's grid.")})
        if value is None:
            cleaned[criterion_id] = None
            continue
        try:
            cleaned[criterion_id] = clean_value(by_id[criterion_id], value)
        except FormErrors as error:
            errors.update(error.errors)
    texts = {
        name: _clean_text(name, text)
        for name, text in (("comment", comment), ("private_note", private_note))
        if text is not None
    }
    if errors:
        raise FormErrors(errors)
    changes: list[str] = []
    async with in_transaction() as conn:
        sheet, when = await _writable_sheet(conn, session, juror, entry, now)
        current = dict(await Score.filter(sheet_id=sheet.id).values_list("criterion_id", "value"))
        cleared = [cid for cid, value in cleaned.items() if value is None and current.get(cid) is not None]
        if cleared and sheet.status == SheetStatus.SUBMITTED:
            raise FormErrors(
                {
                    f"criterion_{cid}": _(
                        "A submitted sheet keeps a score for every criterion: change it rather than "
                        "clearing it."
                    )
                    for cid in cleared
                }
            )
        for criterion_id, value in cleaned.items():
            old = current.get(criterion_id)
            if old == value:
                continue
            await _set_value(sheet, criterion_id, value, old)
            await _append_log(
                sheet, juror, "value", _text(old), _text(value), when, criterion_id=criterion_id
            )
            changes.append(f"criterion {criterion_id}: {_text(old)} -> {_text(value)}")
        if changes:
            await _refresh_total(sheet, when)
        changed_texts = {name: text for name, text in texts.items() if getattr(sheet, name) != text}
        if changed_texts:
            await ScoreSheet.filter(id=sheet.id).update(**changed_texts, updated_at=when)
            for name, text in changed_texts.items():
                await _append_log(sheet, juror, name, getattr(sheet, name), text, when)
                setattr(sheet, name, text)
                changes.append(f"{name} changed")
    for change in changes:
        _log_change(juror, sheet, change)
    if changes:
        await _progress_changed(sheet)
    return sheet


async def _save_text(
    session: JurySession, juror: User, entry: Entry, field: str, text: str, now: datetime | None
) -> ScoreSheet:
    text = _clean_text(field, text)
    async with in_transaction() as conn:
        sheet, when = await _writable_sheet(conn, session, juror, entry, now)
        old = getattr(sheet, field)
        if old != text:
            await ScoreSheet.filter(id=sheet.id).update(**{field: text, "updated_at": when})
            setattr(sheet, field, text)
            await _append_log(sheet, juror, field, old, text, when)
    if old != text:
        _log_change(juror, sheet, f"{field} changed")
    await _progress_changed(sheet)
    return sheet


async def save_comment(
    *, session: JurySession, juror: User, entry: Entry, comment: str, now: datetime | None = None
) -> ScoreSheet:
    """The comment for the team, shown to it without the juror's name after publication."""
    return await _save_text(session, juror, entry, "comment", comment, now)


async def save_private_note(
    *, session: JurySession, juror: User, entry: Entry, note: str, now: datetime | None = None
) -> ScoreSheet:
    return await _save_text(session, juror, entry, "private_note", note, now)


async def submit_sheet(
    *, session: JurySession, juror: User, entry: Entry, now: datetime | None = None
) -> ScoreSheet:
    """Draft → submitted, once every criterion of the entry's grid has a value. Values stay
    editable while the session is open; only submitted sheets count in the results."""
    grid = await criteria_for(session.round_id, entry.challenge_id)
    async with in_transaction() as conn:
        sheet, when = await _writable_sheet(conn, session, juror, entry, now)
        scored = set(await Score.filter(sheet_id=sheet.id).values_list("criterion_id", flat=True))
        missing = [c.name for c in grid if c.id not in scored]
        if missing:
            raise FormErrors(
                {None: _("Score every criterion before submitting: %(missing)s.", missing=", ".join(missing))}
            )
        if sheet.status != SheetStatus.SUBMITTED:
            await ScoreSheet.filter(id=sheet.id).update(status=SheetStatus.SUBMITTED, submitted_at=when)
            await _append_log(sheet, juror, "status", sheet.status, SheetStatus.SUBMITTED, when)
            sheet.status, sheet.submitted_at = SheetStatus.SUBMITTED, when
    log.info("juror %s submitted sheet %s", juror.id, sheet.id)
    await _progress_changed(sheet)
    return sheet


async def undo_last_change(
    *, sheet: ScoreSheet, juror: User, now: datetime | None = None
) -> ScoreLogEntry | None:
    """Reverse the juror's latest change not undone yet, by appending the reversing entry.

    Undos themselves are not undone, so repeated undos walk back through the history. Returns None
    when there is nothing left to undo.
    """
    if sheet.juror_id != juror.id:
        raise FormErrors({None: _("This is not your score sheet.")})
    session = await JurySession.get(id=sheet.session_id)
    entry = await Entry.get(id=sheet.entry_id)
    async with in_transaction() as conn:
        locked, when = await _writable_sheet(conn, session, juror, entry, now)
        undone = await ScoreLogEntry.filter(sheet_id=locked.id, undone_of_id__isnull=False).values_list(
            "undone_of_id", flat=True
        )
        target = (
            await ScoreLogEntry.filter(sheet_id=locked.id, undone_of_id__isnull=True)
            .exclude(id__in=list(undone) or [0])
            .order_by("-id")
            .first()
        )
        if target is None:
            return None
        if target.field == "value":
            assert target.criterion_id is not None
            restored = None if target.old_value is None else float(target.old_value)
            now_value = (
                await Score.filter(sheet_id=locked.id, criterion_id=target.criterion_id)
                .first()
                .values_list("value", flat=True)
            )
            current = await _set_value(locked, target.criterion_id, restored, now_value)
            reversal = await _append_log(
                locked, juror, "value", _text(current), target.old_value, when, target.criterion_id, target
            )
            await _refresh_total(locked, when)
        elif target.field == "status":
            status = SheetStatus(target.old_value or SheetStatus.DRAFT)
            await ScoreSheet.filter(id=locked.id).update(
                status=status, submitted_at=None if status == SheetStatus.DRAFT else locked.submitted_at
            )
            reversal = await _append_log(locked, juror, "status", locked.status, status, when, None, target)
        else:
            await ScoreSheet.filter(id=locked.id).update(
                **{target.field: target.old_value or "", "updated_at": when}
            )
            reversal = await _append_log(
                locked,
                juror,
                target.field,
                getattr(locked, target.field),
                target.old_value or "",
                when,
                None,
                target,
            )
    log.info("juror %s undid change %s of sheet %s", juror.id, target.id, sheet.id)
    await _progress_changed(locked)
    return reversal


async def sheet_from_log(sheet: ScoreSheet) -> SheetState:
    rows = (
        await ScoreLogEntry.filter(sheet_id=sheet.id)
        .order_by("id")
        .values_list("field", "criterion_id", "new_value")
    )
    return replay(list(rows))


async def sheet_state(sheet: ScoreSheet) -> SheetState:
    """The sheet as stored."""
    stored = await ScoreSheet.get(id=sheet.id)
    values = dict(await Score.filter(sheet_id=sheet.id).values_list("criterion_id", "value"))
    return SheetState(
        values=values, comment=stored.comment, private_note=stored.private_note, status=stored.status
    )


async def juror_progress(*, session: JurySession, juror: User) -> tuple[int, int]:
    """(submitted sheets, assigned entries) for the juror: "7 of 12 scored"."""
    assigned = await Assignment.filter(session_id=session.id, juror_id=juror.id).values_list(
        "entry_id", flat=True
    )
    submitted = await ScoreSheet.filter(
        session_id=session.id, juror_id=juror.id, status=SheetStatus.SUBMITTED, entry_id__in=list(assigned)
    ).count()
    return submitted, len(assigned)


async def progress_by_session(*, juror: User, session_ids: list[int]) -> dict[int, tuple[int, int]]:
    """`juror_progress` for several sessions in one query, whatever their number and size: per
    session, (submitted sheets of entries still assigned to the juror, assigned entries)."""
    if not session_ids:
        return {}
    marks = ", ".join("?" for _ in session_ids)
    query = (  # only placeholders are formatted in
        "SELECT a.session_id AS session_id, COUNT(*) AS total, COUNT(s.id) AS done FROM assignment a "  # noqa: S608
        "LEFT JOIN score_sheet s ON s.session_id = a.session_id AND s.juror_id = a.juror_id "
        "AND s.entry_id = a.entry_id AND s.status = ? "
        f"WHERE a.juror_id = ? AND a.session_id IN ({marks}) GROUP BY a.session_id"
    )
    found = await rows(query, [SheetStatus.SUBMITTED.value, juror.id, *session_ids])
    progress = dict.fromkeys(session_ids, (0, 0))
    progress.update({row["session_id"]: (int(row["done"]), int(row["total"])) for row in found})
    return progress
