"""The Data Package of an event (/events/{slug}/datapackage.json and .zip) and the import of one as a new
event (/events/new/import): what it publishes and hides, its validity for `frictionless`, the round trip
export → import → export, and the refusals of the import (zip bombs, paths, bad rows, line by line).

The package is built from the demo data (`seeds`), the data `make run` loads.
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import json
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import frictionless
import httpx
import pytest

from events.domain.datapackage import TABLES
from events.models import (
    Award,
    Challenge,
    ChallengeStatus,
    Dataset,
    Entry,
    EntryDataset,
    EntryFile,
    Event,
    EventRole,
    EventStatus,
    JurySession,
    PortalKind,
    Role,
    Round,
    SessionStatus,
    Team,
    TeamMember,
    User,
)
from seeds.demo import DEMO_PASSWORD, load_demo
from tests.helpers import csrf_from, make_user, sign_in

LYON = "hackathon-mobilite-lyon-2026"  # archived, gallery open, a published jury with awards and votes
PARIS = "datacity-paris-2026"  # published, a jury open today: nothing published yet
BORDEAUX = "hackathon-open-data-bordeaux-2026"
DRAFT = "defi-energie-brouillon"
LYON_ORGANISER = "organisateur@demo.hackcity.fr"
PARIS_ORGANISER = "organisatrice@demo.hackcity.fr"
# Text a spreadsheet would run, quotes, commas and line breaks: the CSV keeps them as text.
FORMULA = "=cmd|' /C calc'!A0"
HOSTILE_LINE = '=HYPERLINK("http://evil.example", "clic"), "quoted", 50%'
HOSTILE_TEXT = '+SUM(1,2)\r\nline "two", comma\n\ttab\n-2+3\n@here'


async def _demo() -> None:
    assert await load_demo() is True


async def _signed_in(make_client, email: str, password: str = DEMO_PASSWORD) -> httpx.AsyncClient:
    client = make_client()
    await sign_in(client, email, password)
    return client


def _members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode() if isinstance(data, str) else data)
    return buffer.getvalue()


def _tables(content: bytes) -> dict[str, list[dict[str, str]]]:
    members = _members(content)
    return {
        table.name: list(csv.DictReader(io.StringIO(members[table.path].decode("utf-8"), newline="")))
        for table in TABLES
    }


def _validate(content: bytes, where: Path) -> frictionless.Report:
    where.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        archive.extractall(where)
    return frictionless.validate(str(where / "datapackage.json"))


def _errors(report: frictionless.Report) -> list[str]:
    return [f"{task.name}: {error.type} {error.note}" for task in report.tasks for error in task.errors]


async def _import(client: httpx.AsyncClient, content: bytes, name: str = "package.zip") -> httpx.Response:
    token = await csrf_from(client, "/events/new/import")
    return await client.post(
        f"/events/new/import?csrf_token={token}", files={"file": (name, content, "application/zip")}
    )


def _natural(tables: dict[str, list[dict[str, str]]], slug: str) -> dict[str, list[tuple]]:
    """Each resource's rows with ids replaced by what names the row (ids differ between instances),
    and the event's own address taken out of its addresses."""
    rounds = {row["id"]: row["position"] for row in tables["rounds"]}
    challenges = {row["id"]: row["slug"] for row in tables["challenges"]}
    datasets = {row["id"]: (row["title"], row["publisher"], row["landing_url"]) for row in tables["datasets"]}
    teams = {row["id"]: row["name"] for row in tables["teams"]}
    entries = {
        row["id"]: (teams[row["team_id"]], rounds[row["round_id"]], challenges[row["challenge_id"]])
        for row in tables["entries"]
    }
    sessions = {row["id"]: (row["name"], rounds[row["round_id"]]) for row in tables["jury_sessions"]}
    names = {
        "round_id": rounds,
        "challenge_id": challenges,
        "dataset_id": datasets,
        "team_id": teams,
        "entry_id": entries,
        "session_id": sessions,
    }
    found = {}
    for name, rows in tables.items():
        shaped = []
        for row in rows:
            item = []
            for column, value in row.items():
                if column == "id" or (name, column) == ("event", "slug"):
                    continue
                if column == "url":
                    value = re.sub(r"/events/[a-z0-9-]+(/(datasets|entries)/\d+)?", "/events/…", value)
                    assert value == "" or value.startswith("http://testserver/events/…"), value
                elif column in names and value:
                    value = names[column][value]
                item.append((column, value))
            shaped.append(tuple(item))
        found[name] = sorted(shaped, key=repr)
    assert tables["event"][0]["slug"] == slug
    return found


# --- what the package publishes --------------------------------------------------------------------


async def test_the_demo_packages_are_valid_for_frictionless(client, db, tmp_path):
    await _demo()
    for slug in (LYON, PARIS, BORDEAUX):
        response = await client.get(f"/events/{slug}/datapackage.zip")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        assert response.headers["content-disposition"] == f'attachment; filename="{slug}-datapackage.zip"'
        assert sorted(_members(response.content)) == sorted(
            ["datapackage.json", *(table.path for table in TABLES)]
        )
        report = _validate(response.content, tmp_path / slug)
        assert report.valid, _errors(report)

        standalone = await client.get(f"/events/{slug}/datapackage.json")
        assert standalone.status_code == 200
        assert standalone.headers["content-type"] == "application/json"
        (tmp_path / f"{slug}.json").write_text(standalone.text)
        report = frictionless.validate(str(tmp_path / f"{slug}.json"))
        assert report.valid, _errors(report)

    descriptor = json.loads((tmp_path / LYON / "datapackage.json").read_text())
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["name"] == LYON
    assert descriptor["title"] == "Hackathon Mobilités Lyon 2026"
    assert descriptor["homepage"] == f"http://testserver/events/{LYON}"
    assert descriptor["licenses"] == [
        {
            "name": "etalab-2.0",
            "title": "Licence Ouverte / Open Licence 2.0",
            "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        }
    ]
    assert descriptor["keywords"] == ["hackcity", "open data", "hackathon"]
    assert {"title": "Métropole de Lyon", "role": "contributor"} in descriptor["contributors"]
    assert [r["name"] for r in descriptor["resources"]] == [table.name for table in TABLES]
    entries = next(r for r in descriptor["resources"] if r["name"] == "entries")
    assert entries["path"] == "data/entries.csv"
    assert entries["schema"]["primaryKey"] == ["id"]
    assert {"fields": ["team_id"], "reference": {"resource": "teams", "fields": ["id"]}} in entries["schema"][
        "foreignKeys"
    ]
    inline = json.loads((tmp_path / f"{LYON}.json").read_text())
    assert [r["name"] for r in inline["resources"]] == [table.name for table in TABLES]
    assert all(
        "path" not in r and r["data"][0] == table.header
        for r, table in zip(inline["resources"], TABLES, strict=True)
    )


async def test_the_package_holds_what_the_public_reads_and_no_personal_data(client, db):
    await _demo()
    response = await client.get(f"/events/{LYON}/datapackage.zip")
    tables = _tables(response.content)
    everything = b"".join(_members(response.content).values()).decode("utf-8")

    event = await Event.get(slug=LYON)
    assert [(row["slug"], row["title"], row["gallery"]) for row in tables["event"]] == [
        (LYON, event.title, "open")
    ]
    # Teams by name only: no member, no email anywhere in the package.
    assert list(tables["teams"][0]) == ["id", "name"]
    names = sorted(await Team.filter(event_id=event.id).values_list("name", flat=True))
    assert sorted(row["name"] for row in tables["teams"]) == names
    assert "@" not in "".join(row["name"] for row in tables["teams"])
    emails = await User.all().values_list("email", flat=True)
    assert len(emails) > 10
    assert not [email for email in emails if email in everything]
    # The gallery: the submitted entries of the last round, with the datasets they declared.
    in_gallery = await Entry.filter(event_id=event.id, status="submitted").count()
    assert in_gallery == 6
    assert len(tables["entries"]) == in_gallery
    assert {row["in_gallery"] for row in tables["entries"]} == {"True"}
    declared = await EntryDataset.filter(entry__event_id=event.id).count()
    assert declared == 10
    assert len(tables["entry_datasets"]) == declared
    # The published jury: its ranking, its votes and its awards.
    session = await JurySession.get(event_id=event.id, mode="rubric")
    # (the demo's other published jury, "Prix des mentors", is judged in pairs: its own rows follow)
    assert [row for row in tables["jury_sessions"] if row["id"] == str(session.id)] == [
        {
            "id": str(session.id),
            "round_id": str(session.round_id),
            "name": "Jury final",
            "published_at": session.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "normalisation": "none",
            "trimmed": "False",
            "public_vote": "True",
            "mode": "rubric",
        }
    ]
    snapshot = session.results_snapshot["entries"]
    results = [row for row in tables["results"] if row["session_id"] == str(session.id)]
    assert len(results) == len(snapshot) == 6
    assert sorted((row["entry_id"], row["rank"], row["score"]) for row in results) == sorted(
        (str(row["entry_id"]), str(row["rank"]), str(row["score"])) for row in snapshot
    )
    assert sum(int(row["votes"]) for row in results) == 14
    awards = await Award.filter(session_id=session.id).order_by("id")
    assert [(row["entry_id"], row["title"]) for row in tables["awards"]] == [
        (str(a.entry_id), a.title) for a in awards
    ]
    assert tables["awards"][-1]["challenge_id"] == ""  # the public prize


async def test_the_package_hides_what_the_public_does_not_read(client, db):
    await _demo()
    paris = await Event.get(slug=PARIS)
    restricted = await Dataset.create(
        event=paris,
        title="Consommations des écoles",
        publisher="Ville de Paris",
        portal_kind=PortalKind.UDATA,
        portal_url="https://www.data.gouv.fr",
        remote_id="secret-id",
        landing_url="https://secret.example/dataset",
        api_url="https://secret.example/api",
        resources=[{"id": "r", "title": "Fichier", "format": "csv", "url": "https://secret.example/f.csv"}],
        restricted=True,
        restricted_terms="Usage limité au défi.",
    )
    hidden = await Challenge.create(
        event=paris, slug="brouillon-cache", title="Défi caché", statement="Secret"
    )

    response = await client.get(f"/events/{PARIS}/datapackage.zip")

    tables = _tables(response.content)
    row = next(row for row in tables["datasets"] if row["id"] == str(restricted.id))
    assert (row["remote_id"], row["landing_url"], row["api_url"], row["resources"]) == ("", "", "", "[]")
    assert (row["restricted"], row["restricted_terms"]) == ("True", "Usage limité au défi.")
    assert "secret" not in response.content.decode("latin-1").lower()
    assert hidden.slug not in [row["slug"] for row in tables["challenges"]]
    assert (
        len(tables["challenges"])
        == await Challenge.filter(event_id=paris.id, status=ChallengeStatus.PUBLISHED).count()
    )
    # The Prototype round's gallery is not public yet and the jury open today has published nothing:
    # no entry (the applications are never public), no session, no result.
    assert await Entry.filter(event_id=paris.id).count() > 0
    assert (tables["entries"], tables["jury_sessions"], tables["results"], tables["awards"]) == (
        [],
        [],
        [],
        [],
    )


async def test_a_drafts_package_is_404_but_to_its_organisers(db, make_client):
    await _demo()
    draft = await Event.get(slug=DRAFT)
    await EventRole.create(
        event=draft, user=await User.get(email="mentor@demo.hackcity.fr"), role=Role.MENTOR
    )
    anonymous = make_client()
    mentor = await _signed_in(make_client, "mentor@demo.hackcity.fr")
    organiser = await _signed_in(make_client, PARIS_ORGANISER)
    admin = await _signed_in(make_client, "admin@demo.hackcity.fr")

    for suffix in ("json", "zip"):
        url = f"/events/{DRAFT}/datapackage.{suffix}"
        assert (await anonymous.get(url)).status_code == 404
        assert (await mentor.get(url)).status_code == 404  # a role in the draft, not its organiser
        for reader in (organiser, admin):
            response = await reader.get(url)
            assert response.status_code == 200
            assert response.headers["cache-control"] == "private, no-store"
    assert (await mentor.get(f"/events/{DRAFT}")).status_code == 200  # the draft's page is theirs


# --- the round trip ---------------------------------------------------------------------------------


async def test_export_import_export_gives_the_same_data(client, db, make_client, tmp_path):
    await _demo()
    first = await client.get(f"/events/{LYON}/datapackage.zip")
    importer = await _signed_in(make_client, PARIS_ORGANISER)
    before = await Event.all().count()

    response = await _import(importer, first.content)

    assert response.status_code == 303
    assert response.headers["location"] == f"/events/{LYON}-2/manage"
    page = await importer.get(response.headers["location"])  # the organiser reads French
    assert (
        f"L'événement « Hackathon Mobilités Lyon 2026 » est importé en brouillon à l'adresse {LYON}-2 : "
        f"l'adresse {LYON} était prise."
    ) in _text(page.text)
    assert await Event.all().count() == before + 1
    imported = await Event.get(slug=f"{LYON}-2")
    assert imported.status == EventStatus.DRAFT
    importer_user = await User.get(email=PARIS_ORGANISER)
    assert await EventRole.filter(event_id=imported.id).values_list("user_id", "role") == [
        (importer_user.id, Role.ORGANISER)
    ]
    # Personal data stays behind: teams without members, entries without files.
    assert await Team.filter(event_id=imported.id).count() == 6
    assert await TeamMember.filter(event_id=imported.id).count() == 0
    assert await EntryFile.filter(entry__event_id=imported.id).count() == 0
    session = await JurySession.get(event_id=imported.id, name="Jury final")
    assert session.status == SessionStatus.PUBLISHED
    assert await Award.filter(session_id=session.id).count() == 4

    second = await importer.get(f"/events/{LYON}-2/datapackage.zip")
    assert second.status_code == 200
    report = _validate(second.content, tmp_path / "second")
    assert report.valid, _errors(report)
    assert _natural(_tables(second.content), f"{LYON}-2") == _natural(_tables(first.content), LYON)

    # Published, the imported event shows the same results to the public.
    await importer.post(
        f"/events/{LYON}-2/manage/status",
        data={"csrf_token": await csrf_from(importer, f"/events/{LYON}-2/manage"), "status": "published"},
    )
    original = await client.get(f"/events/{LYON}/results")
    copy = await client.get(f"/events/{LYON}-2/results")
    assert copy.status_code == original.status_code == 200
    assert _main(copy.text).replace(f"{LYON}-2", LYON) == _main(original.text)


def _main(page: str) -> str:
    return re.sub(r"/entries/\d+", "/entries/…", page.split("<main", 1)[1].split("</main>", 1)[0])


async def test_hostile_text_stays_text_in_the_csv_and_comes_back_as_it_was(client, db, make_client, tmp_path):
    await _demo()
    event = await Event.get(slug=LYON)
    event.title = FORMULA
    event.description = HOSTILE_TEXT
    await event.save()
    team = await Team.filter(event_id=event.id).order_by("id").first()
    team.name = HOSTILE_LINE[:100]
    await team.save()
    entry = await Entry.filter(event_id=event.id, status="submitted").order_by("id").first()
    entry.title, entry.summary, entry.description = "-1+1", "'=already quoted", HOSTILE_TEXT
    await entry.save()
    challenge = await Challenge.filter(event_id=event.id).order_by("id").first()
    challenge.title, challenge.statement = "@SUM(A1:A9)", HOSTILE_TEXT
    challenge.sponsors = [FORMULA, 'Sponsor "quoted", inc']
    await challenge.save()
    dataset = await Dataset.filter(event_id=event.id).order_by("id").first()
    dataset.title, dataset.description = HOSTILE_LINE, HOSTILE_TEXT
    await dataset.save()
    award = await Award.filter(session__event_id=event.id).order_by("id").first()
    award.title = "+33 6 12 34 56 78"
    await award.save()

    first = await client.get(f"/events/{LYON}/datapackage.zip")

    report = _validate(first.content, tmp_path / "hostile")
    assert report.valid, _errors(report)
    raw = _members(first.content)
    event_rows = list(csv.reader(io.StringIO(raw["data/event.csv"].decode(), newline="")))
    assert event_rows[1][1] == "'" + FORMULA  # a spreadsheet shows it as text
    assert event_rows[1][4] == "'" + HOSTILE_TEXT
    entry_row = next(r for r in csv.DictReader(io.StringIO(raw["data/entries.csv"].decode(), newline="")))
    assert (entry_row["title"], entry_row["summary"]) == ("'-1+1", "''=already quoted")
    inline = (await client.get(f"/events/{LYON}/datapackage.json")).json()
    assert inline["resources"][0]["data"][1][1] == FORMULA  # JSON needs no apostrophe

    importer = await _signed_in(make_client, PARIS_ORGANISER)
    response = await _import(importer, first.content)
    assert response.status_code == 303
    copy = await Event.get(slug=f"{LYON}-2")
    assert (copy.title, copy.description) == (FORMULA, HOSTILE_TEXT)
    assert await Team.filter(event_id=copy.id, name=HOSTILE_LINE[:100]).exists()
    copied = await Entry.get(event_id=copy.id, title="-1+1")
    assert (copied.summary, copied.description) == ("'=already quoted", HOSTILE_TEXT)
    copied_challenge = await Challenge.get(event_id=copy.id, slug=challenge.slug)
    assert (copied_challenge.title, copied_challenge.statement) == ("@SUM(A1:A9)", HOSTILE_TEXT)
    assert copied_challenge.sponsors == [FORMULA, 'Sponsor "quoted", inc']
    assert await Dataset.filter(event_id=copy.id, title=HOSTILE_LINE, description=HOSTILE_TEXT).exists()
    assert await Award.filter(session__event_id=copy.id, title="+33 6 12 34 56 78").exists()
    second = await importer.get(f"/events/{LYON}-2/datapackage.zip")
    assert _natural(_tables(second.content), f"{LYON}-2") == _natural(_tables(first.content), LYON)


async def test_a_free_address_is_kept_and_parallel_imports_never_leave_half_an_event(db, make_client):
    await _demo()
    exporter = await _signed_in(make_client, LYON_ORGANISER)
    package = (await exporter.get(f"/events/{LYON}/datapackage.zip")).content
    lyon = await Event.get(slug=LYON)
    await lyon.delete()  # the address is free again on this instance
    importers = [await _signed_in(make_client, PARIS_ORGANISER) for _ in range(3)]

    answers = await asyncio.gather(*(_import(importer, package) for importer in importers))

    statuses = sorted(answer.status_code for answer in answers)
    created = await Event.filter(slug__startswith=LYON).values_list("slug", flat=True)
    assert statuses.count(303) == len(created) >= 1
    assert LYON in created  # the first keeps the package's address
    for answer in answers:
        if answer.status_code == 422:
            assert f"Un autre événement a pris l'adresse {LYON}" in _text(answer.text), _problems(answer.text)
    for slug in created:  # each event whole: nothing half-imported
        event = await Event.get(slug=slug)
        assert await Round.filter(event_id=event.id).count() == 1
        assert await Team.filter(event_id=event.id).count() == 6
        assert await Award.filter(session__event_id=event.id).count() == 4
    assert await Round.filter(event__slug__startswith=LYON).count() == len(created)


# --- refusals ---------------------------------------------------------------------------------------


async def _refused(client: httpx.AsyncClient, content: bytes, name: str = "package.zip") -> str:
    before = await Event.all().count()
    response = await _import(client, content, name)
    assert response.status_code == 422, response.status_code
    assert await Event.all().count() == before
    return _problems(response.text)


def _text(page: str) -> str:
    """A page's text: tags out, entities read, spaces (no-break ones too) as one space."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def _problems(page: str) -> str:
    """The text of the page's list of problems."""
    return _text(page.split('id="form-errors"', 1)[1].split(">", 1)[1].split("</div>", 1)[0])


_LYON_PACKAGE: dict[str, bytes] = {}


@pytest.fixture
async def lyon_package(db, make_client) -> dict[str, bytes]:
    """The members of the demo's Lyon package, made once per test process: the import tests start from
    it (their database holds no event, unless this test is the one that made it)."""
    if not _LYON_PACKAGE:
        await _demo()
        _LYON_PACKAGE.update(_members((await make_client().get(f"/events/{LYON}/datapackage.zip")).content))
    return dict(_LYON_PACKAGE)


async def _importer(make_client, language: str = "en") -> httpx.AsyncClient:
    await make_user("importer@example.org", is_admin=True, language=language)
    return await _signed_in(make_client, "importer@example.org", "correct horse battery staple")


async def test_rows_are_checked_and_every_problem_is_reported_in_french(lyon_package, make_client):
    client = await _importer(make_client, "fr")
    members = dict(lyon_package)
    teams = members["data/teams.csv"].decode().splitlines()
    teams[2] = teams[2].split(",")[0] + "," + "x" * 101  # line 3: a name too long
    teams[3] = teams[3].split(",")[0] + "," + teams[1].split(",", 1)[1].upper()  # line 4: a name taken
    members["data/teams.csv"] = "\r\n".join(teams).encode()
    results = list(csv.reader(io.StringIO(members["data/results.csv"].decode(), newline="")))
    awarded = {row["entry_id"] for row in csv.DictReader(io.StringIO(members["data/awards.csv"].decode()))}
    # an entry that is not in the package, on the first row whose entry was not awarded (an award of
    # it would be one more problem); a decimal comma and Arabic-Indic digits on two other rows
    missing = next(index for index, row in enumerate(results) if index and row[3] not in awarded)
    comma, arabic = [index for index in range(1, len(results)) if index != missing][:2]
    results[missing][3] = "999999"
    results[comma][4] = "76,5"
    results[arabic][5] = "١٢"
    members["data/results.csv"] = _csv(results)
    event = list(csv.reader(io.StringIO(members["data/event.csv"].decode(), newline="")))
    event[1][6] = "Mars/Olympus"
    event[1][7] = "2026-13-45T25:99"
    members["data/event.csv"] = _csv(event)

    problems = await _refused(client, _zip(members))

    assert problems.startswith("Rien n'a été importé : le paquet a 7 problèmes à corriger. ")
    for expected in (
        "data/teams.csv, ligne 3, colonne name : Utilisez au plus 100 caractères.",
        "data/teams.csv, ligne 4, colonne name : Deux équipes ne peuvent pas avoir le même nom (ligne 2).",
        f"data/results.csv, ligne {comma + 1}, colonne score : "
        "Saisissez un nombre, avec un point avant ses décimales.",
        f"data/results.csv, ligne {arabic + 1}, colonne sheets : "
        "Saisissez un nombre entier de 0 à 2147483647.",
        f"data/results.csv, ligne {missing + 1}, colonne entry_id : "
        "Aucune ligne de data/entries.csv n'a l'identifiant 999999.",
        "data/event.csv, ligne 2, colonne starts_at : "
        "Saisissez une date et une heure en ISO 8601 avec leur fuseau, comme 2026-03-01T14:00:00Z.",
        "data/event.csv, ligne 2, colonne timezone : Saisissez un fuseau horaire comme Europe/Paris ou "
        "America/Montreal.",
    ):
        assert expected in problems, problems


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


async def test_the_domain_rules_hold_for_imported_rows(lyon_package, make_client):
    client = await _importer(make_client)
    members = dict(lyon_package)
    rounds = list(csv.DictReader(io.StringIO(members["data/rounds.csv"].decode(), newline="")))
    rounds[0]["questions"] = json.dumps([{"key": "Bad Key", "label": "?", "kind": "essay"}])
    rounds[0]["team_min"], rounds[0]["team_max"] = "5", "2"
    members["data/rounds.csv"] = _dict_csv(rounds)
    entries = list(csv.DictReader(io.StringIO(members["data/entries.csv"].decode(), newline="")))
    entries[0]["code_licence"] = "WTFPL-2"
    entries[1]["repository_url"] = "javascript:alert(1)"
    members["data/entries.csv"] = _dict_csv(entries)
    challenges = list(csv.DictReader(io.StringIO(members["data/challenges.csv"].decode(), newline="")))
    challenges[0]["slug"] = "propose"
    members["data/challenges.csv"] = _dict_csv(challenges)

    problems = await _refused(client, _zip(members))

    for expected in (
        "data/rounds.csv, line 2, column team_max: The largest team cannot be smaller than the smallest.",
        "data/rounds.csv, line 2, column questions: A key starts with a lower-case letter",
        "data/entries.csv, line 2, column code_licence: Enter an SPDX licence identifier from the list",
        "column repository_url: Enter an address that starts with http:// or https://.",
        "column slug: This address is reserved: choose another one.",
    ):
        assert expected in problems, problems


def _dict_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../evil.csv", "../evil.csv: A path with .. or an empty folder is refused."),
        ("data/../../evil.csv", "A path with .. or an empty folder is refused."),
        ("/etc/cron.d/evil.csv", "/etc/cron.d/evil.csv: An absolute path is refused."),
        ("C:/evil.csv", "C:/evil.csv: An absolute path is refused."),
        ("data\\evil.csv", "This name holds a backslash or a control character."),
        (
            "data/evil.html",
            "data/evil.html: Only datapackage.json and CSV files are accepted in the archive.",
        ),
        ("run.sh", "run.sh: Only datapackage.json and CSV files are accepted in the archive."),
    ],
)
async def test_paths_out_of_the_archive_and_other_files_are_refused(
    lyon_package, make_client, name, expected
):
    client = await _importer(make_client)

    problems = await _refused(client, _zip({**lyon_package, name: b"id,name\r\n1,x\r\n"}))

    assert expected in problems, problems


async def test_a_zip_bomb_is_refused_before_it_is_unpacked(lyon_package, make_client):
    client = await _importer(make_client)
    bomb = _zip({**lyon_package, "data/teams.csv": b"id,name\r\n" + b"0" * (40 * 1024 * 1024)})
    assert len(bomb) < 200_000  # 40 MB of zeros, deflated

    problems = await _refused(client, bomb)

    assert "The archive: The archive unpacks to more than 32 MB: it is refused." in problems


async def test_too_many_members_are_refused_before_the_directory_is_read(lyon_package, make_client):
    client = await _importer(make_client)
    crowded = {**lyon_package, **{f"data/extra-{n}.csv": b"a\r\n" for n in range(40)}}

    problems = await _refused(client, _zip(crowded))

    assert "The archive holds more than 32 files: it is refused." in problems


async def test_a_large_descriptor_is_refused_as_it_is_unpacked(lyon_package, make_client):
    client = await _importer(make_client)
    descriptor = json.loads(lyon_package["datapackage.json"])
    descriptor["description"] = " " * (2 * 1024 * 1024)

    problems = await _refused(client, _zip({**lyon_package, "datapackage.json": json.dumps(descriptor)}))

    assert "datapackage.json: This file is larger than 1024 KB." in problems


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: {**d, "resources": "all"}, "datapackage.json: The descriptor lists no resources."),
        (
            lambda d: {**d, "resources": [*d["resources"], {"name": "users", "path": "data/users.csv"}]},
            "A resource hackcity does not know: users.",
        ),
        (
            lambda d: {
                **d,
                "resources": [
                    {**r, "path": "http://169.254.169.254/latest/meta-data.csv"}
                    if r["name"] == "teams"
                    else r
                    for r in d["resources"]
                ],
            },
            "The resource teams names a file that is not a CSV file of the archive: "
            "http://169.254.169.254/latest/meta-data.csv.",
        ),
        (
            lambda d: {**d, "resources": [r for r in d["resources"] if r["name"] != "event"]},
            "The descriptor has no event resource.",
        ),
        (
            lambda d: {**d, "resources": [{**r, "data": [["id"]]} for r in d["resources"]]},
            "The resource event must name its CSV file in the archive (path).",
        ),
        (lambda d: [d], "datapackage.json: The descriptor must be a JSON object."),
    ],
)
async def test_the_descriptor_is_checked_and_nothing_is_fetched(lyon_package, make_client, change, expected):
    client = await _importer(make_client)
    descriptor = change(json.loads(lyon_package["datapackage.json"]))

    problems = await _refused(client, _zip({**lyon_package, "datapackage.json": json.dumps(descriptor)}))

    assert expected in problems, problems


@pytest.mark.parametrize(
    ("descriptor", "expected"),
    [
        (b"[" * 100_000, "datapackage.json: This is not a JSON document in UTF-8."),
        (b'{"resources": NaN}', "datapackage.json: This is not a JSON document in UTF-8."),
        (b"\xff\xfe{}", "datapackage.json: This is not a JSON document in UTF-8."),
    ],
)
async def test_a_broken_descriptor_is_refused(lyon_package, make_client, descriptor, expected):
    client = await _importer(make_client)

    problems = await _refused(client, _zip({**lyon_package, "datapackage.json": descriptor}))

    assert expected in problems, problems


async def test_what_is_not_a_data_package_is_refused(lyon_package, make_client, settings):
    client = await _importer(make_client)
    no_descriptor = {name: data for name, data in lyon_package.items() if name != "datapackage.json"}

    assert "The archive has no datapackage.json at its root." in await _refused(client, _zip(no_descriptor))
    not_a_zip = await _refused(client, b"PK\x03\x04" + b"garbage" * 100)
    assert "The archive: This is not a zip archive." in not_a_zip
    assert "Choose the .zip file of a Data Package." in await _refused(client, b"id,name\r\n", "teams.csv")
    assert "does not match its extension (.zip)" in await _refused(client, b"not a zip at all", "p.zip")
    empty = await _import(client, b"", "p.zip")
    assert empty.status_code == 422
    assert "The file is empty." in empty.text


async def test_an_upload_over_the_limit_is_413_and_creates_nothing(db, make_client, app):
    app.state.settings = app.state.settings.with_overrides(max_upload_mb=1)
    client = await _importer(make_client)

    response = await _import(client, b"PK\x03\x04" + b"\0" * (1024 * 1024 + 10))

    assert response.status_code == 413
    assert await Event.all().count() == 0


async def test_only_event_creators_import(db, make_client):
    await _demo()
    participant = await _signed_in(make_client, "equipe-a@demo.hackcity.fr")
    assert (await participant.get("/events/new/import")).status_code == 403
    organiser = await _signed_in(make_client, LYON_ORGANISER)
    page = await organiser.get("/events/new/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert (await organiser.get("/events/new")).text.count('href="/events/new/import"') == 1


async def test_the_dashboard_and_the_event_page_link_to_the_package(db, make_client):
    await _demo()
    organiser = await _signed_in(make_client, LYON_ORGANISER)
    dashboard = await organiser.get(f"/events/{LYON}/manage")
    assert f'href="/events/{LYON}/datapackage.zip"' in dashboard.text
    public = await make_client().get(f"/events/{LYON}")
    assert f'href="/events/{LYON}/datapackage.json"' in public.text
    draft = await (await _signed_in(make_client, PARIS_ORGANISER)).get(f"/events/{DRAFT}")
    assert "datapackage" not in draft.text  # a draft's page does not offer it to its visitors


async def test_imported_datetimes_keep_their_instant(lyon_package, make_client):
    client = await _importer(make_client)
    members = dict(lyon_package)
    event = list(csv.reader(io.StringIO(members["data/event.csv"].decode(), newline="")))
    starts_at = datetime.fromisoformat(event[1][7].replace("Z", "+00:00"))
    # The same instant, written with an offset of two hours.
    event[1][7] = starts_at.astimezone(timezone(timedelta(hours=2))).isoformat()
    members["data/event.csv"] = _csv(event)

    response = await _import(client, _zip(members))

    assert response.status_code == 303
    copy = await Event.get(slug=response.headers["location"].split("/")[2])
    assert copy.starts_at == starts_at
    assert event[1][7].endswith("+02:00")


async def test_every_page_of_an_imported_event_answers(app, db, make_client):
    """An imported event has sessions without jurors or sheets, teams without members: every page of
    its organisers and of the public takes it as it is."""
    await _demo()
    package = (await make_client().get(f"/events/{LYON}/datapackage.zip")).content
    organiser = await _signed_in(make_client, PARIS_ORGANISER)
    assert (await _import(organiser, package)).status_code == 303
    event = await Event.get(slug=f"{LYON}-2")
    await organiser.post(
        f"/events/{event.slug}/manage/status",
        data={
            "csrf_token": await csrf_from(organiser, f"/events/{event.slug}/manage"),
            "status": "published",
        },
    )
    entry = await Entry.filter(event_id=event.id).order_by("id").first()
    params = {
        "slug": event.slug,
        "session_id": str((await JurySession.get(event_id=event.id, name="Jury final")).id),
        "round_id": str((await Round.get(event_id=event.id)).id),
        "challenge": (await Challenge.filter(event_id=event.id).order_by("id").first()).slug,
        "dataset_id": str((await Dataset.filter(event_id=event.id).order_by("id").first()).id),
        "entry_id": str(entry.id),
    }
    paths = [
        route.path_format.format(**params)
        for route in app.routes
        if getattr(route, "methods", None)
        and "GET" in route.methods
        and route.path.startswith("/events/{slug}")
        and set(route.param_convertors) <= set(params)
        and not route.path.endswith("/events")  # the live streams stay open
    ]
    assert len(paths) > 30
    answers = {path: (await organiser.get(path)).status_code for path in paths}
    assert {path: status for path, status in answers.items() if status >= 500} == {}
    for path in (
        "/manage",
        "/manage/juries",
        f"/manage/juries/{params['session_id']}",
        f"/manage/juries/{params['session_id']}/results",
        f"/manage/juries/{params['session_id']}/awards",
        "/gallery",
        "/results",
        f"/entries/{entry.id}",
        "/teams",
    ):
        assert answers[f"/events/{event.slug}{path}"] == 200, path
