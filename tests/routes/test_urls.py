"""One way to read an id from a URL: the `{name:id}` path convertor (events/urls.py).

Every route whose path names a row by id uses it, so a handler receives an int from 1 to the 32-bit
bound and never parses the path itself; any other segment matches no route and is a 404.
"""

from __future__ import annotations

import re

import pytest
from starlette.convertors import CONVERTOR_TYPES
from starlette.routing import Route

from events.domain.numbers import MAX_ID
from events.models import Dataset
from events.routes import all_routes
from events.urls import IdConvertor, at_most
from seeds.demo import load_demo


def test_at_most_matches_exactly_the_numbers_from_one_to_the_limit():
    for limit in (1, 7, 9, 10, 99, 100, 305, 1000, 2024):
        pattern = re.compile(at_most(limit))
        matched = [n for n in range(0, 2 * limit + 20) if pattern.fullmatch(str(n))]
        assert matched == list(range(1, limit + 1)), limit


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("1", True),
        ("42", True),
        (str(MAX_ID), True),
        (str(MAX_ID - 1), True),
        ("1999999999", True),
        (str(MAX_ID + 1), False),
        ("2200000000", False),
        ("9999999999", False),
        ("99999999999", False),
        ("0", False),
        ("007", False),
        ("-1", False),
        ("+1", False),
        ("1_000", False),
        ("١٢", False),
        ("１２", False),
        ("²", False),
        ("1" * 5000, False),
        ("", False),
    ],
)
def test_the_id_pattern_takes_only_ascii_ids_in_the_database_range(text, matches):
    assert bool(re.fullmatch(IdConvertor.regex, text)) is matches
    if matches:
        assert IdConvertor().convert(text) == int(text)


def test_every_route_that_names_a_row_by_id_uses_the_convertor():
    assert isinstance(CONVERTOR_TYPES["id"], IdConvertor)
    routes = [r for r in all_routes() if isinstance(r, Route)]
    params = {name: convertor for r in routes for name, convertor in r.param_convertors.items()}
    id_params = sorted(name for name in params if name.endswith("_id"))
    # The ids the app's URLs carry today; a new one must use {name:id} too.
    assert id_params == [
        "announcement_id",
        "criterion_id",
        "dataset_id",
        "delivery_id",
        "entry_id",
        "file_id",
        "image_id",
        "invitation_id",
        "role_id",
        "round_id",
        "session_id",
        "token_id",
        "user_id",
        "webhook_id",
    ]
    for r in routes:
        for name, convertor in r.param_convertors.items():
            if name.endswith("_id"):
                assert isinstance(convertor, IdConvertor), (r.path, name)


def test_url_for_refuses_what_is_not_an_id():
    with pytest.raises(ValueError):
        IdConvertor().to_string(0)
    with pytest.raises(ValueError):
        IdConvertor().to_string(MAX_ID + 1)
    assert IdConvertor().to_string(12) == "12"


async def test_a_dataset_page_answers_its_id_and_404_for_anything_else(client):
    await load_demo()
    dataset = await Dataset.filter(event__slug="datacity-paris-2026").order_by("id").first()
    assert dataset is not None
    page = await client.get(f"/events/datacity-paris-2026/datasets/{dataset.id}")
    assert page.status_code == 200
    assert dataset.title in page.text
    for segment in (f"0{dataset.id}", f"{dataset.id}.0", "٣", str(MAX_ID + 1), "9" * 400, "0", "-1", "abc"):
        answer = await client.get(f"/events/datacity-paris-2026/datasets/{segment}")
        assert answer.status_code == 404, segment
        assert "Page not found" in answer.text, segment
    # Within the range but naming no row: the handler's lookup answers 404 too.
    answer = await client.get(f"/events/datacity-paris-2026/datasets/{MAX_ID}")
    assert answer.status_code == 404
