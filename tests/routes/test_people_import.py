"""Importing people from a CSV file (/events/{slug}/manage/people/import), over HTTP: a valid file invites,
grants and mails in one go; a file with one wrong line writes nothing and reports every line in the
reader's language, its values escaped; semicolons, a BOM and Windows-1252, French column names and role
words; importing again changes nothing; "check only"; a participant's invitation accepted after
registering places them in their team; the team size, the allowed domains, the rate limit; who may import.
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from events.domain import throttle
from events.models import (
    Challenge,
    ChallengeOwner,
    ChallengeStatus,
    Event,
    EventRole,
    EventStatus,
    Invitation,
    OutboxMessage,
    Registration,
    Role,
    Round,
    Team,
    TeamMember,
)
from tests.helpers import csrf_from, make_user, post_form, sign_in

SLUG = "datacity"
PAGE = f"/events/{SLUG}/manage/people/import"
ORGANISER = "orga@example.org"


@pytest.fixture
async def event(db) -> Event:
    now = datetime.now(UTC)
    event = await Event.create(
        slug=SLUG,
        title="DataCity",
        status=EventStatus.PUBLISHED,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=10),
    )
    await Round.create(event=event, position=1, name="Hackathon", team_min=1, team_max=3)
    organiser = await make_user(ORGANISER, name="Olga Organiser")
    await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    await Challenge.create(
        event=event, slug="mobilite-douce", title="Mobilité douce", status=ChallengeStatus.PUBLISHED
    )
    await Challenge.create(event=event, slug="eau", title="L'eau en ville", status=ChallengeStatus.DRAFT)
    return event


@pytest.fixture
async def organiser(event, client) -> httpx.AsyncClient:
    await sign_in(client, ORGANISER)
    return client


async def upload(
    client: httpx.AsyncClient, content: bytes | str, *, name: str = "people.csv", check: bool = False
) -> httpx.Response:
    token = await csrf_from(client, PAGE)
    data = content.encode() if isinstance(content, str) else content
    query = f"?csrf_token={token}" + ("&check=1" if check else "")
    return await client.post(PAGE + query, files={"file": (name, data, "text/csv")})


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def report(response: httpx.Response) -> list[tuple[str, str, str, str]]:
    """The rows of the page's report table (line, column, value, problem), as the reader sees them."""
    table = re.search(r'<table class="table" id="report">(.*?)</table>', response.text, re.S)
    assert table, response.text
    rows = re.findall(r"<tr>\s*(.*?)\s*</tr>", table.group(1).split("<tbody>")[1], re.S)
    return [
        tuple(html.unescape(cell.strip()) for cell in re.findall(r"<td>(.*?)</td>", row, re.S))
        for row in rows
    ]


async def counts() -> tuple[int, int, int, int]:
    return (
        await Invitation.all().count(),
        await OutboxMessage.all().count(),
        await EventRole.all().count(),
        await Team.all().count(),
    )


async def flashed(client: httpx.AsyncClient, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    page = await client.get(response.headers["location"])
    return html.unescape(re.search(r'<p class="alert alert--success">(.*?)</p>', page.text, re.S).group(1))


VALID = (
    "email,name,role,team,challenge\r\n"
    "ada@example.org,Ada Lovelace,participant,Les Analystes,\r\n"
    "grace@example.org,Grace Hopper,participant,Les Analystes,\r\n"
    "linus@example.org,,participant,,\r\n"
    "juror@example.org,Jules Juror,juror,,\r\n"
    "newjuror@example.org,Nina,juror,,\r\n"
    "owner@example.org,Oscar,challenge owner,,mobilité douce\r\n"
    "\r\n"
    "mentor@example.org,Mia,mentor,,\r\n"
)


# --- a valid file --------------------------------------------------------------------------------------


async def test_a_valid_file_invites_grants_and_mails_in_one_go(event, organiser, outbox):
    juror = await make_user("juror@example.org", name="Jules")

    response = await upload(organiser, VALID)

    assert response.headers["location"] == f"/events/{SLUG}/manage/people"
    assert await flashed(organiser, response) == (
        "People imported: 6 invitations mailed, 1 role given at once to an existing account, "
        "0 lines skipped (already done)."
    )
    # the account had the role at once, as with the single form; the others have an invitation each
    assert await EventRole.filter(event=event, user=juror, role=Role.JUROR).count() == 1
    invited = {
        i.email: (str(i.role), i.name, i.team_name, i.challenge.slug if i.challenge else None)
        for i in await Invitation.filter(event=event).select_related("challenge", "invited_by")
    }
    assert invited == {
        "ada@example.org": ("participant", "Ada Lovelace", "Les Analystes", None),
        "grace@example.org": ("participant", "Grace Hopper", "Les Analystes", None),
        "linus@example.org": ("participant", "", "", None),
        "newjuror@example.org": ("juror", "Nina", "", None),
        "owner@example.org": ("challenge_owner", "Oscar", "", "mobilite-douce"),
        "mentor@example.org": ("mentor", "Mia", "", None),
    }
    assert await Invitation.filter(invited_by__email=ORGANISER).count() == 6
    assert await OutboxMessage.all().count() == 6
    mailbox = await outbox()
    assert sorted(m["To"] for m in mailbox.messages) == sorted(invited)
    ada = body_of(mailbox.last_to("ada@example.org"))
    assert ada.startswith(
        "Hello Ada Lovelace,\n\n"
        "Olga Organiser invites you to take part in DataCity, in the team “Les Analystes”."
    )
    assert "register for the event" in ada
    assert mailbox.link_in(mailbox.last_to("ada@example.org"), "/invitations/")
    owner = body_of(mailbox.last_to("owner@example.org"))
    assert owner.startswith(
        "Hello Oscar,\n\nOlga Organiser invites you to join the challenge “Mobilité douce” of DataCity as "
        "Challenge owner."
    )
    # nobody was placed in a team yet, no team was created: that happens when they accept
    assert await Team.all().count() == 0
    people = await organiser.get(f"/events/{SLUG}/manage/people")
    assert "ada@example.org (Ada Lovelace)" in people.text
    assert "Participant (team “Les Analystes”)" in html.unescape(people.text)


async def test_a_challenge_owner_with_an_account_owns_the_challenge_at_once(event, organiser):
    owner = await make_user("owner@example.org")

    response = await upload(organiser, "email,role,challenge\nowner@example.org,challenge_owner,eau\n")

    assert response.status_code == 303
    challenge = await Challenge.get(slug="eau")
    assert await ChallengeOwner.filter(challenge=challenge, user=owner).count() == 1
    assert await EventRole.filter(event=event, user=owner, role=Role.CHALLENGE_OWNER).count() == 1
    assert await Invitation.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_semicolons_a_bom_windows_1252_and_french_words_are_read(event, organiser):
    text = (
        "Courriel;Nom;Rôle;Équipe;Défi\r\n"
        "zoe@example.org;Zoé Ébène;participante;Les Écureuils;\r\n"
        "jury@example.org;Jérôme;juré·e;;\r\n"
        "porteuse@example.org;Hélène;Porteuse de défi;;L’eau en ville\r\n"
        "orga2@example.org;Léa;organisatrice;;\r\n"
        "mentore@example.org;Inès;Mentore;;\r\n"
    )
    expected = {
        "zoe@example.org": ("participant", "Zoé Ébène", "Les Écureuils"),
        "jury@example.org": ("juror", "Jérôme", ""),
        "porteuse@example.org": ("challenge_owner", "Hélène", ""),
        "orga2@example.org": ("organiser", "Léa", ""),
        "mentore@example.org": ("mentor", "Inès", ""),
    }
    for encoded in (
        text.encode("utf-8"),
        b"\xef\xbb\xbf" + text.encode("utf-8"),
        text.replace("’", "'").encode("cp1252"),  # French Excel's "CSV (séparateur : point-virgule)"
        b"sep=;\r\n" + text.encode("cp1252", errors="replace"),
    ):
        await Invitation.all().delete()
        await OutboxMessage.all().delete()

        response = await upload(organiser, encoded)

        assert response.status_code == 303, report(response)
        found = {i.email: (str(i.role), i.name, i.team_name) for i in await Invitation.all()}
        assert found == expected
        assert await OutboxMessage.all().count() == 5


async def test_importing_the_same_file_again_changes_nothing(event, organiser, outbox):
    await make_user("juror@example.org")
    assert (await upload(organiser, VALID)).status_code == 303
    before = await counts()
    tokens = set(await Invitation.all().values_list("token_hash", flat=True))

    response = await upload(organiser, VALID)

    assert await flashed(organiser, response) == (
        "People imported: 0 invitations mailed, 0 roles given at once to existing accounts, "
        "7 lines skipped (already done)."
    )
    assert await counts() == before
    assert set(await Invitation.all().values_list("token_hash", flat=True)) == tokens  # the mailed links work


async def test_a_participant_moved_to_another_team_gets_a_new_invitation_that_replaces_the_first(
    event, organiser
):
    await upload(organiser, "email,role,team\nada@example.org,participant,Red\n")
    first = await Invitation.get(email="ada@example.org")

    response = await upload(organiser, "email,role,team\nada@example.org,participant,Blue\n")

    assert response.status_code == 303
    invitation = await Invitation.get(email="ada@example.org")
    assert (invitation.team_name, invitation.id != first.id) == ("Blue", True)
    assert await OutboxMessage.filter(to="ada@example.org").count() == 2


# --- refused files -------------------------------------------------------------------------------------


async def test_a_file_with_wrong_lines_writes_nothing_and_reports_each_line(event, organiser):
    await make_user("juror@example.org")
    before = await counts()
    content = (
        "email;name;role;team;challenge\n"
        "ada@example.org;Ada;participant;Les Analystes;\n"
        "not-an-address;Bob;participant;;\n"
        "\n"
        "carl@example.org;Carl;astronaut;;\n"
        "dora@example.org;Dora;challenge owner;;Moon landing\n"
        "ada@example.org;Ada again;participant;Other;\n"
        f"eve@example.org;{'E' * 121};juror;;\n"
        "fay@example.org;Fay;juror;Les Analystes;\n"
        "gus@example.org;Gus;porteur de défi;;\n"
        ";Nobody;mentor;;\n"
        "hal@example.org;Hal;mentor;;mobilite-douce\n"
        ";;;;\n"
        "ivy@example.org;Ivy;;;\n"
    )

    response = await upload(organiser, content)

    assert response.status_code == 422
    assert await counts() == before
    assert "Nothing was imported: the file has 10 problems to fix." in response.text
    assert report(response) == [
        ("3", "email", "not-an-address", "Enter an email address like name@example.org."),
        (
            "5",
            "role",
            "astronaut",
            "Unknown role. Write participant, juror, challenge owner, mentor or organiser "
            "(in English or French).",
        ),
        ("6", "challenge", "Moon landing", "No challenge of this event has this title or address."),
        ("7", "email", "ada@example.org", "This address already has this role on line 2."),
        ("8", "name", "E" * 79 + "…", "Use at most 120 characters."),
        ("9", "team", "Les Analystes", "Only a participant's line names a team."),
        ("10", "challenge", "", "Name the challenge of this owner, by its title or its address."),
        ("11", "email", "", "Enter an email address."),
        ("12", "challenge", "mobilite-douce", "Only a challenge owner's line names a challenge."),
        ("14", "role", "", "Give a role: participant, juror, challenge owner, mentor or organiser."),
    ]
    # the form is there to send the fixed file
    assert 'type="file"' in response.text


async def test_the_report_is_in_the_readers_language(event, organiser):
    await organiser.post("/language", data={"csrf_token": await csrf_from(organiser), "language": "fr"})
    content = "courriel,rôle\nnot-an-address,participant\nada@example.org,astronaute\n"

    response = await upload(organiser, content)

    assert response.status_code == 422
    assert "Rien n’a été importé\u00a0: le fichier a 2 problèmes à corriger." in html.unescape(response.text)
    assert report(response) == [
        ("2", "courriel", "not-an-address", "Saisissez une adresse électronique au format nom@domaine.fr."),
        (
            "3",
            "rôle",
            "astronaute",
            "Rôle inconnu. Écrivez participant, juré, porteur de défi, mentor ou organisateur "
            "(en anglais ou en français).",
        ),
    ]


async def test_the_report_escapes_the_values_it_shows(event, organiser):
    response = await upload(organiser, 'email,name,role\nada@example.org,Ada,<script>alert("x")</script>\n')

    assert response.status_code == 422
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text
    assert report(response)[0][2] == '<script>alert("x")</script>'
    checked = await upload(organiser, "email,name,role\nada@example.org,<b>Ada</b>,participant\n", check=True)
    assert checked.status_code == 200
    assert "<b>Ada</b>" not in checked.text
    assert "ada@example.org (&lt;b&gt;Ada&lt;/b&gt;)" in checked.text


@pytest.mark.parametrize(
    ("content", "name", "status", "message"),
    [
        (b"", "people.csv", 422, "The file is empty."),
        (b"\n\n  \n", "people.csv", 422, "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "people.csv", 422, "This file is not a CSV file."),
        ("email,role\n".encode("utf-16"), "people.csv", 422, "This file is not a CSV file."),
        (b"email,role\n", "people.csv", 422, "The file names its columns but holds nobody"),
        (b"ada@example.org,participant\n", "people.csv", 422, "The first line must name the columns"),
        (b"email,name\nada@example.org,Ada\n", "people.csv", 422, "The first line must name the columns"),
        (b"email,role,phone\nada@example.org,juror,0600\n", "people.csv", 422, "Unknown column."),
        (b"email,role,courriel\n", "people.csv", 422, "This column is named twice (also “email”)."),
        (b'email,role\nada@example.org,"juror\n', "people.csv", 422, "a quote is not closed"),
        (b"email,role\nada@example.org,juror,x\n", "people.csv", 422, "This line has 3 cells"),
        (b"PK\x03\x04 a spreadsheet", "people.xlsx", 422, "Choose a .csv file"),
        (b"email,role\n", "people.txt", 422, "Choose a .csv file"),
    ],
)
async def test_what_is_not_a_file_of_people_is_refused(event, organiser, content, name, status, message):
    before = await counts()

    response = await upload(organiser, content, name=name)

    assert response.status_code == status
    assert message in html.unescape(response.text)
    assert await counts() == before


async def test_too_many_lines_are_refused(event, organiser):
    lines = "".join(f"p{n}@example.org,participant\n" for n in range(2001))

    response = await upload(organiser, "email,role\n" + lines)

    assert response.status_code == 422
    assert report(response) == [
        ("2002", "", "", "A file holds at most 2,000 people: split it into several files.")
    ]
    assert await Invitation.all().count() == 0


async def test_a_file_over_one_megabyte_is_refused_with_the_form(event, organiser):
    response = await upload(organiser, "email,role\n" + "x" * (1024 * 1024))

    assert response.status_code == 413
    assert "The file is larger than 1\u00a0MB: split it into several files." in response.text
    assert 'aria-describedby="f-file-hint f-file-error"' in response.text
    assert await Invitation.all().count() == 0


async def test_an_upload_without_a_file_is_a_400_with_the_form(event, organiser):
    token = await csrf_from(organiser, PAGE)
    response = await organiser.post(f"{PAGE}?csrf_token={token}", files={"other": (None, "x")})
    assert response.status_code == 400
    assert "Choose a file to upload." in response.text


# --- the event's rules ---------------------------------------------------------------------------------


async def test_a_team_larger_than_the_event_allows_is_refused(event, organiser):
    # the round allows 3 members; "Red" exists with 2 members already
    red = await Team.create(event=event, name="Red", name_key="red", invite_token_hash="r" * 64)
    for email in ("m1@example.org", "m2@example.org"):
        member = await make_user(email)
        await Registration.create(event=event, user=member, rules_accepted_at=datetime.now(UTC))
        await TeamMember.create(team=red, event=event, user=member)
    content = (
        "email,role,team\n"
        "a@example.org,participant,Blue\n"
        "b@example.org,participant,blue\n"
        "c@example.org,participant,BLUE\n"
        "d@example.org,participant,Blue\n"
        "e@example.org,participant,red\n"
        "m1@example.org,participant,Red\n"
        "f@example.org,participant,Red\n"
    )

    response = await upload(organiser, content)

    assert response.status_code == 422
    assert report(response) == [
        ("5", "team", "Blue", "A team has at most 3 members in this event: the team “Blue” would have more."),
        ("8", "team", "Red", "A team has at most 3 members in this event: the team “Red” would have more."),
    ]
    assert await Invitation.all().count() == 0


async def test_participants_outside_the_allowed_domains_or_in_another_team_are_refused(event, organiser):
    event.eligible_domains = "paris.fr\n@example.org"
    await event.save()
    red = await Team.create(event=event, name="Red", name_key="red", invite_token_hash="r" * 64)
    taken = await make_user("taken@example.org")
    await Registration.create(event=event, user=taken, rules_accepted_at=datetime.now(UTC))
    await TeamMember.create(team=red, event=event, user=taken, is_captain=True)
    content = (
        "email,role,team\n"
        "ada@gmail.com,participant,\n"
        "jury@gmail.com,juror,\n"
        "taken@example.org,participant,Blue\n"
        "taken@example.org,juror,\n"
    )

    response = await upload(organiser, content)

    assert report(response) == [
        (
            "2",
            "email",
            "ada@gmail.com",
            "This event is open to email addresses of these domains only: paris.fr, example.org.",
        ),
        ("4", "team", "Blue", "This person is already in the team “Red” of this event."),
    ]
    assert await counts() == (0, 0, 1, 1)


async def test_people_already_taking_part_are_skipped(event, organiser):
    red = await Team.create(event=event, name="Red", name_key="red", invite_token_hash="r" * 64)
    member = await make_user("member@example.org")
    registered = await make_user("registered@example.org")
    for user in (member, registered):
        await Registration.create(event=event, user=user, rules_accepted_at=datetime.now(UTC))
    await TeamMember.create(team=red, event=event, user=member, is_captain=True)
    content = (
        "email,role,team\n"
        "member@example.org,participant,RED\n"
        "member@example.org,juror,\n"
        "registered@example.org,participant,\n"
        "registered@example.org,mentor,\n"
    )

    response = await upload(organiser, content, check=True)

    assert response.status_code == 200
    assert report(response) == [
        ("2", "member@example.org", "Participant — Red", "skipped: already in the team “Red”"),
        ("3", "member@example.org", "Juror", "the role is given at once (an account uses this address)"),
        ("4", "registered@example.org", "Participant", "skipped: already registered"),
        ("5", "registered@example.org", "Mentor", "the role is given at once (an account uses this address)"),
    ]


# --- check only ----------------------------------------------------------------------------------------


async def test_check_only_reports_what_would_happen_and_writes_nothing(event, organiser):
    await make_user("juror@example.org")
    before = await counts()

    response = await upload(organiser, VALID, check=True)

    assert response.status_code == 200
    assert await counts() == before
    text = html.unescape(response.text)
    assert (
        "The file can be imported: 6 invitations to mail, 1 role to give at once to an existing account, "
        "0 lines to skip (already done). Nothing is written yet." in text
    )
    assert report(response)[0] == (
        "2",
        "ada@example.org (Ada Lovelace)",
        "Participant — Les Analystes",
        "an invitation is mailed",
    )
    assert report(response)[5] == (
        "7",
        "owner@example.org (Oscar)",
        "Challenge owner — Mobilité douce",
        "an invitation is mailed",
    )
    refused = await upload(organiser, "email,role\nnobody,juror\n", check=True)
    assert refused.status_code == 422
    assert report(refused) == [("2", "email", "nobody", "Enter an email address like name@example.org.")]
    assert await counts() == before


# --- accepting a participant's invitation --------------------------------------------------------------


async def test_invited_participants_register_accept_and_land_in_their_team(
    event, organiser, outbox, make_client
):
    await upload(
        organiser,
        "email,name,role,team\nada@example.org,Ada,participant,Les Écureuils\n"
        "bob@example.org,Bob,participant,les ecureuils\n",
    )
    mailbox = await outbox()
    links = {
        email: mailbox.link_in(mailbox.last_to(email), "/invitations/")
        for email in ("ada@example.org", "bob@example.org")
    }
    ada = make_client()
    await make_user("ada@example.org", name="Ada")
    await sign_in(ada, "ada@example.org")

    page = await ada.get(links["ada@example.org"])
    assert page.status_code == 200
    assert "You are invited to take part in DataCity, in the team “Les Écureuils”." in html.unescape(
        page.text
    )
    assert f'href="/events/{SLUG}/register?next={links["ada@example.org"]}"' in page.text
    assert "Accept the invitation" not in page.text
    too_early = await post_form(ada, links["ada@example.org"], page=links["ada@example.org"])
    assert too_early.status_code == 422
    assert "Register for the event first, then accept the invitation." in too_early.text
    assert await Invitation.filter(accepted_at__isnull=True).count() == 2

    registered = await post_form(
        ada,
        f"/events/{SLUG}/register",
        {"accept_rules": "on", "next": links["ada@example.org"]},
        page=f"/events/{SLUG}/register",
    )
    assert registered.headers["location"] == links["ada@example.org"]
    accepted = await post_form(ada, links["ada@example.org"], page=links["ada@example.org"])

    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/events/{SLUG}/team"
    team = await Team.get(event=event)
    assert team.name == "Les Écureuils"
    assert await TeamMember.filter(team=team, user__email="ada@example.org", is_captain=True).count() == 1
    assert not await EventRole.filter(user__email="ada@example.org").exists()  # participants hold no role

    bob = make_client()
    await make_user("bob@example.org", name="Bob")
    await sign_in(bob, "bob@example.org")
    await post_form(bob, f"/events/{SLUG}/register", {"accept_rules": "on"}, page=f"/events/{SLUG}/register")
    joined = await post_form(bob, links["bob@example.org"], page=links["bob@example.org"])
    assert joined.status_code == 303
    assert "Welcome to the team “Les Écureuils”." in html.unescape(
        (await bob.get(joined.headers["location"])).text
    )
    assert await TeamMember.filter(team=team, user__email="bob@example.org", is_captain=False).count() == 1
    assert await Team.all().count() == 1
    assert await Invitation.filter(accepted_at__isnull=True).count() == 0
    # the link worked once
    again = await post_form(bob, links["bob@example.org"], page=f"/events/{SLUG}")
    assert again.status_code == 404
    # the invitation, with the name and team the organiser gave, is in the invitee's data
    exported = (await bob.get("/account/export")).json()["invitations_received"]
    assert [(i["role"], i["name"], i["team"]) for i in exported] == [("participant", "Bob", "Les Écureuils")]


async def test_a_participant_already_in_another_team_keeps_the_invitation_open(
    event, organiser, outbox, make_client
):
    await upload(organiser, "email,role,team\nada@example.org,participant,Blue\n")
    link = (await outbox()).link_in((await outbox()).last_to("ada@example.org"), "/invitations/")
    ada = make_client()
    user = await make_user("ada@example.org")
    await sign_in(ada, "ada@example.org")
    await Registration.create(event=event, user=user, rules_accepted_at=datetime.now(UTC))
    red = await Team.create(event=event, name="Red", name_key="red", invite_token_hash="r" * 64)
    await TeamMember.create(team=red, event=event, user=user, is_captain=True)

    response = await post_form(ada, link, page=link)

    assert response.status_code == 422
    assert (
        "You are already in the team “Red” of this event: leave it before you join “Blue”."
        in html.unescape(response.text)
    )
    assert await Invitation.filter(accepted_at__isnull=True).count() == 1
    assert await Team.all().count() == 1


# --- limits and access ---------------------------------------------------------------------------------


async def test_imports_that_mail_count_against_a_rate_limit(event, organiser, monkeypatch):
    monkeypatch.setattr(
        throttle,
        "PEOPLE_IMPORT",
        throttle.Rule("people-import", 1, timedelta(minutes=10), timedelta(hours=2), timedelta(days=1)),
    )
    assert (await upload(organiser, "email,role\na@example.org,juror\n")).status_code == 303
    assert (await upload(organiser, "email,role\na@example.org,juror\n")).status_code == 303  # mails nobody

    response = await upload(organiser, "email,role\nb@example.org,juror\n")

    assert response.status_code == 429
    assert "You imported many files of people in a short time. Try again in 10 minutes." in response.text
    assert await Invitation.filter(email="b@example.org").count() == 0
    assert await OutboxMessage.filter(to="b@example.org").count() == 0


async def test_only_the_events_organisers_and_admins_import(event, make_client):
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    stranger = await make_user("stranger@example.org")
    await EventRole.create(event=other, user=stranger, role=Role.ORGANISER)
    juror = await make_user("juror@example.org")
    await EventRole.create(event=event, user=juror, role=Role.JUROR)
    await make_user("admin@example.org", is_admin=True)
    for email, status in (
        ("stranger@example.org", 403),
        ("juror@example.org", 403),
        ("admin@example.org", 200),
    ):
        client = make_client()
        await sign_in(client, email)
        assert (await client.get(PAGE)).status_code == status
        assert (await client.get(PAGE + "/template.csv")).status_code == status
        token = await csrf_from(client, "/account")
        posted = await client.post(
            f"{PAGE}?csrf_token={token}",
            files={"file": ("p.csv", b"email,role\na@example.org,juror\n", "text/csv")},
        )
        assert posted.status_code == (303 if status == 200 else 403)
    anonymous = make_client()
    assert (await anonymous.get(PAGE)).headers["location"].startswith("/login")
    assert await Invitation.filter(email="a@example.org").count() == 1  # the admin's


async def test_the_page_links_the_template_and_the_people_page_links_the_import(event, organiser):
    people = await organiser.get(f"/events/{SLUG}/manage/people")
    assert f'href="{PAGE}"' in people.text
    page = await organiser.get(PAGE)
    assert page.status_code == 200
    assert f'href="{PAGE}/template.csv"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert f'formaction="{PAGE}?csrf_token=' in page.text

    template = await organiser.get(PAGE + "/template.csv")

    assert template.headers["content-type"] == "text/csv; charset=utf-8"
    assert template.content.startswith(b"\xef\xbb\xbfemail,name,role,team,challenge\r\n")
    response = await upload(organiser, template.content, check=True)
    assert response.status_code == 200  # the template imports as it is
    assert [row[3] for row in report(response)] == ["an invitation is mailed"] * 3


async def test_a_file_of_two_thousand_people_is_imported_at_once(event, organiser):
    lines = "".join(f"p{n}@example.org;P {n};participant;Team {n // 3}\n" for n in range(2000))

    response = await upload(organiser, "email;name;role;team\n" + lines)

    assert response.status_code == 303
    assert await Invitation.filter(role="participant").count() == 2000
    assert await OutboxMessage.all().count() == 2000
    assert await Invitation.filter(team_name="Team 666").count() == 2
    again = await upload(organiser, "email;name;role;team\n" + lines)
    assert "2,000 lines skipped (already done)" in await flashed(organiser, again)  # locale-formatted
    assert await OutboxMessage.all().count() == 2000


async def test_two_imports_of_one_file_at_once_invite_each_person_once(event, organiser, make_client):
    await make_user("admin@example.org", is_admin=True)
    admin = make_client()
    await sign_in(admin, "admin@example.org")
    lines = "".join(f"p{n}@example.org,participant,Team {n // 3}\n" for n in range(60))

    answers = await asyncio.gather(
        upload(organiser, "email,role,team\n" + lines), upload(admin, "email,role,team\n" + lines)
    )

    assert [answer.status_code for answer in answers] == [303, 303]
    texts = sorted([await flashed(organiser, answers[0]), await flashed(admin, answers[1])])
    assert texts == [
        "People imported: 0 invitations mailed, 0 roles given at once to existing accounts, "
        "60 lines skipped (already done).",
        "People imported: 60 invitations mailed, 0 roles given at once to existing accounts, "
        "0 lines skipped (already done).",
    ]
    assert await Invitation.all().count() == 60
    assert await OutboxMessage.all().count() == 60


async def test_two_invitees_accepting_at_once_make_one_team(event, organiser, outbox, make_client):
    await upload(
        organiser, "email,role,team\nada@example.org,participant,Blue\nbob@example.org,participant,Blue\n"
    )
    mailbox = await outbox()
    browsers = []
    for email in ("ada@example.org", "bob@example.org"):
        user = await make_user(email)
        await Registration.create(event=event, user=user, rules_accepted_at=datetime.now(UTC))
        browser = make_client()
        await sign_in(browser, email)
        link = mailbox.link_in(mailbox.last_to(email), "/invitations/")
        browsers.append((browser, link, await csrf_from(browser, link)))

    answers = await asyncio.gather(
        *(browser.post(link, data={"csrf_token": token}) for browser, link, token in browsers)
    )

    assert [answer.status_code for answer in answers] == [303, 303]
    team = await Team.get(event=event)
    assert team.name == "Blue"
    assert await TeamMember.filter(team=team).count() == 2
    assert await TeamMember.filter(team=team, is_captain=True).count() == 1
