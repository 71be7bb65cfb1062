"""The organisers' awards page over HTTP: the ranking's suggestion pre-filled, giving and removing
awards (only once closed), the public vote's tally; the public results show the awards and the
votes only after publication; titles are escaped; another event's organiser is refused."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from events.domain import sessions
from events.domain.awards import give_award
from events.domain.public_vote import cast_vote
from events.models import Award, Challenge, Event, EventRole, EventStatus, JurySession, Role, User
from tests.helpers import make_user, post_form, sign_in
from tests.jury_world import NOW, JuryWorld, make_jury_world, score

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def _world(*, close: bool = True, public_vote: bool = True) -> JuryWorld:
    """Entries scored 4, 9, 6 by both jurors (ranking e1, e2, e0); e0 gets two public votes, e2 one."""
    world = await make_jury_world(teams=3, jurors=2)
    await JurySession.filter(id=world.session.id).update(public_vote=public_vote)
    world.session.public_vote = public_vote
    for entry, value in zip(world.entries, (4, 9, 6), strict=True):
        for juror in world.jurors:
            await score(world, juror, entry, value)
    if public_vote:
        for index, entry in enumerate([world.entries[0], world.entries[2], world.entries[0]]):
            voter = await User.create(
                email=f"v{index}@example.org",
                name="V",
                password_hash="!",
                email_verified_at=datetime.now(UTC),
            )
            await cast_vote(session=world.session, user=voter, entry_id=entry.id, now=NOW)
    if close:
        await sessions.set_session_status(session=world.session, status="closed", now=NOW)
    organiser = await make_user("orga@example.org", name="Orga")
    await EventRole.create(event=world.event, user=organiser, role=Role.ORGANISER)
    return world


async def _organiser(make_client, email: str = "orga@example.org"):
    client = make_client()
    await sign_in(client, email)
    return client


def _url(world: JuryWorld) -> str:
    return f"/events/{world.event.slug}/manage/juries/{world.session.id}/awards"


async def _give(client, world: JuryWorld, challenge: str | int, entry_id: int, title: str):
    return await post_form(
        client,
        _url(world),
        {"challenge": str(challenge), "entry": str(entry_id), "title": title},
        page=_url(world),
    )


async def test_page_before_close_shows_the_provisional_ranking_without_forms(db, make_client):
    world = await _world(close=False)
    client = await _organiser(make_client)

    page = await client.get(_url(world))
    response = await _give(client, world, world.challenge.id, world.entries[1].id, "First prize")

    assert page.status_code == 200
    assert "<h1>Awards — Final jury</h1>" in page.text
    assert "Awards are given once the session is closed. The ranking below is provisional." in page.text
    assert "Give the award" not in page.text
    assert "The vote is open: the tally may still change." in page.text
    assert response.status_code == 422
    assert "Awards are given once the session is closed." in response.text
    assert await Award.all().count() == 0


async def test_suggestion_is_pre_filled_with_the_top_of_the_ranking(db, make_client):
    world = await _world()
    await Challenge.filter(id=world.challenge.id).update(prizes="**2 000 €** <script>bad()</script>")
    client = await _organiser(make_client)
    e0, e1, _e2 = world.entries
    key = world.challenge.id

    page = await client.get(_url(world))

    assert page.status_code == 200
    text = page.text
    suggestion = text.split('<ol class="suggestion">', 1)[1].split("</ol>", 1)[0]
    assert re.findall(r"Entry \d", suggestion) == ["Entry 1", "Entry 2", "Entry 0"]
    challenge_form = text.split(f'id="f-entry-{world.challenge.id}"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{e1.id}" selected>' in challenge_form
    assert f'id="f-title-{key}" name="title" type="text" maxlength="200" required value="First prize"' in text
    assert "<strong>2 000 €</strong>" in text
    assert "<script>bad()" not in text
    # The public vote: tally and suggestion.
    caption = r'<caption id="[^"]+">Public vote tally</caption>'
    tally = re.split(caption, text, maxsplit=1)[1].split("</table>", 1)[0]
    assert re.findall(r"<th scope=\"row\">(Entry \d)</th><td>Team \d</td><td>(\d)</td>", tally) == [
        ("Entry 0", "2"),
        ("Entry 2", "1"),
    ]
    public_form = text.split('id="f-entry-public"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{e0.id}" selected>' in public_form
    assert (
        'id="f-title-public" name="title" type="text" maxlength="200" required value="Public prize"' in text
    )


async def test_organiser_gives_and_removes_an_award(db, make_client):
    world = await _world()
    client = await _organiser(make_client)

    response = await _give(client, world, world.challenge.id, world.entries[1].id, "First prize")

    assert response.status_code == 303
    assert response.headers["location"] == _url(world)
    award = await Award.get(session_id=world.session.id)
    assert (award.challenge_id, award.entry_id, award.title) == (
        world.challenge.id,
        world.entries[1].id,
        "First prize",
    )
    page = await client.get(_url(world))
    assert "The award “First prize” is given." in page.text
    assert "Remove “First prize”" in page.text
    # The next suggestion skips the awarded entry and offers the next title.
    challenge_form = page.text.split(f'id="f-entry-{world.challenge.id}"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{world.entries[2].id}" selected>' in challenge_form
    assert 'value="Second prize"' in page.text

    removed = await post_form(client, _url(world) + "/remove", {"award": str(award.id)}, page=_url(world))
    again = await post_form(client, _url(world) + "/remove", {"award": str(award.id)}, page=_url(world))

    assert removed.status_code == 303
    assert again.status_code == 303
    assert not await Award.exists(id=award.id)
    assert "This award was already removed." in (await client.get(_url(world))).text


async def test_public_prize_is_given_without_a_challenge(db, make_client):
    world = await _world()
    client = await _organiser(make_client)

    response = await _give(client, world, "public", world.entries[0].id, "Public prize")

    assert response.status_code == 303
    award = await Award.get(session_id=world.session.id)
    assert (award.challenge_id, award.entry_id) == (None, world.entries[0].id)


async def test_bad_title_and_duplicate_are_shown_on_the_challenges_form(db, make_client):
    world = await _world()
    client = await _organiser(make_client)
    key = world.challenge.id

    empty = await _give(client, world, key, world.entries[1].id, "   ")
    await _give(client, world, key, world.entries[1].id, "First prize")
    duplicate = await _give(client, world, key, world.entries[2].id, "First prize")
    too_long = await _give(client, world, key, world.entries[2].id, "x" * 201)

    assert empty.status_code == 422
    assert f'<a href="#f-title-{key}">Enter a title of at most 200 characters.</a>' in empty.text
    assert f'id="f-title-{key}-error"' in empty.text
    assert duplicate.status_code == 422
    assert "This prize has already been given: choose another title." in duplicate.text
    assert too_long.status_code == 422
    assert await Award.all().count() == 1


async def test_entry_outside_the_results_or_bad_fields_are_refused(db, make_client):
    world = await _world()
    client = await _organiser(make_client)
    foreign_session = await JurySession.create(event=world.event, round=world.stage, name="Other")

    for challenge, entry_id in (
        (world.challenge.id, 999_999),
        ("public", 999_999),
        ("nope", world.entries[0].id),
    ):
        response = await _give(client, world, challenge, entry_id, "Prize")
        assert response.status_code == 422, challenge
    missing_entry = await post_form(
        client, _url(world), {"challenge": str(world.challenge.id), "title": "Prize"}, page=_url(world)
    )
    assert missing_entry.status_code == 422
    assert "Choose an entry of this session&#39;s results." in missing_entry.text
    assert await Award.all().count() == 0
    # An award of this session cannot be removed through another session's URL.
    award = await give_award(
        session=world.session, challenge_id=world.challenge.id, entry_id=world.entries[1].id, title="P"
    )
    other_url = f"/events/{world.event.slug}/manage/juries/{foreign_session.id}/awards"
    response = await post_form(client, other_url + "/remove", {"award": str(award.id)}, page=other_url)
    assert response.status_code == 422  # that session is not closed: nothing to remove there
    assert await Award.exists(id=award.id)


async def test_organiser_of_another_event_is_refused(db, make_client):
    world = await _world()
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    outsider = await make_user("orga2@example.org")
    await EventRole.create(event=other, user=outsider, role=Role.ORGANISER)
    client = await _organiser(make_client, "orga2@example.org")

    assert (await client.get(_url(world))).status_code == 403
    assert (await _give(client, world, world.challenge.id, world.entries[1].id, "P")).status_code == 403
    # Through their own event's URL, this event's session does not exist.
    assert (await client.get(f"/events/other/manage/juries/{world.session.id}/awards")).status_code == 404
    assert await Award.all().count() == 0


async def test_award_title_is_escaped_on_every_page(db, make_client):
    world = await _world()
    client = await _organiser(make_client)

    await _give(client, world, world.challenge.id, world.entries[1].id, XSS)
    await sessions.set_session_status(session=world.session, status="published", now=NOW)
    organiser_page = await client.get(_url(world))
    public_page = await make_client().get(f"/events/{world.event.slug}/results")

    for page in (organiser_page, public_page):
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


async def test_public_results_show_awards_and_votes_only_after_publication(db, make_client):
    world = await _world()
    client = await _organiser(make_client)
    await _give(client, world, world.challenge.id, world.entries[1].id, "Grand prix Mobilité")
    await _give(client, world, "public", world.entries[0].id, "Prix du public")
    visitor = make_client()

    before = await visitor.get(f"/events/{world.event.slug}/results")
    await sessions.set_session_status(session=world.session, status="published", now=NOW)
    after = await visitor.get(f"/events/{world.event.slug}/results")

    assert before.status_code == 404
    assert after.status_code == 200
    assert "<h3>Awards: Mobility</h3>" in after.text
    assert "<strong>Grand prix Mobilité</strong> — Entry 1 (Team 1)" in after.text
    assert "<h3>Public prize</h3>" in after.text
    # typed in French, it is the default title: stored as its key and shown in the reader's language
    assert "<strong>Public prize</strong> — Entry 0 (Team 0), 2 votes" in after.text
    assert '<th scope="col">Public votes</th>' in after.text
    french = await visitor.get(f"/events/{world.event.slug}/results", headers={"Accept-Language": "fr"})
    assert "<strong>Prix du public</strong> — Entry 0 (Team 0), 2 votes" in french.text
    assert "<strong>Grand prix Mobilité</strong> — Entry 1 (Team 1)" in french.text
    assert sorted(await Award.filter(session=world.session).values_list("title", flat=True)) == [
        "Grand prix Mobilité",
        "Public prize",
    ]


async def test_results_without_public_vote_have_no_votes_column(db, make_client):
    world = await _world(public_vote=False)
    await sessions.set_session_status(session=world.session, status="published", now=NOW)

    page = await make_client().get(f"/events/{world.event.slug}/results")
    organiser_page = await (await _organiser(make_client)).get(_url(world))

    assert page.status_code == 200
    assert "Public votes" not in page.text
    assert "Public prize" not in organiser_page.text


async def test_results_json_holds_the_awards_and_the_votes(db, make_client):
    world = await _world()
    client = await _organiser(make_client)
    await _give(client, world, world.challenge.id, world.entries[1].id, "First prize")

    response = await client.get(f"/events/{world.event.slug}/manage/juries/{world.session.id}/results.json")

    data = json.loads(response.content)
    assert data["public_vote"] is True
    assert {row["entry_id"]: row["votes"] for row in data["entries"]} == {
        world.entries[0].id: 2,
        world.entries[1].id: 0,
        world.entries[2].id: 1,
    }
    assert data["awards"] == [
        {
            "challenge_id": world.challenge.id,
            "entry_id": world.entries[1].id,
            "title": "First prize",
            "position": 1,
            "challenge": "Mobility",
            "entry": "Entry 1",
        }
    ]


async def test_session_page_links_to_the_awards(db, make_client):
    world = await _world()
    client = await _organiser(make_client)

    page = await client.get(f"/events/{world.event.slug}/manage/juries/{world.session.id}")

    assert f'href="{_url(world)}"' in page.text


async def test_default_titles_follow_the_reader_language(db, make_client):
    """A French organiser gets the French default title in the form; what they give is stored as the
    default's key, so English readers read "First prize" and French readers "Premier prix"."""
    world = await _world()
    await User.filter(email="orga@example.org").update(language="fr")
    client = await _organiser(make_client)
    key = world.challenge.id

    form = await client.get(_url(world))
    given = await _give(client, world, key, world.entries[1].id, "Premier prix")
    await sessions.set_session_status(session=world.session, status="published", now=NOW)
    visitor = make_client()
    english = await visitor.get(f"/events/{world.event.slug}/results", headers={"Accept-Language": "en"})
    french = await visitor.get(f"/events/{world.event.slug}/results", headers={"Accept-Language": "fr"})

    assert f'id="f-title-{key}" name="title" type="text" maxlength="200" required value="Premier prix"' in (
        form.text
    )
    assert given.status_code == 303
    assert await Award.filter(session=world.session).values_list("title", flat=True) == ["First prize"]
    assert "<strong>First prize</strong> — Entry 1 (Team 1)" in english.text
    assert "Premier prix" not in english.text
    assert "<strong>Premier prix</strong> — Entry 1 (Team 1)" in french.text
    assert "First prize" not in french.text


async def test_the_same_default_title_in_another_language_is_a_duplicate(db, make_client):
    world = await _world()
    client = await _organiser(make_client)

    first = await _give(client, world, world.challenge.id, world.entries[1].id, "First prize")
    again = await _give(client, world, world.challenge.id, world.entries[2].id, "  premier   PRIX ")

    assert (first.status_code, again.status_code) == (303, 422)
    assert "This prize has already been given: choose another title." in again.text
    assert await Award.filter(session=world.session).count() == 1
