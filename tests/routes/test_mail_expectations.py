"""The mail people expect, delivered through the outbox and a real SMTP server: a captain on a join
request, a juror when seated and when their session opens, the organisers on a challenge proposal, a
team on its selection decision. Each is written in the RECIPIENT's language (their profile's, or the
instance's default for an address without an account), never in the language of the person whose
action sent it, and its links are built from BASE_URL."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import httpx
import pytest

from events.app import create_app
from events.models import (
    Challenge,
    ChallengeStatus,
    Entry,
    EntryStatus,
    EventRole,
    Invitation,
    JurySession,
    JurySessionJuror,
    Registration,
    Role,
    SessionStatus,
    User,
)
from tests.conftest import BASE_URL
from tests.entry_world import EntryWorld, make_entry_world, make_user, signed_in
from tests.helpers import post_form, sign_in
from tests.jury_world import open_jury_world

NBSP = "\u00a0"


def body_of(message: EmailMessage) -> str:
    """The plain-text body with the line ends it was written with (SMTP carries CRLF)."""
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


async def _set_language(user: User, language: str) -> None:
    user.language = language
    await User.filter(id=user.id).update(language=language)


def _other(language: str) -> str:
    return "fr" if language == "en" else "en"


# --- a captain, on a join request --------------------------------------------------------------------


@pytest.mark.parametrize("captain_language", ["en", "fr"])
async def test_the_captain_is_mailed_a_join_request_in_the_captains_language(
    db, make_client, outbox, captain_language
):
    world = await make_entry_world()
    await _set_language(world.alice, captain_language)  # Alice captains "Les Bus"
    asker = await make_user("zoe@example.org", name="Zoé", language=_other(captain_language))
    await Registration.create(event=world.event, user=asker, rules_accepted_at=datetime.now(UTC))
    browser = await signed_in(make_client, asker)

    asked = await post_form(
        browser,
        f"/events/{world.event.slug}/team/ask",
        {"team": str(world.team_a.id), "message": "I map bus stops."},
        page=f"/events/{world.event.slug}/team",
    )

    assert asked.status_code == 303
    smtp = await outbox()
    assert [m["To"] for m in smtp.messages] == ["alice@example.org"]
    mail = smtp.messages[0]
    body = body_of(mail)
    if captain_language == "en":
        assert mail["Subject"] == "Zoé asks to join your team Les Bus"
        assert body == (
            "Hello Alice,\n\nZoé asks to join your team “Les Bus” in DataCity Lyon.\n\n"
            "Their message:\n\nI map bus stops.\n\n"
            f"Accept or refuse on your team's page:\n\n{BASE_URL}/events/datacity/team\n"
        )
    else:
        assert mail["Subject"] == "Zoé demande à rejoindre votre équipe Les Bus"
        assert body == (
            f"Bonjour Alice,\n\nZoé demande à rejoindre votre équipe «{NBSP}Les Bus{NBSP}» "
            "dans DataCity Lyon.\n\n"
            f"Son message{NBSP}:\n\nI map bus stops.\n\n"
            f"Acceptez ou refusez sur la page de votre équipe{NBSP}:\n\n{BASE_URL}/events/datacity/team\n"
        )
    assert smtp.link_in(mail, "/events/") == "/events/datacity/team"


async def test_only_the_captain_is_mailed_and_a_request_asked_again_mails_again(db, make_client, outbox):
    world = await make_entry_world()
    asker = await make_user("zoe@example.org", name="Zoé")
    await Registration.create(event=world.event, user=asker, rules_accepted_at=datetime.now(UTC))
    browser = await signed_in(make_client, asker)
    captain = await signed_in(make_client, world.alice)
    ask = {"team": str(world.team_a.id)}
    page = f"/events/{world.event.slug}/team"

    await post_form(browser, f"/events/{world.event.slug}/team/ask", ask, page=page)
    request_id = str((await asker.join_requests.all())[0].id)
    refused = await post_form(
        captain,
        f"/events/{world.event.slug}/team/requests",
        {"request": request_id, "decision": "refuse"},
        page=page,
    )
    assert refused.status_code == 303
    await post_form(browser, f"/events/{world.event.slug}/team/ask", ask, page=page)

    smtp = await outbox()
    assert [m["To"] for m in smtp.messages] == ["alice@example.org", "alice@example.org"]
    assert "Their message:" not in body_of(smtp.messages[0])  # none was written


# --- a juror, when seated and when the session opens -----------------------------------------------


@pytest.mark.parametrize("juror_language", ["en", "fr"])
async def test_a_juror_seated_by_an_organiser_is_mailed_in_the_jurors_language(
    db, make_client, outbox, juror_language
):
    world = await open_jury_world(organiser=("orga@example.org", "Olga"), open_session=False)
    organiser = await User.get(email="orga@example.org")
    await _set_language(organiser, _other(juror_language))
    await make_user("jeanne@example.org", name="Jeanne", language=juror_language)
    browser = await signed_in(make_client, organiser)
    session_url = f"/events/datacity/manage/juries/{world.session.id}"

    seated = await post_form(
        browser, f"{session_url}/jurors", {"email": "jeanne@example.org"}, page=session_url
    )
    again = await post_form(
        browser, f"{session_url}/jurors", {"email": "jeanne@example.org"}, page=session_url
    )

    assert (seated.status_code, again.status_code) == (303, 303)
    assert (
        await JurySessionJuror.filter(session_id=world.session.id, user__email="jeanne@example.org").count()
        == 1
    )
    smtp = await outbox()
    assert [m["To"] for m in smtp.messages] == ["jeanne@example.org"]  # seated once, mailed once
    mail = smtp.messages[0]
    body = body_of(mail)
    link = f"{BASE_URL}/events/datacity/jury/{world.session.id}"
    if juror_language == "en":
        assert mail["Subject"] == "You are on the jury Final jury of DataCity"
        assert body.startswith(
            "Hello Jeanne,\n\nOlga seated you on the jury “Final jury” of DataCity. Scoring opens on "
        )
        assert body.endswith(
            "\n\nOn your jury page, accept the seat and name the teams you know (conflicts of interest):"
            f"\n\n{link}\n"
        )
    else:
        assert mail["Subject"] == "Vous faites partie du jury Final jury de DataCity"
        assert body.startswith(
            "Bonjour Jeanne,\n\nOlga vous a donné une place dans le jury "
            f"«{NBSP}Final jury{NBSP}» de DataCity. "
            "La notation commence le "
        )
        assert body.endswith(f"(conflits d’intérêts){NBSP}:\n\n{link}\n")
    assert smtp.link_in(mail, "/events/") == f"/events/datacity/jury/{world.session.id}"


async def test_jurors_are_mailed_when_their_session_opens_each_in_their_language(db, make_client, outbox):
    world = await open_jury_world(
        organiser=("orga@example.org", "Olga"), open_session=False, jurors=2, teams=3
    )
    await _set_language(world.jurors[1], "fr")
    organiser = await User.get(email="orga@example.org")
    await _set_language(organiser, "fr")
    browser = await signed_in(make_client, organiser)
    session_url = f"/events/datacity/manage/juries/{world.session.id}"

    opened = await post_form(browser, f"{session_url}/status", {"status": "open"}, page=session_url)

    assert opened.status_code == 303
    session = await JurySession.get(id=world.session.id)
    assert session.status == SessionStatus.OPEN
    smtp = await outbox()
    mails = {m["To"]: m for m in smtp.messages}
    assert sorted(mails) == ["juror0@example.org", "juror1@example.org"]
    link = f"{BASE_URL}/events/datacity/jury/{world.session.id}"
    english, french = mails["juror0@example.org"], mails["juror1@example.org"]
    assert english["Subject"] == "The jury Final jury of DataCity is open"
    assert body_of(english).startswith(
        "Hello Juror 0,\n\nThe jury “Final jury” of DataCity is open. 3 entries are yours to score. "
        "Scoring closes on "
    )
    assert body_of(english).endswith(f"\n\nYour jury page:\n\n{link}\n")
    assert french["Subject"] == "Le jury Final jury de DataCity est ouvert"
    assert body_of(french).startswith(
        f"Bonjour Juror 1,\n\nLe jury «{NBSP}Final jury{NBSP}» de DataCity est ouvert. "
        "3 projets vous sont attribués. La notation se termine le "
    )
    assert body_of(french).endswith(f"\n\nVotre page de juré{NBSP}:\n\n{link}\n")


async def test_a_juror_without_a_seat_is_not_mailed_when_a_session_opens(db, make_client, outbox):
    world = await open_jury_world(organiser=("orga@example.org", "Olga"), open_session=False, jurors=1)
    await make_user("elsewhere@example.org", name="Elsewhere")
    await EventRole.create(
        event=world.event, user=await User.get(email="elsewhere@example.org"), role=Role.JUROR
    )
    browser = await signed_in(make_client, await User.get(email="orga@example.org"))
    session_url = f"/events/datacity/manage/juries/{world.session.id}"

    await post_form(browser, f"{session_url}/status", {"status": "open"}, page=session_url)

    assert [m["To"] for m in (await outbox()).messages] == ["juror0@example.org"]


# --- the organisers, on a challenge proposal ----------------------------------------------------------


async def test_the_organisers_are_mailed_a_challenge_proposal_each_in_their_language(db, make_client, outbox):
    world = await make_entry_world()
    world.event.allow_challenge_proposals = True
    await world.event.save()
    await _set_language(world.olga, "fr")
    await EventRole.create(
        event=world.event, user=await make_user("oscar@example.org", name="Oscar"), role=Role.ORGANISER
    )
    proposer = await signed_in(make_client, world.bob)  # Bob reads English

    proposed = await post_form(
        proposer,
        f"/events/{world.event.slug}/challenges/propose",
        {"title": "Quiet streets", "sponsors": "", "statement": "Map the noise."},
        page=f"/events/{world.event.slug}/challenges/propose",
    )

    assert proposed.status_code == 303
    assert await Challenge.filter(title="Quiet streets", status=ChallengeStatus.PROPOSED).count() == 1
    smtp = await outbox()
    mails = {m["To"]: m for m in smtp.messages}
    assert sorted(mails) == ["olga@example.org", "oscar@example.org"]
    link = f"{BASE_URL}/events/datacity/manage/challenges"
    assert mails["oscar@example.org"]["Subject"] == "New challenge proposal in DataCity Lyon: Quiet streets"
    assert body_of(mails["oscar@example.org"]) == (
        "Hello Oscar,\n\nBob proposes the challenge “Quiet streets” in DataCity Lyon.\n\n"
        f"Approve it as a draft to complete, or reject it, on the challenges page:\n\n{link}\n"
    )
    assert (
        mails["olga@example.org"]["Subject"]
        == f"Nouvelle proposition de défi dans DataCity Lyon{NBSP}: Quiet streets"
    )
    assert body_of(mails["olga@example.org"]) == (
        f"Bonjour Olga,\n\nBob propose le défi «{NBSP}Quiet streets{NBSP}» dans DataCity Lyon.\n\n"
        f"Acceptez-le comme brouillon à compléter, ou refusez-le, sur la page des défis{NBSP}:\n\n{link}\n"
    )


# --- a team, on its selection decision ---------------------------------------------------------------


async def _submitted_entry(world: EntryWorld) -> Entry:
    return await Entry.create(
        event=world.event,
        team=world.team_a,
        round=world.stage,
        challenge=world.challenge,
        title="Bus à l'heure",
        status=EntryStatus.SUBMITTED,
        submitted_at=datetime.now(UTC),
    )


async def test_the_team_is_mailed_its_decision_with_a_link_in_each_members_language(db, make_client, outbox):
    world = await make_entry_world()  # Alice reads English, Arthur French
    entry = await _submitted_entry(world)
    await _set_language(world.olga, "fr")
    organiser = await signed_in(make_client, world.olga)

    decided = await post_form(
        organiser,
        f"/events/datacity/manage/entries/{entry.id}/selection",
        {"selection": "selected", "message": "Bravo.", "notify": "on"},
        page="/events/datacity/manage/entries",
    )

    assert decided.status_code == 303
    smtp = await outbox()
    mails = {m["To"]: m for m in smtp.messages}
    assert sorted(mails) == ["alice@example.org", "arthur@example.org"]
    link = f"{BASE_URL}/events/datacity/team/entries"
    assert mails["alice@example.org"]["Subject"] == "DataCity Lyon: the decision on your entry"
    assert body_of(mails["alice@example.org"]) == (
        "Hello,\n\nThe organisers of DataCity Lyon decided on your entry “Bus à l'heure” "
        "(round Prototype, challenge Mobility).\n\nYour team is selected.\n\n"
        f"Message from the organisers:\n\nBravo.\n\nYour team's entries:\n\n{link}\n"
    )
    assert mails["arthur@example.org"]["Subject"] == "DataCity Lyon\u00a0: la décision sur votre projet"
    french = body_of(mails["arthur@example.org"])
    assert french.startswith("Bonjour,\n\nLes organisateurs de DataCity Lyon ont pris leur décision")
    assert french.endswith(f"Bravo.\n\nLes projets de votre équipe{NBSP}:\n\n{link}\n")


# --- mails that existed already, now in the recipient's language --------------------------------------


async def test_a_password_reset_is_mailed_in_the_accounts_language_not_the_browsers(client, outbox):
    await make_user("arthur@example.org", name="Arthur", language="fr")
    client.headers["Accept-Language"] = "en"

    asked = await post_form(
        client, "/password/forgot", {"email": "arthur@example.org"}, page="/password/forgot"
    )

    assert asked.status_code == 303
    mail = (await outbox()).last_to("arthur@example.org")
    assert mail["Subject"] == "Réinitialisez votre mot de passe hackcity"
    assert body_of(mail).startswith("Bonjour Arthur,")


async def test_an_invitation_to_an_unknown_address_is_in_the_instance_language(db, make_client, outbox):
    world = await make_entry_world()
    await _set_language(world.olga, "fr")  # the organiser reads French; the instance default is English
    organiser = await signed_in(make_client, world.olga)

    invited = await post_form(
        organiser,
        "/events/datacity/manage/people",
        {"email": "newcomer@example.org", "role": "mentor"},
        page="/events/datacity/manage/people",
    )

    assert invited.status_code == 303
    assert await Invitation.filter(email="newcomer@example.org").count() == 1
    mail = (await outbox()).last_to("newcomer@example.org")
    assert mail["Subject"] == "You are invited to DataCity Lyon on hackcity"
    assert body_of(mail).startswith("Hello,\n\nOlga invites you to join DataCity Lyon as Mentor.")


async def test_the_instance_language_is_the_setting_not_a_constant(settings, db, outbox):
    world = await make_entry_world()  # Olga reads English
    french_app = create_app(settings.with_overrides(default_language="fr"), manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=french_app), base_url=BASE_URL) as browser:
        await sign_in(browser, world.olga.email)
        invited = await post_form(
            browser,
            "/events/datacity/manage/people",
            {"email": "newcomer@example.org", "role": "mentor"},
            page="/events/datacity/manage/people",
        )

    assert invited.status_code == 303
    mail = (await outbox()).last_to("newcomer@example.org")
    assert mail["Subject"] == "Invitation à DataCity Lyon sur hackcity"


async def test_a_team_invitation_to_an_existing_account_is_in_that_accounts_language(db, make_client, outbox):
    world = await make_entry_world()  # Alice reads English
    await make_user("camille@example.org", name="Camille", language="fr")
    member = await signed_in(make_client, world.alice)

    sent = await post_form(
        member, "/events/datacity/team/invite", {"email": "camille@example.org"}, page="/events/datacity/team"
    )

    assert sent.status_code == 303
    mail = (await outbox()).last_to("camille@example.org")
    assert mail["Subject"] == "Alice vous invite dans l’équipe Les Bus"
    assert smtp_link(mail).startswith(f"{BASE_URL}/join/")


def smtp_link(mail: EmailMessage) -> str:
    return next(line for line in body_of(mail).splitlines() if line.startswith(BASE_URL))
