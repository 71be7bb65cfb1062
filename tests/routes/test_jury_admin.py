"""Organiser pages for juries: the grid, sessions, jurors, the transition, results and exports."""

from __future__ import annotations

import json

import pytest

from events.domain import jury, sessions
from events.models import (
    Assignment,
    Challenge,
    ChallengeStatus,
    Criterion,
    Entry,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    Invitation,
    JurySession,
    JurySessionJuror,
    Role,
    Round,
    SessionStatus,
    Team,
    TeamMember,
)
from tests.helpers import csv_rows, make_user, post_form, sign_in


@pytest.fixture
async def setup(db):
    event = await Event.create(slug="datacity", title="DataCity", status=EventStatus.PUBLISHED)
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    organiser = await make_user("orga@example.org", name="Orga")
    await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    stranger = await make_user("orga2@example.org", name="Orga Two")
    await EventRole.create(event=other, user=stranger, role=Role.ORGANISER)
    stage = await Round.create(event=event, name="Final", position=1)
    challenge = await Challenge.create(
        event=event, slug="mobility", title="Mobility", status=ChallengeStatus.PUBLISHED
    )
    entries = []
    for index in range(2):
        team = await Team.create(
            event=event, name=f"Team {index}", name_key=f"team {index}", invite_token_hash=f"t{index}"
        )
        member = await make_user(f"member{index}@example.org", name=f"Member {index}")
        await TeamMember.create(team=team, event=event, user=member, is_captain=True)
        entries.append(
            await Entry.create(
                event=event,
                team=team,
                round=stage,
                challenge=challenge,
                title="=HYPERLINK(1)" if index == 0 else "Bus stops",
                status=EntryStatus.SUBMITTED,
            )
        )
    juror = await make_user("juror@example.org", name="Jeanne Juror")
    return {
        "event": event,
        "stage": stage,
        "challenge": challenge,
        "entries": entries,
        "juror": juror,
    }


def _base(setup) -> str:
    return f"/events/{setup['event'].slug}/manage"


async def _organiser(make_client, email="orga@example.org"):
    client = make_client()
    await sign_in(client, email)
    return client


async def test_organiser_runs_a_session_from_grid_to_exports(setup, make_client):
    client = await _organiser(make_client)
    base, stage = _base(setup), setup["stage"]

    preset = await post_form(
        client, f"{base}/rounds/{stage.id}/criteria/preset", {"preset": "hackathon_final"}
    )
    assert preset.status_code == 303
    names = await Criterion.filter(round_id=stage.id).order_by("position").values_list("name", flat=True)
    assert names == ["Use of the data", "Feasibility of the experiment", "Innovation", "Impact", "Openness"]

    created = await post_form(
        client,
        f"{base}/juries/new",
        {
            "name": "Final jury",
            "round": str(stage.id),
            f"challenge_{setup['challenge'].id}": "on",
            "opens_at": "2020-01-01T09:00",
            "closes_at": "2099-01-01T18:00",
            "assignment_mode": "all",
            "normalisation": "zscore",
            "trimmed": "on",
        },
    )
    assert created.status_code == 303
    session = await JurySession.get(event_id=setup["event"].id)
    assert created.headers["location"] == f"{base}/juries/{session.id}"
    assert (session.name, session.normalisation, session.trimmed, session.blind) == (
        "Final jury",
        "zscore",
        True,
        False,
    )
    assert session.opens_at.isoformat() == "2020-01-01T08:00:00+00:00"  # Europe/Paris in winter

    invited = await post_form(client, f"{base}/juries/{session.id}/jurors", {"email": "Juror@Example.org"})
    assert invited.status_code == 303
    assert await JurySessionJuror.filter(session_id=session.id).values_list("user_id", flat=True) == [
        setup["juror"].id
    ]
    assert await EventRole.exists(event_id=setup["event"].id, user_id=setup["juror"].id, role=Role.JUROR)

    newcomer = await post_form(client, f"{base}/juries/{session.id}/jurors", {"email": "new@example.org"})
    assert newcomer.status_code == 303
    assert await Invitation.filter(email="new@example.org", role=Role.JUROR).count() == 1

    opened = await post_form(client, f"{base}/juries/{session.id}/status", {"status": "open"})
    assert opened.status_code == 303
    assert (await JurySession.get(id=session.id)).status == SessionStatus.OPEN
    assert await Assignment.filter(session_id=session.id).count() == 2

    session = await JurySession.get(id=session.id)
    criteria = await Criterion.filter(round_id=stage.id).order_by("position")
    first = setup["entries"][0]
    for criterion in criteria:
        await jury.save_score(
            session=session, juror=setup["juror"], entry=first, criterion=criterion, value=4
        )
    await jury.submit_sheet(session=session, juror=setup["juror"], entry=first)

    page = await client.get(f"{base}/juries/{session.id}")
    assert page.status_code == 200
    assert "1 of 2 scored" in page.text
    assert "Jeanne Juror" in page.text

    refused = await post_form(
        client, f"{base}/rounds/{stage.id}/criteria/preset", {"preset": "hackathon_final"}
    )
    assert refused.status_code == 422
    assert "A jury of this round has opened: its grid can no longer change." in refused.text

    closed = await post_form(client, f"{base}/juries/{session.id}/status", {"status": "closed"})
    assert closed.status_code == 303
    session = await JurySession.get(id=session.id)
    assert session.status == SessionStatus.CLOSED
    assert session.results_snapshot is not None

    results = await client.get(f"{base}/juries/{session.id}/results")
    assert results.status_code == 200
    assert "Frozen when the session was locked." in results.text
    assert "Jeanne Juror" not in results.text
    # Each entry's explanation is a page of its own, linked from the ranking.
    explained = await client.get(f"{base}/juries/{session.id}/results/{first.id}")
    assert f'href="{base}/juries/{session.id}/results/{first.id}"' in results.text
    assert "Juror A" in explained.text
    assert "Jeanne Juror" not in explained.text

    as_csv = await client.get(f"{base}/juries/{session.id}/results.csv")
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    rows = csv_rows(as_csv)
    assert rows[0][:6] == ["challenge", "rank", "entry_id", "entry", "team", "score"]
    assert [row[:5] for row in rows[1:]] == [
        ["Mobility", "1", str(first.id), "'=HYPERLINK(1)", "Team 0"],
        ["Mobility", "2", str(setup["entries"][1].id), "Bus stops", "Team 1"],
    ]
    assert float(rows[1][5]) == 75.0  # 4 on a 1-5 scale

    as_json = await client.get(f"{base}/juries/{session.id}/results.json")
    data = json.loads(as_json.text)
    assert as_json.headers["content-type"] == "application/json"
    assert data["session"] == {"id": session.id, "name": "Final jury", "status": "closed"}
    assert [(e["entry"], e["rank"], e["score"]) for e in data["entries"]] == [
        ("=HYPERLINK(1)", 1, 75.0),
        ("Bus stops", 2, None),
    ]
    assert "jurors" not in data["entries"][0]  # each juror's total: on the explanation page
    assert [c["average"] for c in data["entries"][0]["criteria"]] == [4.0] * 5

    scores = await client.get(f"{base}/juries/{session.id}/scores.csv")
    score_rows = csv_rows(scores)
    assert score_rows[0] == [
        "juror",
        "juror_email",
        "entry_id",
        "entry",
        "criterion",
        "value",
        "sheet_status",
        "counted",
        "sheet_total",
    ]
    assert [row[:6] for row in score_rows[1:]] == [
        ["Jeanne Juror", "juror@example.org", str(first.id), "'=HYPERLINK(1)", name, "4.0"] for name in names
    ]

    published = await post_form(client, f"{base}/juries/{session.id}/status", {"status": "published"})
    assert published.status_code == 303
    assert (await JurySession.get(id=session.id)).status == SessionStatus.PUBLISHED


async def test_criterion_is_added_edited_and_deleted(setup, make_client):
    client = await _organiser(make_client)
    url = f"{_base(setup)}/rounds/{setup['stage'].id}/criteria"

    added = await post_form(
        client,
        url,
        {
            "name": "Impact",
            "description": "For residents",
            "weight": "2",
            "scale_min": "0",
            "scale_max": "10",
            "step": "0,5",
            "levels": "0: Absent\n\n10: Excellent",
        },
    )
    assert added.status_code == 303
    criterion = await Criterion.get(round_id=setup["stage"].id)
    assert (criterion.name, criterion.weight, criterion.step) == ("Impact", 2.0, 0.5)
    assert criterion.levels == [{"value": 0.0, "label": "Absent"}, {"value": 10.0, "label": "Excellent"}]

    form = await client.get(f"{url}/{criterion.id}/edit")
    assert "10: Excellent" in form.text
    edited = await post_form(
        client,
        f"{url}/{criterion.id}/edit",
        {"name": "Reach", "weight": "3", "scale_min": "1", "scale_max": "5", "step": "1", "levels": ""},
    )
    assert edited.status_code == 303
    criterion = await Criterion.get(id=criterion.id)
    assert (criterion.name, criterion.weight, criterion.scale_min, criterion.levels) == (
        "Reach",
        3.0,
        1.0,
        [],
    )

    deleted = await post_form(client, f"{url}/{criterion.id}/delete")
    assert deleted.status_code == 303
    assert not await Criterion.exists(id=criterion.id)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "weight": "1", "scale_min": "0", "scale_max": "10", "step": "1"}, "Enter a name"),
        ({"name": "X", "weight": "nan", "scale_min": "0", "scale_max": "10", "step": "1"}, "Enter a number."),
        (
            {"name": "X", "weight": "1", "scale_min": "5", "scale_max": "1", "step": "1"},
            "The maximum must be greater than the minimum.",
        ),
        (
            {
                "name": "X",
                "weight": "1",
                "scale_min": "0",
                "scale_max": "10",
                "step": "1",
                "levels": "11: Too",
            },
            "A level is a score of the scale.",
        ),
    ],
)
async def test_bad_criterion_is_refused_with_a_message(setup, make_client, data, message):
    client = await _organiser(make_client)

    response = await post_form(client, f"{_base(setup)}/rounds/{setup['stage'].id}/criteria", data)

    assert response.status_code == 422
    assert message in response.text
    assert await Criterion.filter(round_id=setup["stage"].id).count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "J", "round": "999", "assignment_mode": "all", "normalisation": "none"}, "Choose a round."),
        (
            {"name": "J", "round": "{round}", "assignment_mode": "k", "k": "x", "normalisation": "none"},
            "jurors per entry",
        ),
        (
            {"name": "J", "round": "{round}", "assignment_mode": "k", "k": "0", "normalisation": "none"},
            "jurors per entry",
        ),
        (
            {
                "name": "J",
                "round": "{round}",
                "assignment_mode": "all",
                "normalisation": "none",
                "opens_at": "soon",
            },
            "Enter a date and time like 2026-03-14T18:00.",
        ),
        (
            {
                "name": "J",
                "round": "{round}",
                "assignment_mode": "all",
                "normalisation": "none",
                "opens_at": "2026-06-02T10:00",
                "closes_at": "2026-06-01T10:00",
            },
            "The end of scoring must come after its start.",
        ),
        (
            {"name": "J", "round": "{round}", "assignment_mode": "all", "normalisation": "max"},
            "Choose a normalisation.",
        ),
        (
            {
                "name": "J",
                "round": "{round}",
                "assignment_mode": "all",
                "normalisation": "none",
                "challenge_99999": "on",
            },
            "Choose challenges of this event.",
        ),
        ({"name": "", "round": "{round}", "assignment_mode": "all", "normalisation": "none"}, "Enter a name"),
    ],
)
async def test_bad_session_is_refused_with_a_message(setup, make_client, data, message):
    client = await _organiser(make_client)
    data = {key: value.replace("{round}", str(setup["stage"].id)) for key, value in data.items()}

    response = await post_form(client, f"{_base(setup)}/juries/new", data)

    assert response.status_code == 422
    assert message in response.text
    assert await JurySession.all().count() == 0


async def test_transition_errors_are_shown(setup, make_client):
    client = await _organiser(make_client)
    session = await sessions.create_session(stage=setup["stage"], name="Jury")
    url = f"{_base(setup)}/juries/{session.id}"

    no_grid = await post_form(client, f"{url}/status", {"status": "open"})
    skipping = await post_form(client, f"{url}/status", {"status": "published"})
    bad_email = await post_form(client, f"{url}/jurors", {"email": "not an email"})

    assert no_grid.status_code == 422
    assert "Add the grid&#39;s criteria before opening the session." in no_grid.text
    assert skipping.status_code == 422
    assert "A session cannot go from &#34;scheduled&#34; to &#34;published&#34;." in skipping.text
    assert bad_email.status_code == 422
    assert "Enter an email address like name@example.org." in bad_email.text
    assert (await JurySession.get(id=session.id)).status == SessionStatus.SCHEDULED


async def test_organiser_of_another_event_is_refused_and_nothing_changes(setup, make_client):
    session = await sessions.create_session(stage=setup["stage"], name="Jury")
    await Criterion.create(round=setup["stage"], name="C", position=1)
    client = await _organiser(make_client, "orga2@example.org")
    base = _base(setup)
    other = "/events/other/manage"

    pages = [
        f"{base}/juries",
        f"{base}/juries/{session.id}",
        f"{base}/juries/{session.id}/results",
        f"{base}/juries/{session.id}/scores.csv",
        f"{base}/rounds/{setup['stage'].id}/criteria",
    ]
    assert [(await client.get(page)).status_code for page in pages] == [403] * len(pages)
    # Through the URL of the event they organise, event 1's objects are not found.
    assert (await client.get(f"{other}/juries/{session.id}")).status_code == 404
    assert (await client.get(f"{other}/rounds/{setup['stage'].id}/criteria")).status_code == 404
    posts = [
        (f"{base}/juries/{session.id}/status", {"status": "open"}),
        (f"{other}/juries/{session.id}/status", {"status": "open"}),
        (f"{other}/juries/{session.id}/jurors", {"email": "juror@example.org"}),
        (f"{other}/rounds/{setup['stage'].id}/criteria/preset", {"preset": "hackathon_final"}),
    ]
    assert [(await post_form(client, url, data)).status_code for url, data in posts] == [403, 404, 404, 404]

    assert (await JurySession.get(id=session.id)).status == SessionStatus.SCHEDULED
    assert await JurySessionJuror.all().count() == 0
    assert await Criterion.all().count() == 1
