"""Only finalists enter the round that follows a selection, over HTTP and in the demo.

An event with an "Application" round (closed, decided) then a "Prototype" round (open now): the
selected team starts its prototype, the waitlisted and the rejected teams read why they cannot (no
start button), and a form posted by hand is refused with the same sentence and creates nothing. A
draft made before the decisions cannot be submitted by a team left out. The first round, and a
round whose previous round has no decision, admit every team as before.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest

from events import i18n
from events.domain import entries as entry_rules
from events.domain import selection as selection_rules
from events.domain.errors import FormErrors
from events.models import Entry, EntryStatus, Round, Selection, Team, TeamMember
from seeds.demo import DEMO_PASSWORD, load_demo
from tests.entry_world import ENTRY_FORM, make_entry_world, make_user, signed_in
from tests.helpers import post_form, sign_in

REJECTED = (
    "Your team was not selected in the round Application: only the selected teams enter the round Prototype."
)
WAITLISTED = (
    "Your team is on the waiting list of the round Application: "
    "it can enter the round Prototype only once it is selected."
)
NO_ENTRY = "Only the teams selected in the round Application for this challenge enter the round Prototype."
START = "Start the entry"


@pytest.fixture(autouse=True)
def english():
    token = i18n.set_language("en")
    yield
    i18n._current.reset(token)


def text_of(response) -> str:
    return html.unescape(response.text)


async def two_round_world():
    """The entry world's round becomes "Prototype" (open); "Application" comes before it, closed.
    Team A applied and is selected; team B applied and is not; team C applied and is waitlisted."""
    world = await make_entry_world()
    now = datetime.now(UTC)
    await Round.filter(id=world.stage.id).update(name="Prototype", position=2)
    world.stage = await Round.get(id=world.stage.id)
    world.application = await Round.create(
        event=world.event,
        position=1,
        name="Application",
        opens_at=now - timedelta(days=60),
        deadline=now - timedelta(days=30),
    )
    carol = await make_user("carol@example.org", name="Carol")
    world.team_c = await Team.create(
        event=world.event, name="Les Vélos", name_key="les velos", invite_token_hash="c" * 64
    )
    await TeamMember.create(team=world.team_c, event=world.event, user=carol, is_captain=True)
    world.carol = carol
    for team, selection in (
        (world.team_a, Selection.SELECTED),
        (world.team_b, Selection.REJECTED),
        (world.team_c, Selection.WAITLISTED),
    ):
        await Entry.create(
            event=world.event,
            team=team,
            round=world.application,
            challenge=world.challenge,
            title=f"Application of {team.name}",
            status=EntryStatus.SUBMITTED,
            submitted_at=now - timedelta(days=31),
            selection=selection,
        )
    return world


def entries_url(world) -> str:
    return f"/events/{world.event.slug}/team/entries"


async def start(client, world, title="Prototype"):
    return await post_form(
        client,
        entries_url(world),
        {"round": str(world.stage.id), "challenge": str(world.challenge.id), "title": title},
        page=entries_url(world),
    )


async def prototypes(world) -> list[Entry]:
    return await Entry.filter(round_id=world.stage.id).order_by("id")


async def test_a_rejected_team_reads_why_and_has_no_start_button(db, make_client):
    world = await two_round_world()
    bob = await signed_in(make_client, world.bob)

    page = await bob.get(entries_url(world))

    assert page.status_code == 200
    assert REJECTED in text_of(page)
    assert START not in text_of(page)  # the Application round is closed, the Prototype round refused


async def test_a_rejected_team_posting_the_form_by_hand_is_refused_and_nothing_is_created(db, make_client):
    world = await two_round_world()
    bob = await signed_in(make_client, world.bob)

    response = await start(bob, world)

    assert response.status_code == 422
    assert REJECTED in text_of(response)
    assert await prototypes(world) == []


async def test_a_waitlisted_team_is_refused_until_it_is_selected(db, make_client):
    world = await two_round_world()
    carol = await signed_in(make_client, world.carol)

    page = await carol.get(entries_url(world))
    refused = await start(carol, world)

    assert WAITLISTED in text_of(page)
    assert START not in text_of(page)
    assert refused.status_code == 422
    assert WAITLISTED in text_of(refused)
    assert await prototypes(world) == []

    application = await Entry.get(team_id=world.team_c.id, round_id=world.application.id)
    await selection_rules.set_selection(
        entry=application, event=world.event, selection=Selection.SELECTED, user=world.olga, notify=False
    )
    page = await carol.get(entries_url(world))
    started = await start(carol, world, title="Vélo partout")

    assert START in text_of(page)
    assert WAITLISTED not in text_of(page)
    assert started.status_code == 303
    created = await prototypes(world)
    assert [(e.team_id, e.title) for e in created] == [(world.team_c.id, "Vélo partout")]


async def test_the_selected_team_starts_its_prototype(db, make_client):
    world = await two_round_world()
    alice = await signed_in(make_client, world.alice)

    page = await alice.get(entries_url(world))
    response = await start(alice, world, title="Bus à l'heure")

    assert START in text_of(page)
    assert response.status_code == 303
    created = await prototypes(world)
    assert [(e.team_id, e.title, e.status) for e in created] == [
        (world.team_a.id, "Bus à l'heure", EntryStatus.DRAFT)
    ]


async def test_a_team_without_an_application_is_refused(db, make_client):
    world = await two_round_world()
    await Entry.filter(team_id=world.team_b.id).delete()
    bob = await signed_in(make_client, world.bob)

    page = await bob.get(entries_url(world))
    response = await start(bob, world)

    assert NO_ENTRY in text_of(page)
    assert response.status_code == 422
    assert NO_ENTRY in text_of(response)
    assert await prototypes(world) == []


async def test_a_draft_made_before_the_decision_cannot_be_submitted_once_rejected(db, make_client):
    world = await two_round_world()
    await Entry.filter(round_id=world.application.id).update(selection=Selection.PENDING)
    bob = await signed_in(make_client, world.bob)
    assert (await start(bob, world, title="Before the decision")).status_code == 303  # nothing decided yet
    draft = await Entry.get(team_id=world.team_b.id, round_id=world.stage.id)
    await Entry.filter(team_id=world.team_b.id, round_id=world.application.id).update(
        selection=Selection.REJECTED
    )
    edit = f"/events/{world.event.slug}/entries/{draft.id}/edit"

    page = await bob.get(edit)
    response = await post_form(bob, edit, {**ENTRY_FORM, "action": "submit"}, page=edit)

    assert REJECTED in text_of(page)
    assert response.status_code == 422
    assert REJECTED in text_of(response)
    await draft.refresh_from_db()
    assert draft.status == EntryStatus.DRAFT
    assert draft.submitted_at is None


async def test_submission_is_refused_in_the_domain_too(db):
    world = await two_round_world()
    draft = await Entry.create(
        event=world.event,
        team=world.team_b,
        round=world.stage,
        challenge=world.challenge,
        title="Slipped in",
        answers={"impact": "Big"},
    )

    with pytest.raises(FormErrors) as refused:
        await entry_rules.set_entry_status(entry=draft, event=world.event, status="submitted", user=world.bob)

    assert refused.value.errors == {None: REJECTED}
    await draft.refresh_from_db()
    assert draft.status == EntryStatus.DRAFT


async def test_a_round_whose_previous_round_has_no_decision_admits_every_team(db, make_client):
    world = await two_round_world()
    await Entry.filter(round_id=world.application.id).update(selection=Selection.PENDING)
    bob = await signed_in(make_client, world.bob)

    page = await bob.get(entries_url(world))
    response = await start(bob, world)

    assert START in text_of(page)
    assert response.status_code == 303
    assert [e.team_id for e in await prototypes(world)] == [world.team_b.id]


async def test_the_first_round_admits_every_team(db, make_client):
    world = await two_round_world()
    await Round.filter(id=world.application.id).update(deadline=datetime.now(UTC) + timedelta(days=3))
    await Entry.filter(team_id=world.team_b.id).delete()
    bob = await signed_in(make_client, world.bob)

    response = await post_form(
        bob,
        entries_url(world),
        {"round": str(world.application.id), "challenge": str(world.challenge.id), "title": "Late"},
        page=entries_url(world),
    )

    assert response.status_code == 303
    assert await Entry.filter(team_id=world.team_b.id, round_id=world.application.id).count() == 1


# --- the demo ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "sentence", "button"),
    [
        (
            "fr",
            "Votre équipe n’a pas été retenue à l’étape Candidature\u00a0: "
            "seules les équipes retenues participent à l’étape Prototype.",
            "Commencer le projet",
        ),
        ("en", REJECTED.replace("Application", "Candidature"), START),
    ],
)
async def test_demo_team_not_selected_in_datacity_paris_reads_why_it_cannot_start_a_prototype(
    db, make_client, language, sentence, button
):
    assert await load_demo() is True
    client = make_client()
    await sign_in(client, "equipe-g@demo.hackcity.fr", DEMO_PASSWORD)
    # The demo account's profile says French, which wins over a cookie: switch it like a visitor would.
    switched = await post_form(client, "/language", {"language": language, "next": "/account"})
    assert switched.status_code == 303
    url = "/events/datacity-paris-2026/team/entries"

    page = await client.get(url)

    assert page.status_code == 200
    assert sentence in text_of(page)
    assert button not in text_of(page)
    team = await Team.get(event__slug="datacity-paris-2026", members__user__email="equipe-g@demo.hackcity.fr")
    prototype = await Round.get(event__slug="datacity-paris-2026", name="Prototype")
    challenge_id = (await Entry.get(team_id=team.id)).challenge_id
    refused = await post_form(
        client,
        url,
        {"round": str(prototype.id), "challenge": str(challenge_id), "title": "Quand même"},
        page=url,
    )
    assert refused.status_code == 422
    assert sentence in text_of(refused)
    assert await Entry.filter(team_id=team.id, round_id=prototype.id).count() == 0
