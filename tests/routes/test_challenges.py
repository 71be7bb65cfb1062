"""Challenges: organisers' forms, owners limited to their challenge, proposals, public pages."""

from __future__ import annotations

import html

import pytest

from events.domain import throttle
from events.models import (
    Challenge,
    ChallengeDataset,
    ChallengeOwner,
    ChallengeStatus,
    Dataset,
    DatasetStatus,
    Event,
    EventRole,
    EventStatus,
    Invitation,
    OutboxMessage,
    Role,
)
from tests.helpers import make_user, post_form, sign_in


@pytest.fixture
async def event(db) -> Event:
    user = await make_user("orga@example.org")
    event = await Event.create(slug="datacity", title="DataCity", status=EventStatus.PUBLISHED)
    await EventRole.create(event=event, user=user, role=Role.ORGANISER)
    return event


async def owner_of(challenge: Challenge, email: str) -> None:
    user = await make_user(email)
    await EventRole.create(event_id=challenge.event_id, user=user, role=Role.CHALLENGE_OWNER)
    await ChallengeOwner.create(challenge=challenge, user=user)


def challenge_form(**changes) -> dict[str, str]:
    form = {
        "title": "Cooler streets",
        "slug": "cooler-streets",
        "sponsors": "Ville de Paris\n\n  Eau de Paris  \n",
        "statement": "Find **cool** places.",
        "deliverables": "A prototype",
        "prizes": "10 000 €",
        "max_teams": "8",
        "status": "draft",
    }
    form.update(changes)
    return form


async def test_organiser_adds_then_completes_a_challenge_with_datasets(client, event):
    trees = await Dataset.create(event=event, title="Trees", licence_spdx="etalab-2.0")
    fountains = await Dataset.create(event=event, title="Fountains", licence_spdx="ODbL-1.0")
    elsewhere = await Dataset.create(event=await Event.create(slug="x", title="X"), title="Elsewhere")
    await sign_in(client, "orga@example.org")

    added = await post_form(client, "/events/datacity/manage/challenges", {"title": "Îlots de fraîcheur"})

    assert added.status_code == 303
    assert added.headers["location"] == "/events/datacity/manage/challenges/ilots-de-fraicheur/edit"
    edit_page = await client.get(added.headers["location"])
    assert "Trees" in edit_page.text and "Elsewhere" not in edit_page.text

    saved = await post_form(
        client,
        added.headers["location"],
        challenge_form(
            status="published",
            **{
                f"dataset_{trees.id}": "on",
                f"dataset_{elsewhere.id}": "on",
                "primary": str(fountains.id),
            },
        ),
    )

    assert saved.status_code == 303
    challenge = await Challenge.get(event=event)
    assert (challenge.slug, challenge.title, challenge.max_teams, challenge.status) == (
        "cooler-streets",
        "Cooler streets",
        8,
        ChallengeStatus.PUBLISHED,
    )
    assert challenge.sponsors == ["Ville de Paris", "Eau de Paris"]
    links = await ChallengeDataset.filter(challenge=challenge).order_by("dataset_id")
    assert [(link.dataset_id, link.is_primary) for link in links] == [(trees.id, False), (fountains.id, True)]
    public = await client.get("/events/datacity/challenges/cooler-streets")
    assert public.status_code == 200
    assert "<strong>cool</strong>" in public.text
    assert "Sponsored by Ville de Paris, Eau de Paris" in public.text


async def test_challenge_slug_is_unique_in_the_event(client, event):
    await Challenge.create(event=event, slug="taken", title="Taken")
    await sign_in(client, "orga@example.org")

    response = await post_form(client, "/events/datacity/manage/challenges", {"title": "x", "slug": "taken"})

    assert response.status_code == 422
    assert "Another challenge of this event already uses this address." in response.text
    assert await Challenge.filter(event=event).count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"title": ""}, "title"), ({"slug": "propose"}, "slug"), ({"max_teams": "0"}, "max_teams"),
     ({"max_teams": "lots"}, "max_teams")],
)  # fmt: skip
async def test_invalid_challenge_is_a_422(client, event, changes, field):
    await Challenge.create(event=event, slug="cooler-streets", title="Before")
    await sign_in(client, "orga@example.org")

    response = await post_form(
        client, "/events/datacity/manage/challenges/cooler-streets/edit", challenge_form(**changes)
    )

    assert response.status_code == 422
    assert f'id="f-{field}-error"' in response.text
    assert (await Challenge.get(event=event)).title == "Before"


async def test_draft_challenge_is_404_to_the_public_and_listed_only_when_published(
    client, event, make_client
):
    await Challenge.create(event=event, slug="draft-one", title="Draft challenge")
    await Challenge.create(event=event, slug="live", title="Live challenge", status=ChallengeStatus.PUBLISHED)
    await Challenge.create(event=event, slug="idea", title="Proposed idea", status=ChallengeStatus.PROPOSED)
    visitor = make_client()

    event_page = await visitor.get("/events/datacity")

    assert "Live challenge" in event_page.text
    assert "Draft challenge" not in event_page.text and "Proposed idea" not in event_page.text
    assert (await visitor.get("/events/datacity/challenges/live")).status_code == 200
    assert (await visitor.get("/events/datacity/challenges/draft-one")).status_code == 404
    assert (await visitor.get("/events/datacity/challenges/idea")).status_code == 404
    await sign_in(client, "orga@example.org")
    assert (await client.get("/events/datacity/challenges/draft-one")).status_code == 200


async def test_challenge_owner_edits_their_challenge_only(client, event):
    mine = await Challenge.create(event=event, slug="mine", title="Mine")
    theirs = await Challenge.create(event=event, slug="theirs", title="Theirs")
    await owner_of(mine, "owner@example.org")
    await sign_in(client, "owner@example.org")

    own_page = await client.get("/events/datacity/manage/challenges/mine/edit")
    saved = await post_form(
        client,
        "/events/datacity/manage/challenges/mine/edit",
        challenge_form(title="Mine, better", slug="renamed", status="published", max_teams="1"),
    )

    assert own_page.status_code == 200
    assert 'name="slug"' not in own_page.text and 'name="status"' not in own_page.text
    assert saved.status_code == 303
    assert saved.headers["location"] == "/events/datacity/manage/challenges/mine/edit"
    updated = await Challenge.get(id=mine.id)
    # Slug, status and team limit are not offered to an owner: posted anyway, they are ignored.
    assert (updated.title, updated.slug, updated.status, updated.max_teams) == (
        "Mine, better",
        "mine",
        ChallengeStatus.DRAFT,
        None,
    )
    other = await post_form(client, "/events/datacity/manage/challenges/theirs/edit", challenge_form())
    assert other.status_code == 403
    assert (await client.get("/events/datacity/manage/challenges/theirs/edit")).status_code == 403
    assert (await Challenge.get(id=theirs.id)).title == "Theirs"
    for page in ("", "/edit", "/rounds", "/challenges", "/people"):
        assert (await client.get(f"/events/datacity/manage{page}")).status_code == 403, page
    status = await post_form(
        client, "/events/datacity/manage/challenges/mine/status", {"status": "published"}
    )
    assert status.status_code == 403
    assert (await Challenge.get(id=mine.id)).status == ChallengeStatus.DRAFT


async def test_organiser_adds_an_owner_by_email_and_invites_an_unknown_one(
    client, event, make_client, outbox
):
    challenge = await Challenge.create(event=event, slug="mine", title="Mine")
    await make_user("known@example.org")
    await sign_in(client, "orga@example.org")

    known = await post_form(
        client, "/events/datacity/manage/challenges/mine/owners", {"owner_email": "known@example.org"}
    )
    unknown = await post_form(
        client, "/events/datacity/manage/challenges/mine/owners", {"owner_email": "sponsor@example.org"}
    )

    assert (known.status_code, unknown.status_code) == (303, 303)
    assert await ChallengeOwner.exists(challenge=challenge, user__email="known@example.org")
    assert await EventRole.exists(event=event, user__email="known@example.org", role=Role.CHALLENGE_OWNER)
    invitation = await Invitation.get(email="sponsor@example.org")
    assert (invitation.role, invitation.challenge_id) == (Role.CHALLENGE_OWNER, challenge.id)
    mailbox = await outbox()
    link = mailbox.link_in(mailbox.last_to("sponsor@example.org"), "/invitations/")
    sponsor = make_client()
    await make_user("sponsor.other@example.org")
    await sign_in(sponsor, "sponsor.other@example.org")
    accepted = await post_form(sponsor, link, page=link)
    assert accepted.headers["location"] == "/events/datacity/manage/challenges/mine/edit"
    assert (await sponsor.get("/events/datacity/manage/challenges/mine/edit")).status_code == 200

    owner_id = (await ChallengeOwner.get(challenge=challenge, user__email="known@example.org")).user_id
    removed = await post_form(
        client, "/events/datacity/manage/challenges/mine/owners/remove", {"user_id": str(owner_id)}
    )
    assert removed.status_code == 303
    assert not await ChallengeOwner.exists(challenge=challenge, user_id=owner_id)
    assert not await EventRole.exists(event=event, user_id=owner_id, role=Role.CHALLENGE_OWNER)


async def test_bad_owner_email_is_a_422(client, event):
    await Challenge.create(event=event, slug="mine", title="Mine")
    await sign_in(client, "orga@example.org")

    response = await post_form(
        client, "/events/datacity/manage/challenges/mine/owners", {"owner_email": "nope"}
    )

    assert response.status_code == 422
    assert 'id="f-owner_email-error"' in response.text


async def test_owner_invitations_past_the_rate_limit_answer_429_on_the_challenge_page(client, event):
    await Challenge.create(event=event, slug="mine", title="Mine")
    for _n in range(throttle.INVITE_EMAIL.free):
        await throttle.hit(throttle.INVITE_EMAIL, throttle.email_digest("sponsor@example.org"))
    await sign_in(client, "orga@example.org")

    response = await post_form(
        client, "/events/datacity/manage/challenges/mine/owners", {"owner_email": "Sponsor@example.org"}
    )

    assert response.status_code == 429
    assert response.headers["retry-after"].isdigit()
    assert "This address received several invitations recently. Try again in 10 minutes." in html.unescape(
        response.text
    )
    assert 'value="Sponsor@example.org"' in response.text  # what was typed is kept
    assert await Invitation.filter(email="sponsor@example.org").count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_participant_proposes_and_organiser_approves(client, event, make_client):
    event.allow_challenge_proposals = True
    await event.save()
    participant = make_client()
    await make_user("team@example.org")
    await sign_in(participant, "team@example.org")

    proposed = await post_form(
        participant,
        "/events/datacity/challenges/propose",
        {"title": "Quiet streets", "statement": "Noise maps", "status": "published"},
    )

    assert proposed.status_code == 303
    challenge = await Challenge.get(event=event).select_related("proposed_by")
    assert (challenge.status, challenge.proposed_by.email) == (ChallengeStatus.PROPOSED, "team@example.org")
    await sign_in(client, "orga@example.org")
    listing = await client.get("/events/datacity/manage/challenges")
    assert "Proposals waiting for a decision" in listing.text

    approved = await post_form(
        client, "/events/datacity/manage/challenges/quiet-streets/status", {"status": "draft"}
    )

    assert approved.status_code == 303
    assert (await Challenge.get(id=challenge.id)).status == ChallengeStatus.DRAFT


async def test_organiser_rejects_a_proposal(client, event):
    challenge = await Challenge.create(
        event=event, slug="idea", title="Idea", status=ChallengeStatus.PROPOSED
    )
    await sign_in(client, "orga@example.org")

    await post_form(client, "/events/datacity/manage/challenges/idea/status", {"status": "rejected"})
    published = await post_form(
        client, "/events/datacity/manage/challenges/idea/status", {"status": "published"}
    )

    assert published.status_code == 303
    assert (await Challenge.get(id=challenge.id)).status == ChallengeStatus.REJECTED


async def test_proposals_are_refused_when_the_event_does_not_take_them(client, event):
    await make_user("team@example.org")
    await sign_in(client, "team@example.org")

    page = await client.get("/events/datacity/challenges/propose")
    response = await post_form(
        client, "/events/datacity/challenges/propose", {"title": "Idea", "statement": "Text"}
    )

    assert page.status_code == 200
    assert "This event does not take challenge proposals." in page.text
    assert response.status_code == 422
    assert await Challenge.all().count() == 0


async def test_proposal_needs_a_sign_in(client, event):
    response = await client.get("/events/datacity/challenges/propose")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


async def test_dashboard_lists_what_needs_attention(client, event):
    challenge = await Challenge.create(event=event, slug="c", title="Bare challenge")
    await Dataset.create(event=event, title="Vanished", status=DatasetStatus.GONE, licence_spdx="etalab-2.0")
    await Dataset.create(event=event, title="Unlicensed")
    await sign_in(client, "orga@example.org")

    page = await client.get("/events/datacity/manage")

    assert page.status_code == 200
    assert "The challenge “Bare challenge” offers no dataset." in page.text
    assert "The dataset “Vanished” is gone at its source." in page.text
    assert "The dataset “Unlicensed” has no known licence." in page.text
    assert "No challenge is published yet." in page.text
    assert "2 datasets" in page.text and "1 challenge" in page.text
    assert challenge.id


async def test_organiser_of_another_event_cannot_touch_its_challenges(client, event):
    await Challenge.create(event=event, slug="mine", title="Mine")
    other_user = await make_user("other@example.org")
    other = await Event.create(slug="other", title="Other")
    await EventRole.create(event=other, user=other_user, role=Role.ORGANISER)
    await sign_in(client, "other@example.org")

    direct = await post_form(client, "/events/datacity/manage/challenges/mine/edit", challenge_form())
    through_own = await post_form(client, "/events/other/manage/challenges/mine/edit", challenge_form())

    assert (direct.status_code, through_own.status_code) == (403, 404)
    assert (await Challenge.get(slug="mine")).title == "Mine"
