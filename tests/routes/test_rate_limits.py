"""Rate limits beyond sign-in: password-reset links, sign-ups and invitations by email answer 429
with a page that says how long to wait, per client and per target address, and send nothing more."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import httpx

from events.domain import throttle
from events.models import (
    Event,
    EventRole,
    EventStatus,
    Invitation,
    OutboxMessage,
    Registration,
    Role,
    Round,
    User,
)
from tests.helpers import make_user, post_form, sign_in
from tests.jury_world import open_jury_world


def text_of(response: httpx.Response) -> str:
    return html.unescape(response.text)


async def forgot(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await post_form(client, "/password/forgot", {"email": email}, page="/password/forgot")


# --- password reset ------------------------------------------------------------------------------


async def test_reset_links_for_one_address_are_limited(client, make_client):
    await make_user("ana@example.org")
    for _ in range(throttle.RESET.free):
        assert (await forgot(client, "ana@example.org")).status_code == 303

    response = await forgot(make_client("192.0.2.10"), "ana@example.org")  # from anywhere

    assert response.status_code == 429
    assert response.headers["retry-after"] == "600"
    assert "Too many reset links were asked for. Try again in 10 minutes." in text_of(response)
    assert await OutboxMessage.filter(to="ana@example.org").count() == throttle.RESET.free
    assert (await forgot(client, "other@example.org")).status_code == 303


async def test_reset_requests_are_counted_for_unknown_addresses_too(client):
    for _ in range(throttle.RESET.free):
        await forgot(client, "nobody@example.org")

    response = await forgot(client, "nobody@example.org")

    assert response.status_code == 429  # the same answer as for an account: it tells nothing
    assert await OutboxMessage.all().count() == 0


async def test_reset_requests_from_one_client_are_limited(client, make_client):
    for n in range(throttle.RESET_CLIENT.free):
        assert (await forgot(client, f"person{n}@example.org")).status_code == 303

    response = await forgot(client, "one.more@example.org")

    assert response.status_code == 429
    assert "Try again in 1 minute." in text_of(response)
    assert (await forgot(make_client("192.0.2.10"), "one.more@example.org")).status_code == 303


async def test_reset_wait_is_said_in_french(make_client):
    browser = make_client()
    browser.headers["Accept-Language"] = "fr"
    for _ in range(throttle.RESET.free):
        await forgot(browser, "ana@example.org")

    response = await forgot(browser, "ana@example.org")

    assert response.status_code == 429
    assert "Trop de liens de réinitialisation demandés. Réessayez dans 10 minutes." in text_of(response)


# --- confirmation links --------------------------------------------------------------------------


async def resend(client: httpx.AsyncClient) -> httpx.Response:
    return await post_form(client, "/verify", page="/account")


async def unconfirmed(make_client, email: str, address: str = "203.0.113.7") -> httpx.AsyncClient:
    await make_user(email, email_verified_at=None)
    browser = make_client(address)
    await sign_in(browser, email)
    return browser


async def test_confirmation_links_for_one_address_are_limited(make_client):
    browser = await unconfirmed(make_client, "ana@example.org")
    for _ in range(3):
        assert (await resend(browser)).status_code == 303

    response = await resend(browser)

    assert response.status_code == 429
    assert response.headers["retry-after"] == "600"
    text = text_of(response)
    assert "Too many confirmation links were asked for. Try again in 10 minutes." in text
    assert "<h1>My account</h1>" in text  # the account page again, not a dead end
    assert await OutboxMessage.filter(to="ana@example.org").count() == 3
    elsewhere = make_client("192.0.2.10")  # the same address from another connection: still limited
    await sign_in(elsewhere, "ana@example.org")
    assert (await resend(elsewhere)).status_code == 429
    assert await OutboxMessage.filter(to="ana@example.org").count() == 3


async def test_confirmation_links_from_one_client_are_limited(make_client):
    for _ in range(throttle.VERIFY_CLIENT.free):
        await throttle.hit(throttle.VERIFY_CLIENT, "203.0.113.7")
    browser = await unconfirmed(make_client, "ana@example.org")

    response = await resend(browser)

    assert response.status_code == 429
    assert "Too many confirmation links were asked for. Try again in 1 minute." in text_of(response)
    assert await OutboxMessage.all().count() == 0
    assert (await resend(await unconfirmed(make_client, "bob@example.org", "192.0.2.10"))).status_code == 303
    assert await OutboxMessage.filter(to="bob@example.org").count() == 1


async def test_confirmation_wait_is_said_in_french(make_client):
    await make_user("ana@example.org", email_verified_at=None, language="fr")
    browser = make_client()
    await sign_in(browser, "ana@example.org")
    for _ in range(3):
        await resend(browser)

    response = await resend(browser)

    assert response.status_code == 429
    assert "Trop de liens de confirmation demandés. Réessayez dans 10 minutes." in text_of(response)


# --- sign-up -------------------------------------------------------------------------------------


async def test_sign_ups_from_one_client_are_limited(client, make_client):
    for _ in range(throttle.SIGNUP_CLIENT.free):
        await throttle.hit(throttle.SIGNUP_CLIENT, "203.0.113.7")
    form = {
        "name": "Ana",
        "email": "ana@example.org",
        "password": "a long enough passphrase",
        "accept_terms": "on",
    }

    response = await post_form(client, "/signup", form, page="/signup")

    assert response.status_code == 429
    text = text_of(response)
    assert "Too many accounts were created from your connection. Try again in 1 minute." in text
    assert 'value="ana@example.org"' in text  # nothing typed is lost but the password
    assert "a long enough passphrase" not in text
    assert await User.all().count() == 0
    assert await OutboxMessage.all().count() == 0
    elsewhere = await post_form(make_client("192.0.2.10"), "/signup", form, page="/signup")
    assert elsewhere.status_code == 303
    assert await User.filter(email="ana@example.org").count() == 1


async def test_a_sign_up_form_with_mistakes_is_not_counted(client):
    for _ in range(throttle.SIGNUP_CLIENT.free + 1):
        response = await post_form(
            client, "/signup", {"name": "Ana", "email": "ana@example.org"}, page="/signup"
        )
        assert response.status_code == 422

    assert await throttle.Throttle.filter(rule="signup-client").count() == 0


# --- invitations ---------------------------------------------------------------------------------


async def organiser_of(slug: str, email: str) -> Event:
    user = await make_user(email)
    event = await Event.create(slug=slug, title=slug.title(), status=EventStatus.PUBLISHED)
    await EventRole.create(event=event, user=user, role=Role.ORGANISER)
    return event


async def invite(client: httpx.AsyncClient, slug: str, email: str, role: str = "juror") -> httpx.Response:
    return await post_form(
        client,
        f"/events/{slug}/manage/people",
        {"email": email, "role": role},
        page=f"/events/{slug}/manage/people",
    )


async def test_invitations_to_one_address_are_limited_across_events(client, make_client):
    await organiser_of("datacity", "orga@example.org")
    await organiser_of("other", "other@example.org")
    await sign_in(client, "orga@example.org")
    for role in ("juror", "organiser", "mentor"):
        assert (await invite(client, "datacity", "new@example.org", role)).status_code == 303
    elsewhere = make_client("192.0.2.10")
    await sign_in(elsewhere, "other@example.org")

    response = await invite(elsewhere, "other", "new@example.org")

    assert response.status_code == 429
    assert "This address received several invitations recently. Try again in 10 minutes." in text_of(response)
    assert 'value="new@example.org"' in text_of(response)
    assert await OutboxMessage.filter(to="new@example.org").count() == 3
    assert await Invitation.filter(event__slug="other").count() == 0


async def test_one_organiser_sending_many_invitations_is_limited(client):
    event = await organiser_of("datacity", "orga@example.org")
    organiser = await User.get(email="orga@example.org")
    for _ in range(throttle.INVITE.free):
        await throttle.hit(throttle.INVITE, str(organiser.id))
    await sign_in(client, "orga@example.org")

    response = await invite(client, "datacity", "new@example.org")

    assert response.status_code == 429
    assert "You sent many invitations in a short time. Try again in 1 minute." in text_of(response)
    assert await Invitation.filter(event=event).count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_granting_a_role_to_an_existing_account_mails_nothing_and_is_not_counted(client):
    await organiser_of("datacity", "orga@example.org")
    await make_user("known@example.org")
    await sign_in(client, "orga@example.org")

    for role in ("juror", "organiser", "mentor", "juror"):
        assert (await invite(client, "datacity", "known@example.org", role)).status_code == 303

    assert await throttle.Throttle.filter(rule__in=["invite", "invite-email"]).count() == 0


async def test_team_invitations_to_one_address_are_limited(client):
    now = datetime.now(UTC)
    event = await Event.create(
        slug="hack",
        title="Hack",
        status=EventStatus.PUBLISHED,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=10),
    )
    await Round.create(event=event, position=1, name="Hackathon", team_min=1, team_max=3)
    user = await make_user("captain@example.org")
    await Registration.create(event=event, user=user, rules_accepted_at=now)
    await sign_in(client, "captain@example.org")
    created = await post_form(
        client, "/events/hack/team/create", {"name": "Les Bus"}, page="/events/hack/team"
    )
    assert created.status_code == 303
    for _ in range(throttle.INVITE_EMAIL.free):
        sent = await post_form(
            client, "/events/hack/team/invite", {"email": "friend@example.org"}, page="/events/hack/team"
        )
        assert sent.status_code == 303

    response = await post_form(
        client, "/events/hack/team/invite", {"email": "friend@example.org"}, page="/events/hack/team"
    )

    assert response.status_code == 429
    assert "This address received several invitations recently. Try again in 10 minutes." in text_of(response)
    assert await OutboxMessage.filter(to="friend@example.org").count() == throttle.INVITE_EMAIL.free


async def test_juror_invitations_answer_429_on_the_session_page(client):
    world = await open_jury_world(organiser=("orga@example.org", "Orga"))
    await sign_in(client, "orga@example.org")
    page = f"/events/{world.event.slug}/manage/juries/{world.session.id}"
    for _n in range(throttle.INVITE_EMAIL.free):
        await throttle.hit(throttle.INVITE_EMAIL, throttle.email_digest("new.juror@example.org"))

    response = await post_form(client, page + "/jurors", {"email": "New.Juror@example.org"}, page=page)

    assert response.status_code == 429
    assert "This address received several invitations recently. Try again in 10 minutes." in text_of(response)
    assert await Invitation.filter(email="new.juror@example.org").count() == 0
    assert await OutboxMessage.all().count() == 0
