"""What a jury reads of an entry it scores: who may download the entry's files through a session,
and under which names.

Who: the organisers of the event (admins included), and a juror who sits on the session, still holds
the event's juror role, is assigned the entry and has no conflict with its team (declared when
accepting the seat, recused while scoring, or a member of it). The entry must be in the session's
scope. Anyone else is told nothing (the route answers 404), exactly as for another team's files.

Names: a team names its files as it likes, and a name often carries the team's or a member's name
("deck-team-velib-jean-dupont.pdf"). In a blind session jurors are not told whose entry they score,
so the file list and the downloads use a neutral name built from the entry's number and the file's
position among the entry's files ("entry-12-file-1.pdf", in the reader's language), keeping only an
allowed extension. Outside blind mode the team's own (sanitised) name is kept. What a neutral name
cannot hide is what the team wrote inside its files, title, description and links.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.domain.files import ALLOWED_EXTENSIONS, extension_of
from events.domain.gallery import is_organiser
from events.domain.jury import is_conflicted
from events.domain.scoring import scope_query
from events.i18n import _
from events.models import (
    Assignment,
    Entry,
    EntryFile,
    Event,
    EventRole,
    JurySession,
    JurySessionJuror,
    Role,
    User,
)


@dataclass(frozen=True)
class JuryFile:
    record: EntryFile
    name: str  # shown in the list and sent as the download's file name


def jury_file_name(session: JurySession, entry: Entry, record: EntryFile, position: int) -> str:
    """The name a juror sees for the entry's `position`-th file (from 1, in upload order)."""
    if not session.blind:
        return record.original_name
    extension = extension_of(record.original_name)
    name = _("entry-%(entry)s-file-%(number)s", entry=entry.id, number=position)
    return f"{name}.{extension}" if extension in ALLOWED_EXTENSIONS else name


def jury_files(session: JurySession, entry: Entry, records: list[EntryFile]) -> list[JuryFile]:
    """The entry's files (`records`: all of them, in id order) with the names the jury sees."""
    return [
        JuryFile(record, jury_file_name(session, entry, record, position))
        for position, record in enumerate(records, start=1)
    ]


async def may_read(*, event: Event, session: JurySession, user: User, entry: Entry) -> bool:
    """Whether `user` may read `entry` (an entry of the event) and its files through `session`."""
    if session.event_id != event.id or entry.event_id != event.id:
        return False
    if not await (await scope_query(session)).filter(id=entry.id).exists():
        return False
    if await is_organiser(event=event, user=user):
        return True
    return (
        await JurySessionJuror.exists(session_id=session.id, user_id=user.id)
        and await EventRole.exists(event_id=event.id, user_id=user.id, role=Role.JUROR)
        and await Assignment.exists(session_id=session.id, juror_id=user.id, entry_id=entry.id)
        and not await is_conflicted(session=session, juror=user, entry=entry)
    )


async def jury_file(
    *, event: Event, session: JurySession, user: User, entry_id: int, file_id: int
) -> JuryFile | None:
    """One file of an entry, with its name for the jury, if `user` may read it; None otherwise."""
    entry = await Entry.get_or_none(id=entry_id, event_id=event.id)
    if entry is None or not await may_read(event=event, session=session, user=user, entry=entry):
        return None
    records = await EntryFile.filter(entry_id=entry.id).order_by("id")
    return next((item for item in jury_files(session, entry, records) if item.record.id == file_id), None)
