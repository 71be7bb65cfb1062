"""The retention period and the purge: what is deleted, anonymised or cleared, what stays for the
public record, dry runs, second runs, events still within their period, and concurrent purges."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from events.auth import SESSION_LIFETIME
from events.domain import public_vote, retention, seats, sessions, sheets
from events.domain.errors import FormErrors
from events.domain.published import public_results
from events.domain.results import explain_entry, ranking, recount_from_log
from events.i18n import set_language
from events.models import (
    Assignment,
    Award,
    Challenge,
    Comparison,
    ConflictOfInterest,
    DatasetAcceptance,
    DatasetAccess,
    DeliveryStatus,
    Entry,
    EntryFile,
    EntryRevision,
    Event,
    EventRole,
    Invitation,
    JoinRequest,
    JurySession,
    JurySessionJuror,
    MailStatus,
    OutboxMessage,
    PairwiseState,
    PublicVote,
    Registration,
    Role,
    ScoreLogEntry,
    ScoreSheet,
    Team,
    TeamMember,
    Throttle,
    User,
    UserSession,
    Webhook,
    WebhookDelivery,
)
from tests.jury_world import NOW, make_jury_world, member_with_everything, score

ENDED = NOW + timedelta(days=1)
AFTER = datetime(2027, 7, 3, tzinfo=UTC)  # 12 months after ENDED, and a day


async def dump(db) -> dict[str, list[tuple]]:
    """Every row of every table: what a dry run must leave exactly as it was."""
    found = {}
    for model in db.apps.get_models_iterable():
        rows = await model.all().order_by("id").values()
        found[model.__name__] = [tuple(sorted((k, repr(v)) for k, v in row.items())) for row in rows]
    return found


async def purged_world():
    """An event that ended on ENDED: a jury scored, closed and published with a public vote and an
    award, and every kind of personal data the purge deals with."""
    world = await make_jury_world(teams=3, jurors=3, normalisation="zscore")
    await Event.filter(id=world.event.id).update(ends_at=ENDED)
    await JurySession.filter(id=world.session.id).update(public_vote=True)
    world.session = await JurySession.get(id=world.session.id)
    first, second, third = world.jurors
    await seats.declare_conflicts(
        session=world.session, juror=third, team_ids=[world.teams[0].id], reason="my cousin", now=NOW
    )
    for juror, values in ((first, (7, 4, 9)), (second, (5, 6, 2)), (third, (None, 8, 3))):
        for entry, value in zip(world.entries, values, strict=True):
            if value is not None:
                await score(world, juror, entry, value)
    await sheets.save_comment(
        session=world.session, juror=first, entry=world.entries[0], comment="Bravo", now=NOW
    )
    await sheets.save_private_note(
        session=world.session, juror=second, entry=world.entries[1], note="Knows Alice", now=NOW
    )
    voter = await User.create(
        email="voter@example.org", name="Voter", password_hash="!", email_verified_at=NOW
    )
    await public_vote.cast_vote(session=world.session, user=voter, entry_id=world.entries[2].id, now=NOW)
    member, dataset = await member_with_everything(world, answers={"phone": "06"}, vote_for=world.entries[1])
    await sessions.set_session_status(session=world.session, status="closed", now=NOW + timedelta(hours=2))
    await sessions.set_session_status(session=world.session, status="published", now=NOW + timedelta(hours=3))
    world.session = await JurySession.get(id=world.session.id)
    await Award.create(
        session=world.session, challenge=world.challenge, entry=world.entries[0], title="Grand prix"
    )

    organiser = await User.create(email="orga@example.org", name="Orga", password_hash="!")
    await EventRole.create(event=world.event, user=organiser, role=Role.ORGANISER)
    await EventRole.create(event=world.event, user=organiser, role=Role.CHALLENGE_OWNER)
    for juror in world.jurors:
        await EventRole.create(event=world.event, user=juror, role=Role.JUROR)
    await EventRole.create(event=world.event, user=voter, role=Role.MENTOR)
    for user in world.members[1:]:  # the first registered in member_with_everything
        await Registration.create(
            event=world.event, user=user, rules_accepted_at=NOW, answers={"phone": "06"}
        )
    lonely = await Team.create(event=world.event, name="Solo", name_key="solo", invite_token_hash="solo")
    await TeamMember.create(team=lonely, event=world.event, user=voter, is_captain=True)
    await JoinRequest.create(team=world.teams[1], user=voter, message="Me too")
    await Invitation.create(
        event=world.event, email="someone@example.org", role=Role.JUROR, token_hash="i" * 64
    )
    await Challenge.filter(id=world.challenge.id).update(proposed_by_id=member.id)
    entry = world.entries[0]
    await Entry.filter(id=entry.id).update(answers={"team": "Alice Martin, 06 12 34 56 78"})
    return world, voter, organiser, lonely, dataset


async def kept_world():
    """Another event, ended a month before AFTER: within its retention period."""
    event = await Event.create(slug="recent", title="Recent", ends_at=AFTER - timedelta(days=30))
    user = await User.create(email="recent@example.org", name="Recent", password_hash="!")
    team = await Team.create(event=event, name="R", name_key="r", invite_token_hash="r")
    await TeamMember.create(team=team, event=event, user=user, is_captain=True)
    await Registration.create(event=event, user=user, rules_accepted_at=NOW, answers={"x": "y"})
    return event


async def other_rows():
    """Sessions, login failures and mail: some past their time, some not."""
    user = await User.create(email="s@example.org", name="S", password_hash="!")
    old = await UserSession.create(key_hash="a" * 64, user=user)
    new = await UserSession.create(key_hash="b" * 64, user=user)
    await UserSession.filter(id=old.id).update(created_at=AFTER - SESSION_LIFETIME - timedelta(minutes=1))
    await UserSession.filter(id=new.id).update(created_at=AFTER - timedelta(days=1))
    for age in (timedelta(days=31), timedelta(days=2)):
        counter = await Throttle.create(rule="login", key_hash=f"{age.days:064d}", subject="h" * 64, hits=1)
        await Throttle.filter(id=counter.id).update(created_at=AFTER - age)
    for age, status in (
        (timedelta(days=40), MailStatus.SENT),
        (timedelta(days=40), MailStatus.PENDING),  # never sent: still to deliver
        (timedelta(days=3), MailStatus.LOGGED),
    ):
        message = await OutboxMessage.create(to="s@example.org", subject="S", body="B", status=status)
        await OutboxMessage.filter(id=message.id).update(created_at=AFTER - age)
    hooks = await Event.create(slug="hooks", title="Hooks")
    webhook = await Webhook.create(event=hooks, url="https://example.org/hook", secret="s", kinds=[])
    for age, delivery_status in (
        (timedelta(days=40), DeliveryStatus.DELIVERED),
        (timedelta(days=40), DeliveryStatus.FAILED),  # still to retry: stays
        (timedelta(days=3), DeliveryStatus.GAVE_UP),
    ):
        delivery = await WebhookDelivery.create(
            webhook=webhook, kind="test", payload="{}", status=delivery_status
        )
        await WebhookDelivery.filter(id=delivery.id).update(created_at=AFTER - age)


EXPECTED = {
    "registrations": 3,
    "team_members": 4,
    "join_requests": 1,
    "invitations": 1,
    "juror_and_mentor_roles": 4,
    "challenge_proposers": 1,
    "entry_answers": 1,
    "entry_revisions": 1,
    "file_uploaders": 1,
    "dataset_acceptances": 1,
    "dataset_accesses": 2,
    "jury_conflicts": 1,
    "score_sheet_texts": 2,
    "score_log_texts": 2,
    "jurors": 3,
    "public_votes": 2,
    "teams_without_entries": 1,
}


async def _purge(**options):
    return await retention.purge(session_lifetime=SESSION_LIFETIME, now=AFTER, **options)


async def test_dry_run_counts_everything_and_changes_nothing(db):
    world, *_ = await purged_world()
    await kept_world()
    await other_rows()
    before = await dump(db)

    report = await _purge(dry_run=True)

    assert await dump(db) == before
    assert [(e.slug, e.counts) for e in report.events] == [("datacity", EXPECTED)]
    assert report.events[0].purge_on == datetime(2027, 6, 2, 10, tzinfo=UTC)
    assert report.other == {
        "expired_sessions": 1,
        "old_rate_limits": 1,
        "old_mail": 1,
        "old_webhook_deliveries": 1,
    }
    assert (await Event.get(id=world.event.id)).purged_at is None


async def test_purge_removes_anonymises_and_clears_what_is_documented(db, caplog):
    world, voter, organiser, lonely, dataset = await purged_world()
    first, second, third = world.jurors

    with caplog.at_level(logging.INFO, logger="hackcity.retention"):
        report = await _purge()

    assert [(e.slug, e.counts) for e in report.events] == [("datacity", EXPECTED)]
    event = await Event.get(id=world.event.id)
    assert event.purged_at == AFTER
    lines = [r.getMessage() for r in caplog.records if "purged personal data of event" in r.getMessage()]
    assert lines == [
        f"purged personal data of event {event.id} (datacity): "
        + ", ".join(f"{kind}={n}" for kind, n in EXPECTED.items())
    ]
    # deleted
    assert await Registration.filter(event_id=event.id).count() == 0
    assert await TeamMember.filter(event_id=event.id).count() == 0
    assert await JoinRequest.all().count() == 0
    assert await Invitation.filter(event_id=event.id).count() == 0
    assert await EntryRevision.all().count() == 0
    assert await DatasetAccess.all().count() == 0
    assert await ConflictOfInterest.all().count() == 0
    assert await ScoreLogEntry.filter(field__in=["comment", "private_note"]).count() == 0
    assert not await Team.exists(id=lonely.id)
    roles = await EventRole.filter(event_id=event.id).values_list("user_id", "role")
    assert sorted(roles) == [(organiser.id, Role.CHALLENGE_OWNER), (organiser.id, Role.ORGANISER)]
    # anonymised
    assert (await Challenge.get(id=world.challenge.id)).proposed_by_id is None
    assert await EntryFile.filter(uploaded_by_id__isnull=False).count() == 0
    assert await EntryFile.all().count() == 1  # the file itself stays with its entry
    acceptance = await DatasetAcceptance.get(dataset_id=dataset.id)
    assert (acceptance.team_id, acceptance.user_id) == (world.teams[0].id, None)
    assert await PublicVote.filter(session_id=world.session.id).count() == 2
    assert await PublicVote.filter(user_id__isnull=False).count() == 0
    placeholders = await User.filter(email__startswith="anonymous-juror-").order_by("id")
    assert [(u.email, u.name, u.is_active) for u in placeholders] == [
        (f"anonymous-juror-{n}@invalid", f"Juré anonyme {n}", False) for n in (1, 2, 3)
    ]
    ids = [u.id for u in placeholders]
    for model, column in (
        (JurySessionJuror, "user_id"),
        (Assignment, "juror_id"),
        (ScoreSheet, "juror_id"),
        (ScoreLogEntry, "juror_id"),
    ):
        assert set(await model.all().values_list(column, flat=True)) == set(ids), model.__name__
    assert [
        (s.entry_id, s.juror_id) for s in await ScoreSheet.filter(juror_id=ids[0]).order_by("entry_id")
    ] == [(e.id, ids[0]) for e in world.entries]
    # cleared
    assert set(await ScoreSheet.all().values_list("comment", "private_note")) == {("", "")}
    assert await Entry.filter(event_id=event.id).values_list("answers", flat=True) == [{}, {}, {}]
    # the people themselves keep their accounts, untouched
    people = await User.filter(id__in=[first.id, second.id, third.id, voter.id]).order_by("id")
    assert [(u.name, u.is_active) for u in people] == [
        ("Juror 0", True),
        ("Juror 1", True),
        ("Juror 2", True),
        ("Voter", True),
    ]


async def test_purge_keeps_published_results_awards_votes_and_explanations(db):
    world, *_ = await purged_world()
    session = world.session
    results_before = [
        (r.challenge.id, [(x.rank, x.entry.id, x.entry.title, x.entry.team.name, x.score) for x in r.entries])
        for s in await public_results(world.event)
        for r in s.challenges
    ]
    explain_before = [
        await explain_entry(session=session, entry_id=e.id, challenge_id=world.challenge.id)
        for e in world.entries
    ]
    votes_before = await public_vote.vote_counts(session)
    assert len(results_before) == 1 and len(results_before[0][1]) == 3

    await _purge()

    session = await JurySession.get(id=session.id)
    results_after = [
        (r.challenge.id, [(x.rank, x.entry.id, x.entry.title, x.entry.team.name, x.score) for x in r.entries])
        for s in await public_results(world.event)
        for r in s.challenges
    ]
    assert results_after == results_before
    assert await public_vote.vote_counts(session) == votes_before
    assert await Award.filter(session_id=session.id).values_list("entry_id", "title") == [
        (world.entries[0].id, "Grand prix")
    ]
    for entry, before in zip(world.entries, explain_before, strict=True):
        after = await explain_entry(session=session, entry_id=entry.id, challenge_id=world.challenge.id)
        assert [(j.label, j.total, j.normalised) for j in after.jurors] == [
            (j.label, j.total, j.normalised) for j in before.jurors
        ]
        assert after.row == before.row
    assert ranking(await recount_from_log(session)) == ranking(session.results_snapshot["entries"])
    assert set(session.results_snapshot["juror_labels"].values()) == {"A", "B", "C"}
    jurors_ids = {
        str(i) for i in await JurySessionJuror.filter(session_id=session.id).values_list("user_id", flat=True)
    }
    assert set(session.results_snapshot["juror_labels"]) == jurors_ids
    assert set(session.results_snapshot["coefficients"]) == jurors_ids


async def test_purge_of_sessions_rate_limits_and_mail(db):
    await other_rows()

    report = await _purge()

    assert report.events == []
    assert report.other == {
        "expired_sessions": 1,
        "old_rate_limits": 1,
        "old_mail": 1,
        "old_webhook_deliveries": 1,
    }
    assert await UserSession.all().values_list("key_hash", flat=True) == ["b" * 64]
    assert await Throttle.all().count() == 1
    assert sorted(await OutboxMessage.all().values_list("status", flat=True)) == [
        MailStatus.LOGGED,
        MailStatus.PENDING,
    ]


async def test_second_run_does_nothing_and_recent_event_is_untouched(db):
    await purged_world()
    recent = await kept_world()
    await other_rows()
    await _purge()
    after_first = await dump(db)

    report = await _purge()

    assert report.events == []
    assert report.other == {
        "expired_sessions": 0,
        "old_rate_limits": 0,
        "old_mail": 0,
        "old_webhook_deliveries": 0,
    }
    assert await dump(db) == after_first
    recent = await Event.get(id=recent.id)
    assert recent.purged_at is None
    assert await Registration.filter(event_id=recent.id).values_list("answers", flat=True) == [{"x": "y"}]
    assert await TeamMember.filter(event_id=recent.id).count() == 1


async def test_an_event_is_due_exactly_when_its_retention_ends(db):
    event = await Event.create(
        slug="e", title="E", ends_at=datetime(2026, 1, 31, 18, tzinfo=UTC), retention_months=1
    )
    purge_on = datetime(2026, 2, 28, 18, tzinfo=UTC)  # a month later, on the shorter month's last day

    assert (await retention.retention_status(event, now=purge_on - timedelta(seconds=1))).due is False
    status = await retention.retention_status(event, now=purge_on)
    assert (status.purge_on, status.due, status.months) == (purge_on, True, 1)
    assert [e.id for e, _ in await retention.due_events(purge_on - timedelta(seconds=1))] == []
    assert [(e.id, when) for e, when in await retention.due_events(purge_on)] == [(event.id, purge_on)]


async def test_an_event_without_end_date_uses_its_last_deadline_or_is_never_purged(db):
    from events.models import Round

    event = await Event.create(slug="e", title="E")
    assert (await retention.retention_status(event, now=AFTER)).purge_on is None
    await Round.create(event=event, name="R1", position=1, deadline=datetime(2025, 3, 1, tzinfo=UTC))
    await Round.create(event=event, name="R2", position=2, deadline=datetime(2025, 5, 1, tzinfo=UTC))

    assert (await retention.retention_status(event, now=AFTER)).purge_on == datetime(2026, 5, 1, tzinfo=UTC)
    assert [e.id for e, _ in await retention.due_events(AFTER)] == [event.id]


@pytest.mark.parametrize("raw", ["", "0", "61", "-3", "1.5", "douze", "١٢", "9" * 400, " 12x"])
def test_bad_retention_values_are_refused_with_the_bounds(raw):
    set_language("en")
    with pytest.raises(FormErrors) as refused:
        retention.clean_retention(raw)
    assert refused.value.errors == {"retention_months": "Enter a whole number of months between 1 and 60."}


@pytest.mark.parametrize(("raw", "months"), [("1", 1), (" 24 ", 24), ("60", 60)])
def test_good_retention_values(raw, months):
    assert retention.clean_retention(raw) == months


async def test_parallel_purges_purge_each_event_once(db):
    world, *_ = await purged_world()

    reports = await asyncio.gather(*(_purge() for _ in range(3)))

    assert sorted(len(r.events) for r in reports) == [0, 0, 1]
    assert await User.filter(email__startswith="anonymous-juror-").count() == 3
    assert (await Event.get(id=world.event.id)).purged_at == AFTER


def test_the_privacy_doc_describes_every_kind_the_purge_counts():
    from tests.domain.test_personal_data import DOC

    text = DOC.read_text(encoding="utf-8")
    kinds = [*retention.KINDS, "expired_sessions", "old_rate_limits", "old_mail", "old_webhook_deliveries"]
    assert [kind for kind in kinds if f"| `{kind}` |" not in text] == []


async def test_every_model_about_a_person_is_handled_by_the_purge_or_kept_with_a_reason(db):
    from tests.domain.test_personal_data import refers_to_a_person

    handled = {rows.model for _kind, rows, _update in retention._plain_steps(retention._Scope(0))}
    # the steps written out in purge_event (answers, jurors, teams) and the rows beside events
    handled |= {
        Entry,
        JurySessionJuror,
        Assignment,
        ScoreSheet,
        ScoreLogEntry,
        Team,
        Comparison,
        PairwiseState,
    }
    handled |= {
        UserSession,
        Throttle,
        OutboxMessage,
    }  # purge_expired_sessions, _old_rate_limits, _old_mail
    personal = {model for model in db.apps.get_models_iterable() if refers_to_a_person(model)}

    assert {m.__name__ for m in personal - handled - set(retention.KEPT)} == set()
    assert all(reason.strip() for reason in retention.KEPT.values())
