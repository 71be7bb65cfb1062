"""Mail goes as text with an HTML alternative in the instance's look (events/mail.py): the same
words, escaped, the links kept, the instance's name, main colour and logo (by its absolute address),
inline styles only. Checked on two real mails: an invitation and a password reset."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest

from events.domain import branding
from events.domain.branding import DEFAULT
from events.mail import html_body
from events.models import Event, EventRole, EventStatus, Role, SiteSettings
from tests import images
from tests.helpers import make_user, post_form, sign_in


@pytest.fixture
async def look(db, app):
    """An instance called with markup in its name, a green main colour and a logo."""
    await SiteSettings.create(id=1, name="Lyon <Data> & Co", primary_colour="#0b5d1e")
    logo = await branding.set_logo(storage=app.state.storage, data=images.png(200, 100))
    return logo


def parts(message: EmailMessage) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    page = message.get_body(preferencelist=("html",)).get_content()
    return text, page


def check_look(page: str, logo) -> None:
    assert "<style" not in page and "<script" not in page and "<link" not in page  # inline styles only
    assert "Lyon &lt;Data&gt; &amp; Co" in page and "Lyon <Data>" not in page
    assert "background:#0b5d1e" in page
    assert f'<img src="http://testserver{logo.url}" alt="" width="96" height="48"' in page


async def test_an_invitation_is_sent_as_text_and_as_html_in_the_instance_look(client, outbox, look):
    event = await Event.create(slug="datacity", title="DataCity <2026>", status=EventStatus.PUBLISHED)
    organiser = await make_user("orga@example.org")
    await EventRole.create(event=event, user=organiser, role=Role.ORGANISER)
    await sign_in(client, "orga@example.org")
    answer = await post_form(
        client, "/events/datacity/manage/people", {"email": "new@example.org", "role": "juror"}
    )
    assert answer.status_code == 303

    mailbox = await outbox()
    text, page = parts(mailbox.last_to("new@example.org"))
    link = "http://testserver" + mailbox.link_in(mailbox.last_to("new@example.org"), "/invitations/")
    assert "DataCity <2026>" in text and link in text  # the text part is the text as it was written
    assert "DataCity &lt;2026&gt;" in page
    assert f'<a href="{link}" style="color:#1f3a93' not in page  # the instance's colour, not the default
    assert f'<a href="{link}" style="color:#0b5d1e;text-decoration:underline">{link}</a>' in page
    assert '<html lang="en">' in page  # no account holds the address: the instance's language (tests: en)
    check_look(page, look)


async def test_a_password_reset_is_sent_as_text_and_as_html(client, outbox, look):
    await make_user("ana@example.org", language="en")
    answer = await post_form(
        client, "/password/forgot", {"email": "ana@example.org"}, page="/password/forgot"
    )
    assert answer.status_code == 303

    mailbox = await outbox()
    message = mailbox.last_to("ana@example.org")
    text, page = parts(message)
    link = "http://testserver" + mailbox.link_in(message, "/password/reset/")
    assert link in text
    assert f'<a href="{link}" style="color:#0b5d1e;text-decoration:underline">{link}</a>' in page
    assert '<html lang="en">' in page
    assert f"<title>{message['Subject']}</title>" in page
    # Every paragraph of the text is in the page.
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        first_line = paragraph.splitlines()[0].strip()
        if first_line and "http" not in first_line:
            assert first_line.replace("'", "&#39;") in page, first_line
    check_look(page, look)


def test_the_html_part_escapes_what_the_text_holds():
    body = (
        "Hello <script>alert(1)</script> & co\n\n"
        'See https://example.org/a?b=1&c="><img src=x onerror=alert(1)>.\nBye'
    )
    page = html_body(
        body, subject="<b>Hi</b>", language="en", branding=DEFAULT, base_url="https://hack.example"
    )
    assert "<script>" not in page and "<img src=x" not in page and "<b>Hi" not in page
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert (
        '<a href="https://example.org/a?b=1&amp;c=" style="color:#1f3a93;text-decoration:underline">' in page
    )
    assert "<br>Bye</p>" in page
    assert '<a href="https://hack.example/" style="color:#ffffff;text-decoration:none">hackcity</a>' in page
