"""Long public lists a page at a time (catalogue, gallery, teams) and the event page's linked data
bounded, on the large demo data at a twentieth (seeds/large.py): each page costs the queries it costs on
the small demo, pages follow one another without gaps or repeats, filters survive the page links."""

from __future__ import annotations

import json
import re

import pytest

from events.domain import linked_data
from events.models import Dataset, Entry, EntryStatus, Event, Team
from events.routes import datasets as dataset_routes
from events.routes import gallery as gallery_routes
from events.routes import teams as team_routes
from seeds.large import LARGE, SLUG, load_large
from tests.querycount import count_queries
from tests.routes.test_query_counts import PAGE_QUERIES

SMALL = LARGE.divided(20)
CARD_TITLE = re.compile(r'<li class="card">\s*<h2>(?:<a href="[^"]*">)?([^<]+)<')
TEAMS_PAGE_QUERIES = 5  # event, count, the page's teams, their members (with names), their challenges
# user session, event, role, count, those in a team, the page's registrants (with their users), their teams
REGISTRANTS_PAGE_QUERIES = 7


@pytest.fixture
async def large(db):
    await load_large(scale=SMALL)
    return await Event.get(slug=SLUG)


async def _walk(client, url: str, pages: int, expected_queries: int) -> list[list[str]]:
    """Every page of a list (and one beyond the last), each costing `expected_queries`."""
    seen = []
    for number in range(1, pages + 2):
        async with count_queries() as queries:
            response = await client.get(f"{url}{'&' if '?' in url else '?'}page={number}")
        assert response.status_code == 200
        assert len(queries) == expected_queries, queries.report()
        shown = min(number, pages)
        assert f"page {shown} of {pages}" in response.text or f"page {shown} sur {pages}" in response.text
        assert ('rel="prev"' in response.text) == (shown > 1)
        assert ('rel="next"' in response.text) == (shown < pages)
        seen.append([title.strip() for title in CARD_TITLE.findall(response.text)])
    assert seen[-1] == seen[-2]  # beyond the last page: the last one
    return seen[:-1]


async def test_the_catalogue_shows_a_page_at_a_time_with_its_filters_kept(large, client, monkeypatch):
    monkeypatch.setattr(dataset_routes, "CATALOGUE_PER_PAGE", 4)
    titles = list(await Dataset.filter(event=large).order_by("title", "id").values_list("title", flat=True))
    assert len(titles) == SMALL.datasets == 15

    pages = await _walk(client, f"/events/{SLUG}/datasets", 4, PAGE_QUERIES["dataset catalogue"])

    assert [len(page) for page in pages] == [4, 4, 4, 3]
    assert [title for page in pages for title in page] == [t.replace("'", "&#39;") for t in titles]
    licence = "etalab-2.0"
    matching = await Dataset.filter(event=large, licence_spdx=licence).count()
    assert 4 < matching < 15
    first = await client.get(f"/events/{SLUG}/datasets?licence={licence}")
    assert f"{matching} datasets" in first.text or f"{matching} jeux de données" in first.text
    assert f'href="/events/{SLUG}/datasets?licence={licence}&amp;page=2" rel="next"' in first.text


async def test_the_gallery_shows_a_page_at_a_time(large, client, monkeypatch):
    monkeypatch.setattr(gallery_routes, "GALLERY_PER_PAGE", 10)
    assert await Entry.filter(event=large, status=EntryStatus.SUBMITTED).count() == SMALL.teams == 41

    pages = await _walk(client, f"/events/{SLUG}/gallery", 5, PAGE_QUERIES["gallery"])

    assert [len(page) for page in pages] == [10, 10, 10, 10, 1]
    shown = [title for page in pages for title in page]
    assert len(shown) == 41


async def test_the_teams_show_a_page_at_a_time(large, client, monkeypatch):
    monkeypatch.setattr(team_routes, "TEAMS_PER_PAGE", 20)
    names = list(await Team.filter(event=large).order_by("name", "id").values_list("name", flat=True))

    pages = await _walk(client, f"/events/{SLUG}/teams", 3, TEAMS_PAGE_QUERIES)

    assert [name for page in pages for name in page] == [n.replace("'", "&#39;") for n in names]


async def test_the_event_page_embeds_the_first_entries_and_hackathon_json_all(large, client, monkeypatch):
    monkeypatch.setattr(linked_data, "EMBEDDED_WORKS", 7)

    async with count_queries() as queries:
        page = await client.get(f"/events/{SLUG}")
    document = (await client.get(f"/events/{SLUG}/hackathon.json")).json()

    assert len(queries) == PAGE_QUERIES["event page"], queries.report()
    embedded = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)[1]
    )
    assert len(document["workPerformed"]) == SMALL.teams
    assert embedded["workPerformed"] == document["workPerformed"][:7]
    assert {key: value for key, value in embedded.items() if key != "workPerformed"} == {
        key: value for key, value in document.items() if key != "workPerformed"
    }


async def test_the_organisers_session_page_lists_the_assignments_a_page_at_a_time(large, make_client):
    from events.domain import session_overview
    from events.models import Assignment, JurySession
    from seeds.demo import DEMO_PASSWORD
    from seeds.large import NATIONAL_JURY, ORGANISER_EMAIL
    from tests.conftest import ON_POSTGRES
    from tests.helpers import sign_in
    from tests.routes.test_query_counts import SESSION_PAGE_QUERIES

    organiser = make_client()
    await sign_in(organiser, ORGANISER_EMAIL, DEMO_PASSWORD)
    session = await JurySession.get(event=large, name=NATIONAL_JURY)
    assert await Assignment.filter(session=session).count() == SMALL.teams * 5 == 205
    assert session_overview.ASSIGNMENTS_PER_PAGE == 100
    url = f"/events/{SLUG}/manage/juries/{session.id}"
    rows = []
    for number in (1, 2, 3, 4):
        async with count_queries() as queries:
            page = await organiser.get(f"{url}?page={number}")
        assert page.status_code == 200
        assert len(queries) == SESSION_PAGE_QUERIES[ON_POSTGRES], queries.report()
        table = page.text[page.text.rindex("<tbody>") : page.text.rindex("</tbody>")]
        rows.append(table.count("<tr>"))
        assert f"{min(number, 3)} of 3" in page.text or f"{min(number, 3)} sur 3" in page.text
    assert rows == [100, 100, 5, 5]


async def test_the_registrants_show_a_page_at_a_time_and_the_export_everyone(large, make_client, monkeypatch):
    from events.models import Registration
    from seeds.demo import DEMO_PASSWORD
    from seeds.large import ORGANISER_EMAIL
    from tests.helpers import sign_in

    monkeypatch.setattr(team_routes, "REGISTRANTS_PER_PAGE", 40)
    organiser = make_client()
    await sign_in(organiser, ORGANISER_EMAIL, DEMO_PASSWORD)
    emails = list(
        await Registration.filter(event=large)
        .order_by("created_at", "id")
        .values_list("user__email", flat=True)
    )
    assert len(emails) == SMALL.participants == 150
    shown = []
    for number in (1, 2, 3, 4, 5):
        async with count_queries() as queries:
            page = await organiser.get(f"/events/{SLUG}/manage/registrants?page={number}")
        assert page.status_code == 200
        assert len(queries) == REGISTRANTS_PAGE_QUERIES, queries.report()
        if number <= 4:
            shown += re.findall(r"<td>([^<]+@[^<]+)</td>", page.text)
        assert "150" in page.text
    assert shown == emails
    export = await organiser.get(f"/events/{SLUG}/manage/registrants.csv")
    assert export.status_code == 200
    assert export.text.count("@grand-defi.demo.hackcity.fr") == 150
    first_team = await Team.get(members__user__email=emails[0])
    assert f"{emails[0]}," in export.text
    assert first_team.name in export.text.split(f"{emails[0]},", 1)[1].split("\n", 1)[0]
