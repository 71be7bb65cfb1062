"""Organiser pages for juries, continued: a juror invited by email is seated when accepting, editing and
deleting a session, the shortlist that feeds the selection, and a challenge's own scoring grid."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from events.domain import invitations, seats, sessions
from events.domain.criteria import criteria_for
from events.models import (
    Assignment,
    AssignmentMode,
    Challenge,
    ChallengeStatus,
    ConflictKind,
    ConflictOfInterest,
    Criterion,
    Entry,
    EntryStatus,
    EventRole,
    Invitation,
    JurySession,
    JurySessionChallenge,
    JurySessionJuror,
    OutboxMessage,
    Role,
    Selection,
    SessionStatus,
    Team,
)
from tests.helpers import make_user, post_form, sign_in
from tests.jury_world import make_jury_world, score


@pytest.fixture
async def world(db):
    """DataCity with a round ("Final"), a challenge, three submitted entries, two jurors, an organiser
    and a second event with its own organiser. The session is scheduled, without a window."""
    built = await make_jury_world(opens_at=None, closes_at=None, open_session=False)
    organiser = await make_user("orga@example.org", name="Orga")
    await EventRole.create(event=built.event, user=organiser, role=Role.ORGANISER)
    return built


def _session_url(world, page: str = "") -> str:
    return f"/events/{world.event.slug}/manage/juries/{world.session.id}{page}"


def _grid_url(world, page: str = "") -> str:
    return f"/events/{world.event.slug}/manage/rounds/{world.stage.id}/criteria{page}"


async def _organiser(make_client):
    client = make_client()
    await sign_in(client, "orga@example.org")
    return client


async def _open(world) -> JurySession:
    return await sessions.set_session_status(session=world.session, status="open")


async def _close(world) -> JurySession:
    await sessions.set_session_status(session=world.session, status="closed")
    return await JurySession.get(id=world.session.id)


# --- a juror invited by email ------------------------------------------------------------------------


async def test_mailed_link_lets_a_newcomer_sign_up_accept_and_sit_on_the_open_session(
    world, make_client, outbox
):
    await _open(world)
    organiser = await _organiser(make_client)

    invited = await post_form(organiser, _session_url(world, "/jurors"), {"email": "Newcomer@Example.org"})

    assert invited.status_code == 303
    page = await organiser.get(invited.headers["location"])
    assert "accepting it seats them on this session" in page.text
    assert "newcomer@example.org" in page.text  # waiting for an answer
    invitation = await Invitation.get(email="newcomer@example.org")
    assert (invitation.role, invitation.jury_session_id) == (Role.JUROR, world.session.id)
    smtp = await outbox()
    mail = smtp.last_to("newcomer@example.org")
    assert "the jury “Final jury” of DataCity" in mail.get_body(preferencelist=("plain",)).get_content()
    link = smtp.link_in(mail, "/invitations/")

    newcomer = make_client("203.0.113.40")
    to_login = await newcomer.get(link)
    assert to_login.status_code == 303
    assert to_login.headers["location"] == f"/login?next={link}"
    login_page = await newcomer.get(to_login.headers["location"])
    assert f'href="/signup?next={link}"' in login_page.text
    signed_up = await post_form(
        newcomer,
        "/signup",
        {
            "name": "Nina Newcomer",
            "email": "newcomer@example.org",
            "password": "a long and unusual passphrase",
            "accept_terms": "on",
            "next": link,
        },
        page=f"/signup?next={link}",
    )
    assert signed_up.status_code == 303
    assert signed_up.headers["location"] == link
    shown = await newcomer.get(link)
    assert shown.status_code == 200
    assert "You are invited to sit on the jury “Final jury” of DataCity." in shown.text

    accepted = await post_form(newcomer, link, page=link)

    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/events/datacity/jury/{world.session.id}"
    user_id = (await Invitation.get(id=invitation.id)).accepted_by_id
    assert await JurySessionJuror.exists(session_id=world.session.id, user_id=user_id)
    assert await EventRole.exists(event_id=world.event.id, user_id=user_id, role=Role.JUROR)
    # The open session's assignment was recomputed: the newcomer scores every entry (mode "all").
    assert sorted(
        await Assignment.filter(session_id=world.session.id, juror_id=user_id).values_list(
            "entry_id", flat=True
        )
    ) == sorted(entry.id for entry in world.entries)
    seat_page = await newcomer.get(accepted.headers["location"])
    assert seat_page.status_code == 200
    assert "confirm your seat" in seat_page.text
    # The token works once.
    again = await post_form(newcomer, link, page="/account")
    assert again.status_code == 404
    assert await JurySessionJuror.filter(session_id=world.session.id).count() == 3


async def test_an_existing_account_under_another_address_accepts_and_is_seated(world, make_client, outbox):
    organiser = await _organiser(make_client)
    await post_form(organiser, _session_url(world, "/jurors"), {"email": "work@example.org"})
    smtp = await outbox()
    link = smtp.link_in(smtp.last_to("work@example.org"), "/invitations/")
    someone = await make_user("home@example.org", name="Hana Home")
    browser = make_client("203.0.113.41")
    await sign_in(browser, "home@example.org")

    accepted = await post_form(browser, link, page=link)

    assert accepted.status_code == 303
    assert await JurySessionJuror.exists(session_id=world.session.id, user_id=someone.id)
    # Scheduled: nothing is assigned before the session opens.
    assert not await Assignment.exists(session_id=world.session.id, juror_id=someone.id)


async def test_invitation_accepted_after_the_session_closed_grants_the_role_without_a_seat(
    world, make_client, outbox
):
    organiser = await _organiser(make_client)
    await post_form(organiser, _session_url(world, "/jurors"), {"email": "late@example.org"})
    smtp = await outbox()
    link = smtp.link_in(smtp.last_to("late@example.org"), "/invitations/")
    await _open(world)
    await _close(world)
    late = await make_user("late@example.org", name="Late")
    browser = make_client("203.0.113.42")
    await sign_in(browser, "late@example.org")

    accepted = await post_form(browser, link, page=link)

    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/events/datacity"
    assert await EventRole.exists(event_id=world.event.id, user_id=late.id, role=Role.JUROR)
    assert not await JurySessionJuror.exists(session_id=world.session.id, user_id=late.id)


async def test_a_new_invitation_replaces_the_unanswered_one_of_the_same_session_only(world, make_client):
    other = await sessions.create_session(stage=world.stage, name="Second jury")
    organiser = await _organiser(make_client)

    for session_id in (world.session.id, world.session.id, other.id):
        response = await post_form(
            organiser,
            f"/events/datacity/manage/juries/{session_id}/jurors",
            {"email": "twice@example.org"},
        )
        assert response.status_code == 303

    assert sorted(
        await Invitation.filter(email="twice@example.org").values_list("jury_session_id", flat=True)
    ) == sorted([world.session.id, other.id])
    # Each session's page lists its own pending invitation only.
    await Invitation.create(
        event=world.event,
        email="elsewhere@example.org",
        role=Role.JUROR,
        jury_session=other,
        token_hash="x" * 64,
    )
    page = await organiser.get(_session_url(world))
    assert "twice@example.org" in page.text
    assert "elsewhere@example.org" not in page.text


async def test_two_parallel_acceptances_seat_the_juror_once(world, make_client, outbox):
    await _open(world)
    organiser = await _organiser(make_client)
    await post_form(organiser, _session_url(world, "/jurors"), {"email": "racer@example.org"})
    smtp = await outbox()
    token = smtp.link_in(smtp.last_to("racer@example.org"), "/invitations/").removeprefix("/invitations/")
    racer = await make_user("racer@example.org", name="Racer")

    results = await asyncio.gather(
        *(invitations.accept_invitation(token=token, user=racer) for _ in range(5))
    )

    assert sum(result is not None for result in results) == 1
    assert await JurySessionJuror.filter(session_id=world.session.id, user_id=racer.id).count() == 1
    assert await Assignment.filter(session_id=world.session.id, juror_id=racer.id).count() == 3


async def test_sign_up_ignores_a_next_address_off_the_site(client):
    response = await post_form(
        client,
        "/signup",
        {
            "name": "Eve",
            "email": "eve@example.org",
            "password": "a long and unusual passphrase",
            "accept_terms": "on",
            "next": "//evil.example/steal",
        },
        page="/signup",
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/account"


# --- editing a session -------------------------------------------------------------------------------


async def test_scheduled_session_edit_changes_every_setting(world, make_client):
    second = await Challenge.create(
        event=world.event, slug="energy", title="Energy", status=ChallengeStatus.PUBLISHED
    )
    organiser = await _organiser(make_client)
    form = await organiser.get(_session_url(world, "/edit"))
    assert form.status_code == 200
    assert 'value="Final jury"' in form.text

    saved = await post_form(
        organiser,
        _session_url(world, "/edit"),
        {
            "name": "  Selection   jury ",
            "opens_at": "2030-03-01T09:00",
            "closes_at": "2030-03-02T18:00",
            f"challenge_{second.id}": "on",
            "assignment_mode": "k",
            "k": "2",
            "normalisation": "zscore",
            "blind": "on",
            "trimmed": "on",
            "public_vote": "on",
            "round": "999",  # not offered: the round never changes
        },
        page=_session_url(world, "/edit"),
    )

    assert saved.status_code == 303
    assert saved.headers["location"] == _session_url(world)
    session = await JurySession.get(id=world.session.id)
    assert (session.name, session.assignment_mode, session.k, session.normalisation) == (
        "Selection jury",
        AssignmentMode.K,
        2,
        "zscore",
    )
    assert (session.blind, session.trimmed, session.public_vote) == (True, True, True)
    assert session.opens_at == datetime(2030, 3, 1, 8, 0, tzinfo=UTC)  # Europe/Paris in winter
    assert session.closes_at == datetime(2030, 3, 2, 17, 0, tzinfo=UTC)
    assert session.round_id == world.stage.id
    assert await JurySessionChallenge.filter(session_id=session.id).values_list(
        "challenge_id", flat=True
    ) == [second.id]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name of at most 120 characters."),
        (
            {"opens_at": "2030-03-02T09:00", "closes_at": "2030-03-01T09:00"},
            "closes_at",
            "The end of scoring must come after its start.",
        ),
        ({"assignment_mode": "k", "k": "0"}, "k", "Enter between 1 and 50 jurors per entry."),
        ({"assignment_mode": "k", "k": "many"}, "k", "Enter between 1 and 50 jurors per entry."),
        ({"assignment_mode": "everyone"}, "assignment_mode", "Choose how entries are shared among jurors."),
        ({"opens_at": "tomorrow"}, "opens_at", None),
        ({"challenge_abc": "on"}, "challenges", "Choose challenges of this event."),
    ],
)
async def test_session_edit_refuses_bad_values_with_422(world, make_client, fields, field, message):
    organiser = await _organiser(make_client)
    form = {"name": "Renamed", "assignment_mode": "all", "k": "3", "normalisation": "none", **fields}

    response = await post_form(organiser, _session_url(world, "/edit"), form)

    assert response.status_code == 422
    assert f'href="#f-{field}"' in response.text  # the summary at the top links to the field
    assert f'id="f-{field}-error"' in response.text  # the message beside the field (or its group)
    if message:
        assert message in response.text
    assert (await JurySession.get(id=world.session.id)).name == "Final jury"


async def test_session_edit_refuses_another_events_challenge(world, make_client):
    from events.models import Event, EventStatus

    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    foreign = await Challenge.create(event=other, slug="x", title="Foreign", status=ChallengeStatus.PUBLISHED)
    organiser = await _organiser(make_client)

    response = await post_form(
        organiser,
        _session_url(world, "/edit"),
        {
            "name": "Renamed",
            "assignment_mode": "all",
            "normalisation": "none",
            f"challenge_{foreign.id}": "on",
        },
    )

    assert response.status_code == 422
    assert not await JurySessionChallenge.exists(session_id=world.session.id)
    # the group of boxes names its hint and its error, like every other field
    assert 'aria-describedby="f-challenges-hint f-challenges-error"' in response.text
    assert '<p class="error" id="f-challenges-error">Choose challenges of this event.</p>' in response.text


async def test_open_session_edit_changes_only_name_and_window_and_closing_only_moves_later(
    world, make_client
):
    await JurySession.filter(id=world.session.id).update(
        opens_at=datetime(2020, 1, 1, tzinfo=UTC), closes_at=datetime(2030, 1, 1, 12, tzinfo=UTC)
    )
    await _open(world)
    organiser = await _organiser(make_client)
    form = await organiser.get(_session_url(world, "/edit"))
    assert "only its name and scoring window can change" in form.text
    assert 'name="assignment_mode"' not in form.text

    earlier = await post_form(
        organiser,
        _session_url(world, "/edit"),
        {"name": "Final jury", "opens_at": "2020-01-01T01:00", "closes_at": "2029-12-31T13:00"},
    )
    assert earlier.status_code == 422
    assert "the end of scoring can only move later" in earlier.text
    assert (await JurySession.get(id=world.session.id)).closes_at == datetime(2030, 1, 1, 12, tzinfo=UTC)

    later = await post_form(
        organiser,
        _session_url(world, "/edit"),
        {
            "name": "Demo day",
            "opens_at": "2020-01-01T01:00",
            "closes_at": "2030-01-02T13:00",
            "assignment_mode": "k",  # not offered while open: ignored
            "k": "1",
            "blind": "on",
        },
    )

    assert later.status_code == 303
    session = await JurySession.get(id=world.session.id)
    assert (session.name, session.closes_at) == ("Demo day", datetime(2030, 1, 2, 12, tzinfo=UTC))
    assert (session.assignment_mode, session.k, session.blind, session.status) == (
        AssignmentMode.ALL,
        2,
        False,
        SessionStatus.OPEN,
    )


async def test_open_session_without_an_end_gets_one_in_the_future_only(world, make_client):
    await _open(world)
    organiser = await _organiser(make_client)

    past = await post_form(
        organiser, _session_url(world, "/edit"), {"name": "Final jury", "closes_at": "2020-01-01T10:00"}
    )
    future = await post_form(
        organiser, _session_url(world, "/edit"), {"name": "Final jury", "closes_at": "2099-01-01T10:00"}
    )

    assert past.status_code == 422
    assert "the end of scoring can only move later" in past.text
    assert future.status_code == 303
    assert (await JurySession.get(id=world.session.id)).closes_at == datetime(2099, 1, 1, 9, tzinfo=UTC)


async def test_closed_session_cannot_be_edited(world, make_client):
    await _open(world)
    await _close(world)
    organiser = await _organiser(make_client)

    page = await organiser.get(_session_url(world, "/edit"))
    posted = await post_form(
        organiser, _session_url(world, "/edit"), {"name": "Renamed", "opens_at": "", "closes_at": ""}
    )

    assert page.status_code == 200
    assert "its settings can no longer change" in page.text
    assert 'name="name"' not in page.text
    assert posted.status_code == 422
    assert "This jury session is closed: its settings can no longer change." in posted.text
    assert (await JurySession.get(id=world.session.id)).name == "Final jury"


async def test_editing_a_scheduled_session_recomputes_an_existing_assignment(world, make_client):
    # A juror accepting their seat computes the assignment before the session opens.
    await seats.accept_seat(session=world.session, juror=world.jurors[0], conflict_team_ids=[])
    assert await Assignment.filter(session_id=world.session.id).count() == 6
    organiser = await _organiser(make_client)

    saved = await post_form(
        organiser,
        _session_url(world, "/edit"),
        {"name": "Final jury", "assignment_mode": "k", "k": "1", "normalisation": "none"},
    )

    assert saved.status_code == 303
    assert await Assignment.filter(session_id=world.session.id).count() == 3


# --- deleting a session ------------------------------------------------------------------------------


async def test_scheduled_session_is_deleted_after_confirmation(world, make_client, outbox):
    organiser = await _organiser(make_client)
    await post_form(organiser, _session_url(world, "/jurors"), {"email": "pending@example.org"})
    await ConflictOfInterest.create(
        session=world.session,
        juror=world.jurors[0],
        team=world.teams[0],
        kind=ConflictKind.DECLARED,
        declared_at=datetime.now(UTC),
    )
    confirm = await organiser.get(_session_url(world, "/delete"))
    assert confirm.status_code == 200
    assert "Yes, delete the session “Final jury”" in confirm.text

    unconfirmed = await post_form(organiser, _session_url(world, "/delete"), {})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm the deletion." in unconfirmed.text
    assert await JurySession.exists(id=world.session.id)

    deleted = await post_form(organiser, _session_url(world, "/delete"), {"confirm": "on"})

    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/events/datacity/manage/juries"
    assert not await JurySession.exists(id=world.session.id)
    assert not await JurySessionJuror.exists(session_id=world.session.id)
    assert not await ConflictOfInterest.exists(session_id=world.session.id)
    assert not await Invitation.exists(email="pending@example.org")
    # Jurors keep their role; entries stay.
    assert await Entry.filter(event_id=world.event.id).count() == 3
    gone = await organiser.get(_session_url(world))
    assert gone.status_code == 404


async def test_open_session_without_a_sheet_can_be_deleted(world, make_client):
    await _open(world)
    organiser = await _organiser(make_client)

    deleted = await post_form(organiser, _session_url(world, "/delete"), {"confirm": "on"})

    assert deleted.status_code == 303
    assert not await JurySession.exists(id=world.session.id)
    assert not await Assignment.exists(session_id=world.session.id)


async def test_open_session_cannot_be_deleted_once_a_juror_scored(world, make_client):
    session = await _open(world)
    await score(world, world.jurors[0], world.entries[0], 7, submit=False)
    organiser = await _organiser(make_client)

    page = await organiser.get(_session_url(world, "/delete"))
    refused = await post_form(organiser, _session_url(world, "/delete"), {"confirm": "on"})

    assert "can no longer be deleted" in page.text
    assert refused.status_code == 422
    assert "Jurors have started scoring in this session" in refused.text
    assert await JurySession.exists(id=session.id)
    assert (
        f'href="/events/datacity/manage/juries/{session.id}/delete"'
        not in (await organiser.get(_session_url(world))).text
    )


async def test_published_session_cannot_be_deleted(world, make_client):
    await _open(world)
    await _close(world)
    await sessions.set_session_status(session=world.session, status="published")
    organiser = await _organiser(make_client)

    refused = await post_form(organiser, _session_url(world, "/delete"), {"confirm": "on"})

    assert refused.status_code == 422
    assert "results are published" in refused.text
    assert await JurySession.exists(id=world.session.id)


async def test_another_events_organiser_cannot_edit_or_delete(world, make_client):
    from events.models import Event, EventStatus

    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    stranger = await make_user("orga2@example.org", name="Orga Two")
    await EventRole.create(event=other, user=stranger, role=Role.ORGANISER)
    browser = make_client()
    await sign_in(browser, "orga2@example.org")

    own_event_url = f"/events/other/manage/juries/{world.session.id}"
    assert (await browser.get(own_event_url + "/edit")).status_code == 404
    assert (await post_form(browser, own_event_url + "/delete", {"confirm": "on"})).status_code == 404
    assert (await post_form(browser, _session_url(world, "/delete"), {"confirm": "on"})).status_code == 403
    assert await JurySession.exists(id=world.session.id)


# --- the shortlist -----------------------------------------------------------------------------------


async def _scored_and_closed(world) -> None:
    """Entry 2 best, then entry 0, then entry 1 (both jurors agree)."""
    await _open(world)
    for juror in world.jurors:
        for entry, value in zip(world.entries, (6, 3, 9), strict=True):
            await score(world, juror, entry, value)
    await _close(world)


async def test_shortlist_of_a_closed_session_selects_the_top_n_and_shows_scores_on_the_selection_page(
    world, make_client
):
    await _scored_and_closed(world)
    organiser = await _organiser(make_client)
    page = await organiser.get(_session_url(world))
    assert "Shortlist the top N of each challenge" in page.text

    response = await post_form(
        organiser, _session_url(world, "/shortlist"), {"top": "2", "reject_others": "on", "notify": "on"}
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/events/datacity/manage/entries?round={world.stage.id}"
    selections = dict(await Entry.filter(event_id=world.event.id).values_list("id", "selection"))
    assert selections == {
        world.entries[0].id: Selection.SELECTED,
        world.entries[1].id: Selection.REJECTED,
        world.entries[2].id: Selection.SELECTED,
    }
    assert await OutboxMessage.filter(to="member2@example.org").count() == 1
    desk = await organiser.get(response.headers["location"])
    assert "Shortlist: 2 entries newly selected, 1 entry newly not selected, 0 unchanged." in desk.text
    assert "score 90.00, rank 1" in desk.text  # a column of scores: always two decimals
    assert "score 30.00, rank 3" in desk.text


async def test_shortlist_is_refused_while_the_session_is_open(world, make_client):
    await _open(world)
    organiser = await _organiser(make_client)

    response = await post_form(organiser, _session_url(world, "/shortlist"), {"top": "1"})

    assert response.status_code == 422
    assert "Close the session first" in response.text
    assert set(await Entry.filter(event_id=world.event.id).values_list("selection", flat=True)) == {
        Selection.PENDING
    }


@pytest.mark.parametrize("top", ["", "0", "-1", "1.5", "abc", "1001"])
async def test_shortlist_refuses_a_bad_number_with_422(world, make_client, top):
    await _scored_and_closed(world)
    organiser = await _organiser(make_client)

    response = await post_form(organiser, _session_url(world, "/shortlist"), {"top": top})

    assert response.status_code == 422
    assert 'id="f-top-error"' in response.text
    assert set(await Entry.filter(event_id=world.event.id).values_list("selection", flat=True)) == {
        Selection.PENDING
    }


async def test_selection_page_costs_the_same_queries_whatever_the_number_of_entries(world, make_client):
    from tests.querycount import count_queries

    await _scored_and_closed(world)
    organiser = await _organiser(make_client)
    url = f"/events/datacity/manage/entries?round={world.stage.id}"
    await organiser.get(url)  # warm the session
    async with count_queries() as few:
        small = await organiser.get(url)
    for index in range(3, 9):
        team = await Team.create(
            event=world.event, name=f"More {index}", name_key=f"more {index}", invite_token_hash=f"m{index}"
        )
        await Entry.create(
            event=world.event,
            team=team,
            round=world.stage,
            challenge=world.challenge,
            title=f"More {index}",
            status=EntryStatus.SUBMITTED,
        )
    second = await sessions.create_session(stage=world.stage, name="Second jury")
    await seats.add_juror(session=second, user=world.jurors[0])
    await sessions.set_session_status(session=second, status="open")
    await sessions.set_session_status(session=second, status="closed")

    async with count_queries() as many:
        large = await organiser.get(url)

    assert small.status_code == large.status_code == 200
    assert (small.text.count("rank "), large.text.count("rank ")) == (3, 3)
    assert (small.text.count("not scored"), large.text.count("not scored")) == (0, 6)
    assert len(many) == len(few), many.report()


# --- a challenge's own grid --------------------------------------------------------------------------


async def test_challenge_grid_is_copied_from_the_round_adjusted_and_dropped(world, make_client):
    organiser = await _organiser(make_client)
    challenge_url = _grid_url(world, f"/challenges/{world.challenge.slug}")
    empty = await organiser.get(challenge_url)
    assert empty.status_code == 200
    assert "This challenge has no grid of its own" in empty.text

    copied = await post_form(organiser, challenge_url + "/copy")

    assert copied.status_code == 303
    assert copied.headers["location"] == challenge_url
    own = await Criterion.filter(round_id=world.stage.id, challenge_id=world.challenge.id)
    assert [(c.name, c.scale_min, c.scale_max, c.step, c.weight) for c in own] == [("C1", 0, 10, 1, 1.0)]
    again = await post_form(organiser, challenge_url + "/copy")
    assert again.status_code == 422
    assert "already has its own grid" in again.text

    added = await post_form(
        organiser,
        challenge_url,
        {
            "name": "Reuse",
            "weight": "2",
            "scale_min": "0",
            "scale_max": "5",
            "step": "1",
            "levels": "5: Great",
        },
    )
    assert added.status_code == 303
    assert await Criterion.filter(challenge_id=world.challenge.id).count() == 2
    assert await Criterion.filter(round_id=world.stage.id, challenge_id=None).count() == 1
    edited = await post_form(
        organiser,
        _grid_url(world, f"/{own[0].id}/edit"),
        {"name": "Data", "weight": "3", "scale_min": "0", "scale_max": "10", "step": "1"},
    )
    assert edited.headers["location"] == challenge_url
    assert (await Criterion.get(id=own[0].id)).name == "Data"
    assert (await Criterion.get(id=world.criteria[0].id)).name == "C1"
    round_page = await organiser.get(_grid_url(world))
    assert "its own grid (2 criteria)" in round_page.text
    grid = await criteria_for(world.stage.id, world.challenge.id)
    assert [c.name for c in grid] == ["Data", "Reuse"]

    dropped = await post_form(organiser, challenge_url + "/drop")

    assert dropped.status_code == 303
    assert not await Criterion.exists(challenge_id=world.challenge.id)
    assert "the round&#39;s grid" in (await organiser.get(_grid_url(world))).text


async def test_challenge_grid_preset_and_refusals_once_a_jury_opened(world, make_client):
    second = await Challenge.create(
        event=world.event, slug="energy", title="Energy", status=ChallengeStatus.PUBLISHED
    )
    organiser = await _organiser(make_client)
    preset = await post_form(
        organiser, _grid_url(world, "/challenges/energy/preset"), {"preset": "hackathon_final"}
    )
    assert preset.status_code == 303
    assert await Criterion.filter(challenge_id=second.id).count() == 5
    await _open(world)

    refusals = [
        await post_form(organiser, _grid_url(world, f"/challenges/{world.challenge.slug}/copy")),
        await post_form(organiser, _grid_url(world, "/challenges/energy/drop")),
        await post_form(
            organiser,
            _grid_url(world, "/challenges/energy"),
            {"name": "Late", "weight": "1", "scale_min": "0", "scale_max": "5", "step": "1"},
        ),
    ]

    assert [response.status_code for response in refusals] == [422, 422, 422]
    assert all("its grid can no longer change" in response.text for response in refusals)
    assert await Criterion.filter(challenge_id=second.id).count() == 5
    assert not await Criterion.exists(challenge_id=world.challenge.id)


async def test_challenge_grid_of_another_event_is_404(world, make_client):
    from events.models import Event, EventStatus

    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    await Challenge.create(event=other, slug="foreign", title="Foreign", status=ChallengeStatus.PUBLISHED)
    organiser = await _organiser(make_client)

    page = await organiser.get(_grid_url(world, "/challenges/foreign"))
    copy = await post_form(organiser, _grid_url(world, "/challenges/foreign/copy"))

    assert (page.status_code, copy.status_code) == (404, 404)
    assert await Criterion.filter(round_id=world.stage.id).count() == 1


async def test_challenge_titles_are_escaped_on_the_grid_pages(world, make_client):
    await Challenge.filter(id=world.challenge.id).update(title="<script>alert(1)</script>")
    organiser = await _organiser(make_client)

    round_page = await organiser.get(_grid_url(world))
    challenge_page = await organiser.get(_grid_url(world, f"/challenges/{world.challenge.slug}"))

    for page in (round_page, challenge_page):
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_open_session_start_cannot_move_into_the_future(world, make_client):
    """Moving an open session's start past now would stop the jurors mid-scoring."""
    await JurySession.filter(id=world.session.id).update(
        opens_at=datetime(2020, 1, 1, tzinfo=UTC), closes_at=datetime(2099, 1, 1, 12, tzinfo=UTC)
    )
    await _open(world)
    organiser = await _organiser(make_client)

    future = await post_form(
        organiser,
        _session_url(world, "/edit"),
        {"name": "Final jury", "opens_at": "2098-01-01T10:00", "closes_at": "2099-01-01T13:00"},
    )
    earlier = await post_form(
        organiser,
        _session_url(world, "/edit"),
        {"name": "Final jury", "opens_at": "2019-06-01T10:00", "closes_at": "2099-01-01T13:00"},
    )

    assert future.status_code == 422
    assert "While the session is open, its start cannot move later than now." in future.text
    assert earlier.status_code == 303
    assert (await JurySession.get(id=world.session.id)).opens_at == datetime(2019, 6, 1, 8, tzinfo=UTC)


async def test_public_vote_checkbox_warns_that_the_vote_page_is_public(world, make_client):
    organiser = await _organiser(make_client)

    for page in (f"/events/{world.event.slug}/manage/juries/new", _session_url(world, "/edit")):
        form = await organiser.get(page)
        assert form.status_code == 200
        assert 'id="f-public_vote" name="public_vote" type="checkbox"' in form.text
        assert 'aria-describedby="f-public_vote-hint"' in form.text
        assert (
            '<p class="hint" id="f-public_vote-hint">The vote page is public: it lists the title, challenge '
            "and team of every entry in scope, applications included.</p>"
        ) in form.text
