"""Buttons in three styles, used for what they mean: an action that deletes, removes, revokes or refuses
wears the danger style, "back to draft" is not the primary action (static/css/app.css names the styles)."""

from __future__ import annotations

from html.parser import HTMLParser

from events.models import Invitation, Role
from tests.entry_world import make_entry_world, signed_in

DESTRUCTIVE = ("Delete", "Remove", "Cancel", "Refuse", "Reject", "Revoke", "Disable", "Leave", "Forget")


class _Buttons(HTMLParser):
    """(classes, text) of every <button> of a page's main content."""

    def __init__(self) -> None:
        super().__init__()
        self.buttons: list[tuple[set[str], str]] = []
        self._open: list[str] | None = None
        self._classes: set[str] = set()
        self._in_main = False

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self._in_main = True
        elif tag == "button" and self._in_main:
            self._classes, self._open = set((dict(attrs).get("class") or "").split()), []

    def handle_endtag(self, tag):
        if tag == "button" and self._open is not None:
            self.buttons.append((self._classes, " ".join("".join(self._open).split())))
            self._open = None
        elif tag == "main":
            self._in_main = False

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)


def buttons(html: str) -> list[tuple[set[str], str]]:
    reader = _Buttons()
    reader.feed(html)
    return reader.buttons


async def test_destructive_actions_wear_the_danger_style_on_the_organisers_and_teams_pages(db, make_client):
    world = await make_entry_world()
    await Invitation.create(event=world.event, email="new@example.org", role=Role.JUROR, token_hash="d" * 64)
    olga = await signed_in(make_client, world.olga)
    alice = await signed_in(make_client, world.alice)
    slug = world.event.slug

    pages = {
        "rounds": await olga.get(f"/events/{slug}/manage/rounds"),
        "people": await olga.get(f"/events/{slug}/manage/people"),
        "team": await alice.get(f"/events/{slug}/team"),
    }

    seen = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        destructive = [
            (classes, text) for classes, text in buttons(response.text) if text.startswith(DESTRUCTIVE)
        ]
        seen[name] = sorted(text for _, text in destructive)
        assert all({"button", "button--danger"} <= classes for classes, _ in destructive), (name, destructive)
    assert seen == {
        "rounds": ["Delete Prototype"],
        "people": ["Cancel the invitation of new@example.org", "Remove Organiser role of Olga"],
        "team": ["Remove Arthur from the team"],
    }
    # Making a new join link revokes the current one.
    assert ({"button", "button--danger"}, "Make a new link (the current one stops working)") in buttons(
        pages["team"].text
    )


async def test_back_to_draft_is_a_secondary_action_and_publishing_the_primary_one(db, make_client):
    world = await make_entry_world()
    olga = await signed_in(make_client, world.olga)

    published = buttons((await olga.get(f"/events/{world.event.slug}/manage")).text)

    status = [(classes, text) for classes, text in published if text == "Back to draft"]
    assert status == [({"button", "button--secondary"}, "Back to draft")]
