"""Jurors see what they score: the entry's files and links on the scoring page, each file downloaded
through the session as an attachment, by the jurors assigned to the entry without a conflict and by
the event's organisers only (404 to everyone else); neutral file names in a blind session."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from events.models import (
    Assignment,
    AssignmentMode,
    ConflictKind,
    ConflictOfInterest,
    Entry,
    EntryFile,
    Event,
    EventRole,
    EventStatus,
    JurySession,
    Role,
    User,
)
from tests.helpers import csrf_from, make_user, post_form, sign_in
from tests.jury_world import JuryWorld, open_jury_world

PDF = b"%PDF-1.7\n% the deck\n"
CSV = b"day,riders\n2026-06-01,-3.4\n"
DECK = "Team 0 deck - Member 0.pdf"
DATA = "riders-team-0.csv"
ORGANISER = ("olga@example.org", "Olga Organiser")


async def _world(**options) -> JuryWorld:
    """Two teams, two jurors, one juror per entry: juror 0 scores entry 0, juror 1 scores entry 1."""
    options.setdefault("teams", 2)
    options.setdefault("mode", AssignmentMode.K)
    options.setdefault("k", 1)
    world = await open_jury_world(organiser=ORGANISER, **options)
    await Entry.filter(id=world.entries[0].id).update(
        demo_url="https://demo.example.org/velo",
        repository_url="https://git.example.org/velo",
        video_url="https://video.example.org/velo",
    )
    assert await Assignment.filter(session_id=world.session.id).order_by("juror_id").values_list(
        "juror_id", "entry_id"
    ) == [(world.jurors[0].id, world.entries[0].id), (world.jurors[1].id, world.entries[1].id)]
    return world


async def _as(make_client, user: User):
    client = make_client()
    await sign_in(client, user.email)
    return client


async def _team_uploads(make_client, world: JuryWorld, name: str, content: bytes) -> EntryFile:
    """Team 0's captain adds a file to its entry through the team's own upload form."""
    team = await _as(make_client, world.members[0])
    edit = f"/events/{world.event.slug}/entries/{world.entries[0].id}/edit"
    token = await csrf_from(team, edit)
    response = await team.post(
        f"/events/{world.event.slug}/entries/{world.entries[0].id}/files?csrf_token={token}",
        files={"file": (name, content, "application/octet-stream")},
    )
    assert response.status_code == 303, response.text
    return await EntryFile.get(entry_id=world.entries[0].id, original_name=name)


def _entry_url(world: JuryWorld, entry: Entry) -> str:
    return f"/events/{world.event.slug}/jury/{world.session.id}/entries/{entry.id}"


def _file_url(world: JuryWorld, entry: Entry, record: EntryFile) -> str:
    return f"{_entry_url(world, entry)}/files/{record.id}"


def _files_section(page: str) -> str:
    return page.split('<h2 id="files">', 1)[1].split("</ul>", 1)[0]


async def test_the_scoring_page_lists_the_files_and_links_one_tap_away(db, make_client):
    world = await _world()
    deck = await _team_uploads(make_client, world, DECK, PDF)
    data = await _team_uploads(make_client, world, DATA, CSV)
    juror = await _as(make_client, world.jurors[0])

    page = await juror.get(_entry_url(world, world.entries[0]))

    assert page.status_code == 200
    files = _files_section(page.text)
    assert files.count("<li>") == 2
    assert f'<a href="{_file_url(world, world.entries[0], deck)}" download>{DECK}</a>' in files
    assert f'<a href="{_file_url(world, world.entries[0], data)}" download>{DATA}</a>' in files
    for link in (
        "https://demo.example.org/velo",
        "https://git.example.org/velo",
        "https://video.example.org/velo",
    ):
        assert f'<a href="{link}" rel="noopener noreferrer nofollow ugc">' in page.text
    # The files come before the sheet: no scrolling past the scores to reach them.
    assert page.text.index('<h2 id="files">') < page.text.index('class="form scoring"')


async def test_an_entry_without_files_says_so(db, make_client):
    world = await _world()
    juror = await _as(make_client, world.jurors[1])

    page = await juror.get(_entry_url(world, world.entries[1]))

    assert page.status_code == 200
    assert "The team added no file." in page.text


async def test_the_assigned_juror_downloads_the_file_as_an_attachment(db, make_client):
    world = await _world()
    data = await _team_uploads(make_client, world, DATA, CSV)
    juror = await _as(make_client, world.jurors[0])

    download = await juror.get(_file_url(world, world.entries[0], data))

    assert download.status_code == 200
    assert download.content == CSV
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''riders-team-0.csv"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-security-policy"] == "sandbox"
    assert download.headers["cache-control"] == "private, no-store"


async def _outsiders(world: JuryWorld) -> dict[str, User]:
    """Everyone who must not get entry 0's files through the session."""
    other_event = await Event.create(slug="elsewhere", title="Elsewhere", status=EventStatus.PUBLISHED)
    other_juror = await make_user("other-juror@example.org", name="Other Juror")
    await EventRole.create(event=other_event, user=other_juror, role=Role.JUROR)
    other_organiser = await make_user("other-organiser@example.org", name="Other Organiser")
    await EventRole.create(event=other_event, user=other_organiser, role=Role.ORGANISER)
    return {
        "juror of the session not assigned to the entry": world.jurors[1],
        "juror of another event": other_juror,
        "organiser of another event": other_organiser,
        "member of another team": world.members[1],
        "member of the entry's own team (it has its own route)": world.members[0],
    }


async def test_only_the_assigned_juror_and_the_organisers_get_the_file(db, make_client):
    world = await _world()
    deck = await _team_uploads(make_client, world, DECK, PDF)
    admin = await make_user("admin@example.org", name="Admin", is_admin=True)
    url = _file_url(world, world.entries[0], deck)
    allowed = {
        "assigned juror": world.jurors[0],
        "organiser": await User.get(email=ORGANISER[0]),
        "admin": admin,
    }
    refused = await _outsiders(world)

    answers = {}
    for label, user in {**allowed, **refused}.items():
        answers[label] = (await (await _as(make_client, user)).get(url)).status_code
    anonymous = await make_client().get(url)

    assert answers == {**dict.fromkeys(allowed, 200), **dict.fromkeys(refused, 404)}
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")


async def test_a_file_of_another_entry_or_an_unknown_file_is_404(db, make_client):
    world = await _world()
    deck = await _team_uploads(make_client, world, DECK, PDF)
    juror = await _as(make_client, world.jurors[1])  # assigned entry 1, not entry 0
    base = _entry_url(world, world.entries[1])

    through_own_entry = await juror.get(f"{base}/files/{deck.id}")
    unknown = await juror.get(f"{base}/files/{deck.id + 1000}")
    elsewhere = f"/events/{world.event.slug}/jury/{world.session.id + 1000}"
    other_session = await juror.get(f"{elsewhere}/entries/{world.entries[0].id}/files/{deck.id}")

    assert (through_own_entry.status_code, unknown.status_code, other_session.status_code) == (404, 404, 404)


async def test_a_juror_who_declares_a_conflict_with_the_team_no_longer_gets_its_files(db, make_client):
    world = await _world()
    deck = await _team_uploads(make_client, world, DECK, PDF)
    juror = await _as(make_client, world.jurors[0])
    url = _file_url(world, world.entries[0], deck)
    assert (await juror.get(url)).status_code == 200
    session_url = f"/events/{world.event.slug}/jury/{world.session.id}"

    declared = await post_form(juror, session_url, {"team": str(world.teams[0].id)}, page=session_url)

    assert declared.status_code == 303
    assert await ConflictOfInterest.exists(juror_id=world.jurors[0].id, team_id=world.teams[0].id)
    assert (await juror.get(url)).status_code == 404
    assert (await juror.get(_entry_url(world, world.entries[0]))).status_code == 404
    # The entry went to the other juror, who now reads its files.
    other = await _as(make_client, world.jurors[1])
    assert (await other.get(url)).status_code == 200


@pytest.mark.parametrize("kind", [ConflictKind.DECLARED, ConflictKind.RECUSED])
async def test_a_conflict_refuses_the_files_even_while_the_assignment_stands(db, make_client, kind):
    world = await _world()
    deck = await _team_uploads(make_client, world, DECK, PDF)
    juror = await _as(make_client, world.jurors[0])
    url = _file_url(world, world.entries[0], deck)
    # As between a conflict's record and the recomputation of the assignments.
    await ConflictOfInterest.create(
        session=world.session,
        juror=world.jurors[0],
        team=world.teams[0],
        kind=kind,
        declared_at=deck.created_at,
    )

    assert await Assignment.exists(juror_id=world.jurors[0].id, entry_id=world.entries[0].id)
    assert (await juror.get(url)).status_code == 404


async def test_a_recused_juror_no_longer_gets_the_files(db, make_client):
    world = await _world()
    deck = await _team_uploads(make_client, world, DECK, PDF)
    juror = await _as(make_client, world.jurors[0])
    entry_url = _entry_url(world, world.entries[0])

    recused = await post_form(juror, entry_url + "/recuse", {"reason": "I coach them"}, page=entry_url)

    assert recused.status_code == 303
    assert (await juror.get(_file_url(world, world.entries[0], deck))).status_code == 404


async def test_a_juror_whose_role_was_removed_no_longer_gets_the_files(db, make_client):
    world = await _world()
    deck = await _team_uploads(make_client, world, DECK, PDF)
    juror = await _as(make_client, world.jurors[0])

    await EventRole.filter(event_id=world.event.id, user_id=world.jurors[0].id).delete()

    assert (await juror.get(_file_url(world, world.entries[0], deck))).status_code == 404


async def test_a_blind_session_names_the_files_neutrally(db, make_client):
    world = await _world()
    deck = await _team_uploads(make_client, world, DECK, PDF)
    data = await _team_uploads(make_client, world, DATA, CSV)
    await JurySession.filter(id=world.session.id).update(blind=True)
    juror = await _as(make_client, world.jurors[0])
    entry = world.entries[0]

    page = await juror.get(_entry_url(world, entry))
    deck_download = await juror.get(_file_url(world, entry, deck))
    data_download = await juror.get(_file_url(world, entry, data))

    files = _files_section(page.text)
    assert f'<a href="{_file_url(world, entry, deck)}" download>entry-{entry.id}-file-1.pdf</a>' in files
    assert f'<a href="{_file_url(world, entry, data)}" download>entry-{entry.id}-file-2.csv</a>' in files
    for revealing in ("Team 0", "team-0", "Member 0", DECK, DATA):
        assert revealing not in files
    assert (
        deck_download.headers["content-disposition"]
        == f"attachment; filename*=UTF-8''entry-{entry.id}-file-1.pdf"
    )
    assert (
        data_download.headers["content-disposition"]
        == f"attachment; filename*=UTF-8''entry-{entry.id}-file-2.csv"
    )
    assert (deck_download.content, data_download.content) == (PDF, CSV)


async def test_a_blind_session_names_the_files_in_the_jurors_language(db, make_client):
    world = await _world()
    deck = await _team_uploads(make_client, world, DECK, PDF)
    await JurySession.filter(id=world.session.id).update(blind=True)
    await User.filter(id=world.jurors[0].id).update(language="fr")
    juror = await _as(make_client, world.jurors[0])
    entry = world.entries[0]

    download = await juror.get(_file_url(world, entry, deck))

    name = f"projet-{entry.id}-fichier-1.pdf"
    assert download.headers["content-disposition"] == f"attachment; filename*=UTF-8''{quote(name)}"
    assert f">{name}</a>" in _files_section((await juror.get(_entry_url(world, entry))).text)


async def test_the_organiser_gets_the_neutral_name_too_in_a_blind_session(db, make_client):
    # The session's URL shows what its jurors see; the team's own route keeps the team's name.
    world = await _world()
    deck = await _team_uploads(make_client, world, DECK, PDF)
    await JurySession.filter(id=world.session.id).update(blind=True)
    organiser = await _as(make_client, await User.get(email=ORGANISER[0]))
    entry = world.entries[0]

    through_jury = await organiser.get(_file_url(world, entry, deck))
    through_team_route = await organiser.get(f"/events/{world.event.slug}/entries/{entry.id}/files/{deck.id}")

    assert (
        through_jury.headers["content-disposition"]
        == f"attachment; filename*=UTF-8''entry-{entry.id}-file-1.pdf"
    )
    assert through_team_route.headers["content-disposition"] == (
        f"attachment; filename*=UTF-8''{quote(DECK, safe='')}"
    )


@pytest.mark.parametrize(("language", "size"), [("fr", "0,1\u00a0Ko"), ("en", "0.1\u00a0KB")])
async def test_the_file_sizes_read_in_the_jurors_language(db, make_client, language, size):
    # 20 bytes: a non-empty file never reads as zero, and French pages write "Ko" with a decimal comma.
    world = await _world()
    deck = await _team_uploads(make_client, world, DECK, PDF)
    assert deck.size == len(PDF) == 20
    await User.filter(id=world.jurors[0].id).update(language=language)
    juror = await _as(make_client, world.jurors[0])

    files = _files_section((await juror.get(_entry_url(world, world.entries[0]))).text)

    assert files.count("<li>") == 1
    assert f'{DECK}</a> <span class="meta">({size})</span></li>' in files
