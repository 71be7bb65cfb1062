"""A portal's dataset is in an event's catalogue at most once, even when imports race: the database holds a
unique constraint (event, portal kind, remote id), and a refused insert gives the same clear message as
the check made before it. Datasets entered by hand have no remote id (NULL) and may be many."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.exceptions import IntegrityError

from events.domain import portals
from events.domain.errors import FormErrors
from events.models import Dataset, Event, EventStatus, PortalKind
from tests import portal_server as data

ALREADY = "This dataset is already in the catalogue as “Vélib' - Vélos et bornes - Disponibilité temps réel”."


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
async def event(db) -> Event:
    return await Event.create(slug="datacity-paris", title="DataCity Paris", status=EventStatus.PUBLISHED)


async def test_ten_parallel_imports_of_one_dataset_leave_one_row_and_nine_clear_refusals(event, portal):
    url = portal(f"/fr/datasets/{data.UDATA_SLUG}/")

    results = await asyncio.gather(
        *(portals.import_dataset(event=event, url=url, allow_private=True) for _ in range(10)),
        return_exceptions=True,
    )

    imported = [result for result in results if isinstance(result, Dataset)]
    refused = [result for result in results if isinstance(result, FormErrors)]
    assert len(imported) == 1, results
    assert len(refused) == 9, results
    assert all(error.errors == {"url": ALREADY} for error in refused)
    rows = await Dataset.filter(event_id=event.id)
    assert [row.id for row in rows] == [imported[0].id]
    assert rows[0].remote_id == data.UDATA_ID


async def test_an_import_that_loses_the_race_gets_the_clear_message(event, portal, monkeypatch):
    """The check before the insert sees nothing (the other import had not landed yet): the constraint
    refuses the insert and the message is the same as the check's."""
    url = portal(f"/fr/datasets/{data.UDATA_SLUG}/")
    first = await portals.import_dataset(event=event, url=url, allow_private=True)
    real_get_or_none = Dataset.get_or_none
    calls = []

    def blind_once(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            return _none()
        return real_get_or_none(*args, **kwargs)

    monkeypatch.setattr(portals.Dataset, "get_or_none", blind_once)

    with pytest.raises(FormErrors) as caught:
        await portals.import_dataset(event=event, url=url, allow_private=True)

    assert caught.value.errors == {"url": ALREADY}
    assert len(calls) == 2  # the blind check, then the look-up after the refused insert
    assert [row.id for row in await Dataset.filter(event_id=event.id)] == [first.id]
    # The connection is still usable after the refused insert (no aborted transaction left behind).
    assert await Dataset.filter(event_id=event.id).count() == 1


async def _none():
    return None


async def test_the_database_refuses_a_second_row_for_one_remote_dataset(event):
    await Dataset.create(event=event, title="One", portal_kind=PortalKind.UDATA, remote_id="abc")

    with pytest.raises(IntegrityError):
        await Dataset.create(event=event, title="Two", portal_kind=PortalKind.UDATA, remote_id="abc")

    other = await Event.create(slug="other", title="Other")
    await Dataset.create(
        event=other, title="Same id, other event", portal_kind=PortalKind.UDATA, remote_id="abc"
    )
    await Dataset.create(
        event=event, title="Same id, other kind", portal_kind=PortalKind.CKAN, remote_id="abc"
    )
    assert await Dataset.filter(remote_id="abc").count() == 3


async def test_datasets_entered_by_hand_have_no_remote_id_and_may_be_many(event):
    for title in ("First", "Second", "Third"):
        await portals.create_manual_dataset(
            event=event, title=title, publisher="", licence="", url="", description=""
        )
    await Dataset.create(event=event, title="Fourth", portal_kind=PortalKind.MANUAL)

    manual = await Dataset.filter(event_id=event.id, portal_kind=PortalKind.MANUAL)
    assert len(manual) == 4
    assert {dataset.remote_id for dataset in manual} == {None}
