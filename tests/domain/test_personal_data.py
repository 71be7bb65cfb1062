"""The export of one's data holds everything the app keeps about the person, and cannot fall behind
a new model: every model that refers to a person is exported or excluded with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tortoise.fields import CharField

from events.domain import accounts, jury, personal_data
from events.domain.errors import FormErrors
from events.mail import queue_mail
from events.models import (
    EventRole,
    Invitation,
    JurySession,
    Role,
    User,
)
from tests.jury_world import NOW, make_jury_world, member_with_everything

DOC = Path(__file__).resolve().parents[2] / "docs/PRIVACY.md"


def refers_to_a_person(model) -> list[str]:
    """Why a model holds data about a person: a foreign key to User, or an email column (a name with
    "email" in it, or the 254 characters of an email address)."""
    reasons = [
        f"{name} → User"
        for name in model._meta.fk_fields
        if model._meta.fields_map[name].related_model is User
    ]
    for name, field in model._meta.fields_map.items():
        if isinstance(field, CharField) and ("email" in name or field.max_length == 254):
            reasons.append(f"{name} (an email column)")
    return reasons


def exported_models() -> set:
    return {model for models in personal_data.EXPORTED.values() for model in models}


async def test_every_model_about_a_person_is_exported_or_excluded_with_a_reason(db):
    models = list(db.apps.get_models_iterable())
    personal = {model: refers_to_a_person(model) for model in models if refers_to_a_person(model)}
    assert len(personal) >= 20  # the detector sees the models it is meant to see
    covered = exported_models() | set(personal_data.NOT_EXPORTED)
    missing = {model.__name__: why for model, why in personal.items() if model not in covered}
    assert missing == {}, "export these models in events/domain/personal_data.py or list them in NOT_EXPORTED"
    assert all(reason.strip() for reason in personal_data.NOT_EXPORTED.values())


def test_the_privacy_doc_describes_every_key_of_the_export():
    text = DOC.read_text(encoding="utf-8")
    undocumented = [
        key for key in ["format", "exported_at", *personal_data.EXPORTED] if f"`{key}`" not in text
    ]
    assert undocumented == []


async def _world():
    """A juror who scored, commented, noted and declared a conflict; a team member who registered,
    uploaded, revised, accepted a restricted dataset's terms and voted for another team."""
    world = await make_jury_world(teams=3, jurors=2)
    juror = world.jurors[0]
    await JurySession.filter(id=world.session.id).update(public_vote=True, opens_at=NOW - timedelta(hours=1))
    world.session = await JurySession.get(id=world.session.id)
    await jury.declare_conflicts(
        session=world.session, juror=juror, team_ids=[world.teams[2].id], reason="my cousin", now=NOW
    )
    entry = world.entries[0]
    await jury.save_score(
        session=world.session, juror=juror, entry=entry, criterion=world.criteria[0], value=7, now=NOW
    )
    await jury.save_comment(session=world.session, juror=juror, entry=entry, comment="Clear pitch", now=NOW)
    await jury.save_private_note(session=world.session, juror=juror, entry=entry, note="Ask costs", now=NOW)
    await jury.submit_sheet(session=world.session, juror=juror, entry=entry, now=NOW)

    member, dataset = await member_with_everything(world, answers={"school": "X"}, vote_for=world.entries[1])
    await Invitation.create(
        event=world.event, email=member.email, role=Role.MENTOR, token_hash="t" * 64, invited_by=juror
    )
    with pytest.raises(FormErrors):  # a failed sign-in, through the real path: the export finds it
        await accounts.authenticate(email=member.email.upper(), password="wrong", client="198.51.100.1")
    await queue_mail(
        to=member.email, subject="Reset", body="Open http://testserver/password/reset/SECRET-TOKEN now"
    )
    await EventRole.create(event=world.event, user=juror, role=Role.JUROR)
    return world, juror, member, entry, dataset


async def test_export_of_a_juror_holds_scores_comments_notes_conflicts_and_log(db):
    world, juror, _member, entry, _dataset = await _world()

    data = await personal_data.export_data(juror)

    assert [(s["event"], s["session_name"]) for s in data["jury_seats"]] == [("datacity", "Final jury")]
    assert [(c["team"], c["kind"], c["reason"]) for c in data["jury_conflicts"]] == [
        ("Team 2", "declared", "my cousin")
    ]
    assert sorted(a["entry"] for a in data["jury_assignments"]) == [world.entries[0].id, world.entries[1].id]
    assert len(data["score_sheets"]) == 1
    sheet = data["score_sheets"][0]
    assert (sheet["entry"], sheet["status"], sheet["scores"]) == (entry.id, "submitted", {"C1": 7.0})
    assert (sheet["comment"], sheet["private_note"], sheet["total"]) == ("Clear pitch", "Ask costs", 70.0)
    assert [(line["field"], line["new"]) for line in data["score_log"]] == [
        ("value", "7.0"),
        ("comment", "Clear pitch"),
        ("private_note", "Ask costs"),
        ("status", "submitted"),
    ]
    assert [(r["event"], r["role"]) for r in data["event_roles"]] == [("datacity", "juror")]
    assert [(i["email"], i["role"]) for i in data["invitations_sent"]] == [("member0@example.org", "mentor")]
    assert data["public_votes"] == [] and data["teams"] == []


async def test_export_of_a_team_member_voter_and_acceptor(db):
    world, _juror, member, entry, _dataset = await _world()

    data = await personal_data.export_data(member)

    assert data["format"] == "hackcity-personal-data/1"
    assert data["account"]["email"] == "member0@example.org"
    assert [(t["event"], t["team"], t["captain"]) for t in data["teams"]] == [("datacity", "Team 0", True)]
    assert [(r["event"], r["answers"]) for r in data["registrations"]] == [("datacity", {"school": "X"})]
    assert [(e["id"], e["title"], e["status"]) for e in data["team_entries"]] == [
        (entry.id, "Entry 0", "submitted")
    ]
    assert [(v["entry"], v["entry_title"]) for v in data["public_votes"]] == [
        (world.entries[1].id, "Entry 1")
    ]
    assert [(a["dataset"], a["team"]) for a in data["dataset_acceptances"]] == [("Fichier fiscal", "Team 0")]
    assert [a["action"] for a in data["dataset_accesses"]] == ["accept", "view_links"]
    assert [(r["entry"], r["number"], r["data"]) for r in data["entry_revisions"]] == [
        (entry.id, 2, {"title": "Entry 0"})
    ]
    assert [(u["file"], u["size"]) for u in data["uploads"]] == [("deck.pdf", 10)]
    assert [(i["event"], i["role"], i["accepted_at"]) for i in data["invitations_received"]] == [
        ("datacity", "mentor", None)
    ]
    assert [(c["rule"], c["hits"]) for c in data["rate_limits"]] == [("login", 1)]
    assert "198.51.100.1" not in str(data)
    assert [m["subject"] for m in data["mail"]] == ["Reset"]
    assert data["mail"][0]["body"] == "Open http://testserver/password/reset/[redacted] now"
    assert "SECRET-TOKEN" not in str(data)
    assert data["score_sheets"] == [] and data["jury_conflicts"] == []


async def test_export_lists_the_awards_of_ones_teams(db):
    from events.models import Award

    world, _juror, member, entry, _dataset = await _world()
    await Award.create(session=world.session, entry=entry, title="Grand prix")
    await Award.create(session=world.session, entry=world.entries[1], title="Coup de cœur")

    data = await personal_data.export_data(member)

    assert [(a["entry"], a["award"]) for a in data["awards"]] == [(entry.id, "Grand prix")]


async def test_export_of_a_stranger_is_empty_beyond_the_account(db):
    await _world()
    stranger = await User.create(email="x@example.org", name="X", password_hash="!")

    data = await personal_data.export_data(stranger)

    lists = {key: value for key, value in data.items() if isinstance(value, list)}
    assert set(lists) == set(personal_data.EXPORTED) - {"account"}
    assert {key: value for key, value in lists.items() if value} == {}
    assert datetime.fromisoformat(data["exported_at"]).tzinfo == UTC
