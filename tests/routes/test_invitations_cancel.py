"""An organiser cancels an invitation that waits for an answer: its mailed link stops working."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events import i18n
from events.domain import invitations
from events.domain.errors import FormErrors
from events.models import Event, EventRole, EventStatus, Invitation, Role, User
from tests.helpers import csrf_from, make_user, post_form, sign_in


async def organiser_of(slug: str, email: str) -> Event:
    user = await make_user(email)
    event = await Event.create(slug=slug, title=slug.replace("-", " ").title(), status=EventStatus.PUBLISHED)
    await EventRole.create(event=event, user=user, role=Role.ORGANISER)
    return event


async def invite_by_mail(client, outbox, slug: str, email: str, role: str = "mentor") -> str:
    """Invite an address with no account from the people page; the link the mail carries."""
    response = await post_form(client, f"/events/{slug}/manage/people", {"email": email, "role": role})
    assert response.status_code == 303
    mailbox = await outbox()
    return mailbox.link_in(mailbox.last_to(email), "/invitations/")


def cancel_url(slug: str, invitation: Invitation) -> str:
    return f"/events/{slug}/manage/invitations/{invitation.id}/cancel"


async def test_people_page_offers_a_cancel_button_for_each_pending_invitation(client, outbox):
    await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")
    await invite_by_mail(client, outbox, "datacity", "first@example.org")
    await invite_by_mail(client, outbox, "datacity", "second@example.org")
    first = await Invitation.get(email="first@example.org")

    page = await client.get("/events/datacity/manage/people")

    assert page.status_code == 200
    assert f'action="{cancel_url("datacity", first)}"' in page.text
    assert "Cancel the invitation of first@example.org" in page.text
    assert page.text.count("/cancel") == await Invitation.all().count()


async def test_organiser_cancels_an_invitation_and_its_link_stops_working(client, make_client, outbox):
    event = await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")
    link = await invite_by_mail(client, outbox, "datacity", "new.person@example.org", role="organiser")
    other_link = await invite_by_mail(client, outbox, "datacity", "other@example.org")
    invitation = await Invitation.get(email="new.person@example.org")

    response = await post_form(
        client, cancel_url("datacity", invitation), page="/events/datacity/manage/people"
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/events/datacity/manage/people"
    assert not await Invitation.exists(id=invitation.id)
    assert await Invitation.filter(event=event, email="other@example.org").count() == 1
    page = await client.get("/events/datacity/manage/people")
    assert "The invitation is cancelled: its link no longer works." in page.text
    assert "new.person@example.org" not in page.text
    assert "other@example.org" in page.text
    # Whoever holds the mailed link gets the page of an invalid or expired invitation, and no role.
    newcomer = make_client()
    await make_user("someone@example.org")
    await sign_in(newcomer, "someone@example.org")
    shown = await newcomer.get(link)
    assert shown.status_code == 404
    assert "This invitation link is not valid" in shown.text
    accepted = await post_form(newcomer, link)
    assert accepted.status_code == 404
    assert "This invitation link is not valid" in accepted.text
    assert not await EventRole.exists(event=event, user__email="someone@example.org")
    # The other invitation still works.
    assert (await newcomer.get(other_link)).status_code == 200


async def test_an_accepted_invitation_cannot_be_cancelled(client, make_client, outbox):
    event = await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")
    link = await invite_by_mail(client, outbox, "datacity", "new.person@example.org")
    invitation = await Invitation.get(email="new.person@example.org")
    newcomer = make_client()
    await make_user("new.person.account@example.org")
    await sign_in(newcomer, "new.person.account@example.org")
    assert (await post_form(newcomer, link, page=link)).status_code == 303

    response = await post_form(
        client, cancel_url("datacity", invitation), page="/events/datacity/manage/people"
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/events/datacity/manage/people"
    saved = await Invitation.get(id=invitation.id)
    assert saved.accepted_at is not None
    assert await EventRole.exists(event=event, user__email="new.person.account@example.org", role=Role.MENTOR)
    page = await client.get("/events/datacity/manage/people")
    assert (
        "This invitation was already accepted: remove the role from the list of people instead." in page.text
    )


async def test_an_invitation_of_another_event_is_404_and_stays(client, make_client, outbox):
    await organiser_of("datacity", "orga@example.org")
    theirs = await organiser_of("other-city", "other.orga@example.org")
    other_organiser = make_client()
    await sign_in(other_organiser, "other.orga@example.org")
    await invite_by_mail(other_organiser, outbox, "other-city", "theirs@example.org")
    invitation = await Invitation.get(email="theirs@example.org")
    await sign_in(client, "orga@example.org")

    # Their invitation id under my event: 404, not found in my event.
    through_mine = await post_form(
        client, cancel_url("datacity", invitation), page="/events/datacity/manage/people"
    )
    # Their event's URL: I am not its organiser.
    through_theirs = await post_form(
        client, cancel_url("other-city", invitation), page="/events/datacity/manage/people"
    )

    assert through_mine.status_code == 404
    assert through_theirs.status_code == 403
    assert await Invitation.filter(id=invitation.id, event=theirs, accepted_at__isnull=True).count() == 1


async def test_unknown_or_malformed_ids_are_404(client):
    await organiser_of("datacity", "orga@example.org")
    await sign_in(client, "orga@example.org")
    for invitation_id in ("999999", "abc", "99999999999999999999", "0", "-1"):
        response = await post_form(
            client,
            f"/events/datacity/manage/invitations/{invitation_id}/cancel",
            page="/events/datacity/manage/people",
        )
        assert response.status_code == 404, invitation_id


async def test_a_juror_or_an_anonymous_visitor_cannot_cancel(client, make_client):
    event = await organiser_of("datacity", "orga@example.org")
    juror = await make_user("juror@example.org")
    await EventRole.create(event=event, user=juror, role=Role.JUROR)
    invitation = await Invitation.create(
        event=event, email="invitee@example.org", role=Role.MENTOR, token_hash="a" * 64
    )
    await sign_in(client, "juror@example.org")

    as_juror = await post_form(client, cancel_url("datacity", invitation))
    anonymous = make_client()
    as_anonymous = await post_form(anonymous, cancel_url("datacity", invitation))

    assert as_juror.status_code == 403
    assert as_anonymous.status_code == 303  # sent to the login page
    assert await Invitation.exists(id=invitation.id)


async def test_cancelling_without_a_csrf_token_is_refused(client):
    event = await organiser_of("datacity", "orga@example.org")
    invitation = await Invitation.create(
        event=event, email="invitee@example.org", role=Role.MENTOR, token_hash="b" * 64
    )
    await sign_in(client, "orga@example.org")

    missing = await client.post(cancel_url("datacity", invitation), data={})
    wrong = await client.post(cancel_url("datacity", invitation), data={"csrf_token": "forged"})

    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert await Invitation.exists(id=invitation.id)
    # The page's own token works.
    assert await csrf_from(client, "/events/datacity/manage/people")


async def test_domain_cancel_is_scoped_to_the_event_and_refuses_an_accepted_invitation(db):
    event = await organiser_of("datacity", "orga@example.org")
    other = await organiser_of("other-city", "other.orga@example.org")
    pending = await Invitation.create(
        event=event, email="a@example.org", role=Role.JUROR, token_hash="c" * 64
    )
    accepted = await Invitation.create(
        event=event,
        email="b@example.org",
        role=Role.JUROR,
        token_hash="d" * 64,
        accepted_at=datetime.now(UTC),
    )

    assert await invitations.cancel_invitation(event=other, invitation_id=pending.id) is False
    assert await Invitation.exists(id=pending.id)
    i18n.set_language("en")  # domain messages follow the request's language; French by default
    with pytest.raises(FormErrors) as refused:
        await invitations.cancel_invitation(event=event, invitation_id=accepted.id)
    assert "already accepted" in refused.value.errors[None]
    assert await Invitation.exists(id=accepted.id)
    assert await invitations.cancel_invitation(event=event, invitation_id=pending.id) is True
    assert not await Invitation.exists(id=pending.id)
    assert [i.id for i in await invitations.pending_invitations(event)] == []


async def test_people_page_says_which_invitations_have_expired_and_pages_them(client):
    """An import can leave thousands of invitations unanswered: the page shows them a hundred at a
    time, newest first, and says which links no longer work (they last INVITATION_LIFETIME)."""
    event = await organiser_of("datacity", "orga@example.org")
    now = datetime.now(UTC)
    await Invitation.bulk_create(
        [
            Invitation(
                event=event,
                email=f"person{n:03}@example.org",
                role="participant",
                token_hash=f"{n:064x}",
                # two a day, back to more than the lifetime ago: the oldest have expired
                created_at=now - invitations.INVITATION_LIFETIME * (n / 100),
            )
            for n in range(150)
        ]
    )
    stale = await Invitation.filter(created_at__lte=now - invitations.INVITATION_LIFETIME).count()
    assert 0 < stale < 150
    await sign_in(client, "orga@example.org")

    first = await client.get("/events/datacity/manage/people")
    second = await client.get("/events/datacity/manage/people?page=2")

    assert first.status_code == second.status_code == 200
    assert "150 invitations waiting for an answer" in first.text
    assert f"({stale} have expired)" in first.text
    assert first.text.count("/cancel") == 100 and second.text.count("/cancel") == 50
    assert "person000@example.org" in first.text and "person000@example.org" not in second.text
    assert "person149@example.org" in second.text
    assert "valid until" in first.text and "expired on" not in first.text.split("person099")[0]
    assert second.text.count("expired on") == stale
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text

    await User.filter(email="orga@example.org").update(language="fr")
    french = await client.get("/events/datacity/manage/people?page=2")
    assert "150 invitations en attente de réponse (50 ont expiré)" in french.text
    assert "expirée le" in french.text
