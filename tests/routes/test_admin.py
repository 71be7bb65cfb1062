"""The administration page: every event with its status said once, accounts."""

from __future__ import annotations

import html
import re

from events.models import Event, EventStatus
from tests.helpers import make_user, sign_in


async def test_each_event_is_listed_with_its_status_once(db, make_client):
    await Event.create(slug="energie", title="Défi Énergie", status=EventStatus.DRAFT)
    await Event.create(slug="lyon", title="Hackathon Lyon", status=EventStatus.ARCHIVED)
    await Event.create(slug="paris", title="DataCity Paris", status=EventStatus.PUBLISHED)
    await make_user("admin@example.org", name="Admin", is_admin=True, language="fr")
    client = make_client()
    await sign_in(client, "admin@example.org")

    page = await client.get("/admin")

    assert page.status_code == 200
    items = [
        " ".join(re.sub(r"<[^>]+>", " ", html.unescape(item)).split())
        for item in re.findall(r'<li><a href="/events/[^"]+/manage">(.*?)</li>', page.text, re.S)
    ]
    assert items == ["DataCity Paris publié", "Défi Énergie brouillon", "Hackathon Lyon archivé"]
