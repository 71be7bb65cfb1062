"""Mail through the outbox: `queue_mail` stores a message, `deliver_pending` sends what is due.

A message is written in its recipient's language, never in the language of the request that
caused it (an organiser reading French decides, an English-speaking team is told in English):
`mail_users` composes one message per user in their profile's language, `mail_address` one for an
address, in the language of the account that holds it or else the instance's DEFAULT_LANGUAGE.
Domain functions that mail take `base_url`, the configured BASE_URL, and build every link from it,
never from a request's Host header.

A message is stored as text; it is sent as that text and, as its alternative, the same text in
HTML with the instance's name, logo and colours (`html_body`: escaped, links kept, inline styles).

With SMTP_URL unset, a message is written to the log and stays readable in the outbox
(status `logged`). Failed sends are retried with a growing delay, then marked failed. Every app
process runs a worker: each message is claimed by one worker before it is sent, never by two.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from markupsafe import escape
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from events.domain.branding import DEFAULT as DEFAULT_BRANDING
from events.domain.branding import Branding, load_branding
from events.i18n import get_language, in_language
from events.logs import safe_log
from events.models import MailStatus, OutboxMessage, User

log = logging.getLogger("hackcity.mail")
MAX_ATTEMPTS = 5
_SUBJECT_SPACING = re.compile(r"[^\S\u00a0\u202f]+")
CLAIM_BATCH = 20
# How long a claimed message is left to its worker: longer than a batch takes even when every
# send runs into the 20-second SMTP timeout.
CLAIM_LEASE = timedelta(minutes=15)
_wake = asyncio.Event()


def _subject(subject: str) -> str:
    # No header injection through a title: line breaks and other spacing become one space. The
    # no-break spaces of French typography (« titre », Lyon : …) are text, and stay.
    return " ".join(_SUBJECT_SPACING.split(subject)).strip()[:300]


async def queue_mail(*, to: str, subject: str, body: str) -> OutboxMessage:
    message = await OutboxMessage.create(to=to, subject=_subject(subject), body=body, language=get_language())
    _wake.set()
    return message


async def queue_mails(messages: Iterable[tuple[str, str, str]]) -> int:
    """Queue many (to, subject, body) messages a few statements at a time (an import's invitations,
    inside its transaction); returns how many."""
    language = get_language()
    rows = [
        OutboxMessage(to=to, subject=_subject(subject), body=body, language=language)
        for to, subject, body in messages
    ]
    if rows:
        await OutboxMessage.bulk_create(rows, batch_size=500)
        _wake.set()
    return len(rows)


async def mail_users(users: Iterable[User], compose: Callable[[User], tuple[str, str]]) -> int:
    """Queue one message per active user, `compose(user)` giving (subject, body) in that user's
    language. Returns how many were queued."""
    queued = 0
    for user in users:
        if not user.is_active:
            continue
        with in_language(user.language):
            subject, body = compose(user)
        await queue_mail(to=user.email, subject=subject, body=body)
        queued += 1
    return queued


async def mail_address(email: str, compose: Callable[[], tuple[str, str]], *, default_language: str) -> None:
    """Queue a message to an address that may not have an account yet (an invitation): in the
    language of the account that holds it, else in `default_language`."""
    user = await User.get_or_none(email=email, is_active=True) if len(email) <= 254 else None
    with in_language(user.language if user else default_language):
        subject, body = compose()
    await queue_mail(to=email, subject=subject, body=body)


def _smtp_options(smtp_url: str) -> dict:
    parts = urlsplit(smtp_url)
    query = parse_qs(parts.query)
    implicit_tls = parts.scheme == "smtps"
    options = {
        "hostname": parts.hostname or "localhost",
        "port": parts.port or (465 if implicit_tls else 25),
        "use_tls": implicit_tls,
        "start_tls": query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        "timeout": 20,
    }
    if parts.username:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    return options


def _build(
    message: OutboxMessage, mail_from: str, *, branding: Branding = DEFAULT_BRANDING, base_url: str = ""
) -> EmailMessage:
    """The message as sent: its text, and the same text as HTML in the instance's look, as
    alternatives (multipart/alternative: a client shows the one it prefers)."""
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="hackcity")
    email.set_content(message.body)
    email.add_alternative(
        html_body(
            message.body,
            subject=message.subject,
            language=message.language,
            branding=branding,
            base_url=base_url,
        ),
        subtype="html",
    )
    return email


# A web address in a text body: ends before spacing, quotes and angle brackets; trailing punctuation
# that ends a sentence is not part of it.
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)»"
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"


def _linked(line: str, colour: str) -> str:
    """One line of text, escaped, its web addresses as links."""
    out: list[str] = []
    last = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        out.append(str(escape(line[last : match.start()])))
        out.append(
            f'<a href="{escape(url)}" style="color:{colour};text-decoration:underline">{escape(url)}</a>'
        )
        last = end
    out.append(str(escape(line[last:])))
    return "".join(out)


def html_body(body: str, *, subject: str, language: str, branding: Branding, base_url: str) -> str:
    """The text of a message as an HTML page for mail clients: the instance's name (and logo, by its
    absolute address) on its main colour, the paragraphs with their links, every character of the
    text escaped, styles inline (mail clients drop style sheets)."""
    colour = branding.primary
    site = base_url.rstrip("/")
    paragraphs = "".join(
        f'<p style="margin:0 0 16px">{"<br>".join(_linked(line, colour) for line in block.splitlines())}</p>'
        for block in re.split(r"\n\s*\n", body.strip())
        if block.strip()
    )
    name = escape(branding.name)
    logo = ""
    if branding.logo and site:
        height = min(branding.logo.height, 48)
        width = round(branding.logo.width * height / branding.logo.height)
        logo = (
            f'<img src="{escape(site + branding.logo.url)}" alt="" width="{width}" height="{height}" '
            'style="vertical-align:middle;margin-right:12px;background:#ffffff;border-radius:4px;padding:2px">'
        )
    home = f'<a href="{escape(site)}/" style="color:#ffffff;text-decoration:none">' if site else "<span>"
    home_end = "</a>" if site else "</span>"
    lang = f' lang="{escape(language)}"' if language else ""
    return (
        f'<!doctype html><html{lang}><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(subject)}</title></head>"
        f'<body style="margin:0;padding:0;background:#f3f4f8;color:#1a1a1a;{_FONT}">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f8">'
        '<tr><td align="center" style="padding:24px 12px">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        'style="max-width:600px;background:#ffffff;border-radius:6px">'
        f'<tr><td style="background:{colour};color:#ffffff;padding:16px 24px;border-radius:6px 6px 0 0;'
        f'font-size:20px;font-weight:700">{home}{logo}{name}{home_end}</td></tr>'
        f'<tr><td style="padding:24px;font-size:16px;line-height:1.5;color:#1a1a1a">{paragraphs}</td></tr>'
        "</table></td></tr></table></body></html>"
    )


def _due(now: datetime) -> Q:
    return (
        Q(status=MailStatus.PENDING)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        & (Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
    )


async def _claim(worker: str, now: datetime) -> list[OutboxMessage] | None:
    """Take up to CLAIM_BATCH due messages for this worker, oldest first; None when none is due.

    The filter says what is due, so messages waiting for a retry never hide due ones behind them.
    On PostgreSQL, FOR UPDATE SKIP LOCKED lets parallel workers take different messages without
    waiting for each other. The update checks again that each message is still due, so a message
    claimed by another worker in the meantime is not taken (SQLite: one process, writes in turn).
    """
    async with in_transaction():
        # only("id"), not values_list(): Tortoise leaves FOR UPDATE out of a values_list() query.
        found = (
            await OutboxMessage.filter(_due(now))
            .order_by("id")
            .limit(CLAIM_BATCH)
            .select_for_update(skip_locked=True)
            .only("id")
        )
        if not found:
            return None
        ids = [message.id for message in found]
        await OutboxMessage.filter(_due(now), id__in=ids).update(
            claimed_by=worker, claimed_until=now + CLAIM_LEASE
        )
    return await OutboxMessage.filter(id__in=ids, claimed_by=worker).order_by("id")


async def _send(
    message: OutboxMessage,
    *,
    smtp_url: str,
    mail_from: str,
    now: datetime,
    branding: Branding = DEFAULT_BRANDING,
    base_url: str = "",
) -> bool:
    """Send (or log) one claimed message and release it; True when it left the outbox."""
    if not smtp_url:
        log.info(
            "mail (no SMTP_URL) to=%s subject=%s\n%s",
            safe_log(message.to),
            safe_log(message.subject),
            message.body,
        )
        message.status = MailStatus.LOGGED
        message.sent_at = now
    else:
        message.attempts += 1
        try:
            email = _build(message, mail_from, branding=branding, base_url=base_url)
            await aiosmtplib.send(email, **_smtp_options(smtp_url))
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            message.last_error = safe_log(error, 500)
            if message.attempts >= MAX_ATTEMPTS:
                message.status = MailStatus.FAILED
            else:
                message.next_attempt_at = now + timedelta(seconds=30 * 2**message.attempts)
            log.warning(
                "mail %s to %s failed (attempt %s): %s",
                message.id,
                safe_log(message.to),
                message.attempts,
                message.last_error,
            )
        else:
            message.status = MailStatus.SENT
            message.sent_at = now
    message.claimed_by = ""
    message.claimed_until = None
    await message.save(
        update_fields=[
            "status",
            "sent_at",
            "attempts",
            "last_error",
            "next_attempt_at",
            "claimed_by",
            "claimed_until",
        ]
    )
    return message.status in (MailStatus.SENT, MailStatus.LOGGED)


async def deliver_pending(
    *, smtp_url: str, mail_from: str, now: datetime | None = None, base_url: str = ""
) -> int:
    """Send every due message once; returns how many left the outbox.

    Several workers (app processes) may run this at once: each message is claimed by one of them
    before it is sent, in batches, until nothing due is left. The HTML part takes the instance's
    look as it is now (read once per run) and the logo's address from `base_url` (BASE_URL).
    """
    worker = uuid.uuid4().hex
    done = 0
    branding: Branding | None = None
    while True:
        moment = now or datetime.now(UTC)  # a fresh clock per batch: claims of a long run stay valid
        batch = await _claim(worker, moment)
        if batch is None:
            return done
        if branding is None:
            branding = await load_branding()
        for message in batch:
            done += await _send(
                message,
                smtp_url=smtp_url,
                mail_from=mail_from,
                now=moment,
                branding=branding,
                base_url=base_url,
            )


async def run_outbox_worker(
    *, smtp_url: str, mail_from: str, base_url: str = "", interval: float = 15.0
) -> None:
    """Background task started by the app's lifespan."""
    while True:
        # Cleared before delivering, so a message queued during a delivery wakes the next round
        # instead of waiting for the interval.
        _wake.clear()
        try:
            await deliver_pending(smtp_url=smtp_url, mail_from=mail_from, base_url=base_url)
        except Exception:
            log.exception("outbox worker error")
        try:
            await asyncio.wait_for(_wake.wait(), timeout=interval)
        except TimeoutError:
            pass
