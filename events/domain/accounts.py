"""Accounts: sign-up, email verification, login with rate limiting, password reset, profile,
deletion (anonymisation), disabling by an admin. The export of one's data is in `personal_data`."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain import passwords, throttle, tokens
from events.domain.errors import FormErrors, RateLimited
from events.i18n import LANGUAGES, _, ngettext
from events.logs import safe_log
from events.mail import mail_users
from events.models import (
    ApiToken,
    EventRole,
    JoinRequest,
    OutboxMessage,
    Registration,
    TeamMember,
    User,
    UserSession,
)

log = logging.getLogger("hackcity.accounts")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _email_hash(email: str) -> str:
    return throttle.email_digest(email)


def check_name(name: str) -> str | None:
    if not name.strip():
        return _("Enter your name.")
    if len(name) > 120:
        return _("Use at most %(n)s characters.", n=120)
    if any(not ch.isprintable() for ch in name):
        return _("The name contains characters that cannot be shown.")
    return None


def check_email(email: str) -> str | None:
    if not email:
        return _("Enter your email address.")
    if len(email) > 254 or not EMAIL_RE.match(email):
        return _("Enter an email address like name@example.org.")
    return None


async def sign_up(
    *,
    name: str,
    email: str,
    password: str,
    accept_terms: bool,
    newsletter: bool,
    publish_name: bool,
    language: str,
    client: str,
    base_url: str,
    secret_key: str,
) -> User:
    """Create an account and mail its confirmation link; RateLimited after many from one client."""
    email = normalise_email(email)
    name = name.strip()
    errors: dict[str | None, str] = {}
    if problem := check_name(name):
        errors["name"] = problem
    if problem := check_email(email):
        errors["email"] = problem
    if problem := passwords.password_problem(password, email=email):
        errors["password"] = problem
    if not accept_terms:
        errors["accept_terms"] = _("You must accept the terms and the privacy notice to create an account.")
    if errors:
        raise FormErrors(errors)
    await throttle.hit(
        throttle.SIGNUP_CLIENT,
        client,
        refusal=lambda minutes: ngettext(
            "Too many accounts were created from your connection. Try again in %(num)s minute.",
            "Too many accounts were created from your connection. Try again in %(num)s minutes.",
            minutes,
        ),
    )
    password_hash = await passwords.hash_password(password)
    try:
        user = await User.create(
            name=name,
            email=email,
            password_hash=password_hash,
            language=language if language in LANGUAGES else "fr",
            terms_accepted_at=datetime.now(UTC),
            opt_in_newsletter=newsletter,
            opt_in_publish_name=publish_name,
        )
    except IntegrityError:
        raise FormErrors(
            {"email": _("An account already uses this email address. Sign in or reset your password.")}
        ) from None
    await send_verification(user, base_url=base_url, secret_key=secret_key)
    log.info("sign-up user=%s", user.id)
    return user


async def send_verification(user: User, *, base_url: str, secret_key: str) -> None:
    token = tokens.make_token(secret_key, "verify", {"u": user.id, "e": tokens.fingerprint(user.email)})
    link = f"{base_url}/verify/{token}"

    def compose(user: User) -> tuple[str, str]:
        return _("Confirm your email address for hackcity"), _(
            "Hello %(name)s,\n\nPlease confirm your email address by opening this link "
            "(valid for 3 days):\n\n%(link)s\n\nIf you did not create an account, ignore this message.\n",
            name=user.name,
            link=link,
        )

    await mail_users([user], compose)


async def resend_verification(user: User, *, client: str, base_url: str, secret_key: str) -> bool:
    """Mail a new confirmation link to an unconfirmed account; False when it is already confirmed.

    RateLimited after a few for one address, or many from one client: each one is a mail we send.
    """
    if user.is_verified:
        return False

    def refusal(minutes: int) -> str:
        return ngettext(
            "Too many confirmation links were asked for. Try again in %(num)s minute.",
            "Too many confirmation links were asked for. Try again in %(num)s minutes.",
            minutes,
        )

    await throttle.hit(throttle.VERIFY_CLIENT, client, refusal=refusal)
    subject = _email_hash(user.email)
    await throttle.hit(throttle.VERIFY, subject, subject=subject, refusal=refusal)
    await send_verification(user, base_url=base_url, secret_key=secret_key)
    return True


async def verify_email(*, token: str, secret_key: str) -> User | None:
    payload = tokens.read_token(secret_key, "verify", token, tokens.VERIFY_MAX_AGE)
    if not payload:
        return None
    user = await User.get_or_none(id=payload.get("u"), is_active=True)
    if user is None or tokens.fingerprint(user.email) != payload.get("e"):
        return None
    if user.email_verified_at is None:
        user.email_verified_at = datetime.now(UTC)
        await user.save(update_fields=["email_verified_at"])
    return user


def _too_many_for_account(minutes: int) -> str:
    return ngettext(
        "Too many failed attempts for this account. Try again in %(num)s minute, "
        "or reset your password to sign in at once.",
        "Too many failed attempts for this account. Try again in %(num)s minutes, "
        "or reset your password to sign in at once.",
        minutes,
    )


def _too_many_from_client(minutes: int) -> str:
    return ngettext(
        "Too many failed sign-in attempts from your connection. Try again in %(num)s minute. "
        "If you forgot your password, reset it.",
        "Too many failed sign-in attempts from your connection. Try again in %(num)s minutes. "
        "If you forgot your password, reset it.",
        minutes,
    )


async def authenticate(*, email: str, password: str, client: str, now: datetime | None = None) -> User:
    """The user behind these credentials, or FormErrors; RateLimited while the throttle refuses.

    Each attempt is counted before the password is checked, one statement per counter
    (`events.domain.throttle`), so parallel attempts cannot get past the count: per account and
    client (`LOGIN`: a few free, then a wait that doubles) and per client whatever the account
    (`LOGIN_CLIENT`). Someone failing elsewhere never makes the owner wait on their own
    connection. A successful sign-in clears that client's count for the account and takes its
    attempt back from the client's count; a password change clears the account's counts.
    `client` is the socket's peer, or what a proxy named in FORWARDED_ALLOW_IPS forwarded.
    """
    # `now` stays None in production: the throttle reads the clock as late as it can.
    email = normalise_email(email)
    account = _email_hash(email)
    try:
        await throttle.hit(
            throttle.LOGIN, account, client, subject=account, now=now, refusal=_too_many_for_account
        )
        try:
            await throttle.hit(throttle.LOGIN_CLIENT, client, now=now, refusal=_too_many_from_client)
        except RateLimited:
            await throttle.forgive(throttle.LOGIN, account, client)  # this attempt is not made
            raise
    except RateLimited:
        log.warning("login rate-limited client=%s", safe_log(client))
        raise
    user = await User.get_or_none(email=email) if len(email) <= 254 else None  # longer: no such column value
    valid = len(password) <= passwords.MAX_LENGTH and await passwords.verify_password(
        user.password_hash if user else None, password[: passwords.MAX_LENGTH]
    )
    if not valid or user is None or not user.is_active:
        log.info("login failed client=%s", safe_log(client))
        raise FormErrors({None: _("Wrong email or password.")})
    await throttle.clear(throttle.LOGIN, account, client)
    await throttle.forgive(throttle.LOGIN_CLIENT, client)
    if passwords.needs_rehash(user.password_hash):
        await _rehash(user, password[: passwords.MAX_LENGTH])
    log.info("login user=%s", user.id)
    return user


async def _rehash(user: User, password: str) -> None:
    """Store a hash with the current parameters, the password just verified being at hand.

    Conditional on the old hash: a password changed in the meantime (another tab, a reset link)
    is never overwritten by the one this sign-in used.
    """
    old = user.password_hash
    new = await passwords.hash_password(password)
    if await User.filter(id=user.id, password_hash=old).update(password_hash=new):
        user.password_hash = new
        log.info("password rehashed user=%s", user.id)


async def request_password_reset(*, email: str, client: str, base_url: str, secret_key: str) -> None:
    """Mail a reset link if the account exists; say the same thing either way.

    RateLimited after a few requests for one address, or many from one client, counted whether
    the account exists or not (the answer must not tell).
    """
    email = normalise_email(email)

    def refusal(minutes: int) -> str:
        return ngettext(
            "Too many reset links were asked for. Try again in %(num)s minute.",
            "Too many reset links were asked for. Try again in %(num)s minutes.",
            minutes,
        )

    await throttle.hit(throttle.RESET_CLIENT, client, refusal=refusal)
    subject = _email_hash(email)
    await throttle.hit(throttle.RESET, subject, subject=subject, refusal=refusal)
    user = await User.get_or_none(email=email, is_active=True)
    if user is None:
        return
    token = tokens.make_token(
        secret_key, "reset", {"u": user.id, "p": tokens.fingerprint(user.password_hash)}
    )
    link = f"{base_url}/password/reset/{token}"

    def compose(user: User) -> tuple[str, str]:
        return _("Reset your hackcity password"), _(
            "Hello %(name)s,\n\nTo choose a new password, open this link (valid for one hour):\n\n"
            "%(link)s\n\nIf you did not ask for it, ignore this message: your password is unchanged.\n",
            name=user.name,
            link=link,
        )

    await mail_users([user], compose)


async def user_for_reset(*, token: str, secret_key: str) -> User | None:
    payload = tokens.read_token(secret_key, "reset", token, tokens.RESET_MAX_AGE)
    if not payload:
        return None
    user = await User.get_or_none(id=payload.get("u"), is_active=True)
    if user is None or tokens.fingerprint(user.password_hash) != payload.get("p"):
        return None
    return user


async def set_password(user: User, new_password: str, *, keep_session: str | None = None) -> None:
    """Change the password, end every other session of the user and lift their sign-in waits."""
    if problem := passwords.password_problem(new_password, email=user.email):
        raise FormErrors({"password": problem})
    user.password_hash = await passwords.hash_password(new_password)
    await user.save(update_fields=["password_hash"])
    # Whoever proves the account by a reset link (or their current password) signs in at once.
    await throttle.clear_subject(_email_hash(user.email), throttle.LOGIN)
    query = UserSession.filter(user_id=user.id)
    if keep_session:
        query = query.exclude(key_hash=keep_session)
    await query.delete()
    log.info("password changed user=%s", user.id)


async def change_password(user: User, *, current: str, new: str, keep_session: str | None) -> None:
    if not await passwords.verify_password(user.password_hash, current[: passwords.MAX_LENGTH]):
        raise FormErrors({"current_password": _("Your current password is wrong.")})
    await set_password(user, new, keep_session=keep_session)


async def update_profile(
    user: User, *, name: str, language: str, newsletter: bool, publish_name: bool
) -> None:
    name = name.strip()
    errors: dict[str | None, str] = {}
    if problem := check_name(name):
        errors["name"] = problem
    if language not in LANGUAGES:
        errors["language"] = _("Choose French or English.")
    if errors:
        raise FormErrors(errors)
    user.name = name
    user.language = language
    user.opt_in_newsletter = newsletter
    user.opt_in_publish_name = publish_name
    await user.save(update_fields=["name", "language", "opt_in_newsletter", "opt_in_publish_name"])


async def delete_account(user: User, *, password: str) -> None:
    """Anonymise the account: personal data goes, contributions stay without the name."""
    if not await passwords.verify_password(user.password_hash, password[: passwords.MAX_LENGTH]):
        raise FormErrors({"password": _("Your password is wrong.")})
    async with in_transaction():
        old_email = user.email
        user.name = _("Deleted account")
        user.email = f"deleted-{user.id}@invalid"
        user.password_hash = passwords.unusable_hash()
        user.is_active = False
        user.is_admin = False
        user.opt_in_newsletter = False
        user.opt_in_publish_name = False
        user.anonymised_at = datetime.now(UTC)
        await user.save()
        await UserSession.filter(user_id=user.id).delete()
        await ApiToken.filter(user_id=user.id).delete()
        await EventRole.filter(user_id=user.id).delete()
        await _leave_teams(user)
        await Registration.filter(user_id=user.id).delete()
        await JoinRequest.filter(user_id=user.id).delete()
        await OutboxMessage.filter(to=old_email).delete()
        await throttle.clear_subject(_email_hash(old_email))
    log.info("account deleted user=%s", user.id)


async def _leave_teams(user: User) -> None:
    """A deleted account leaves its teams; the team and its entries stay.

    A captain hands over to the longest-standing other member.
    """
    for membership in await TeamMember.filter(user_id=user.id):
        if membership.is_captain:
            successor = (
                await TeamMember.filter(team_id=membership.team_id)
                .exclude(user_id=user.id)
                .order_by("joined_at", "id")
                .first()
            )
            if successor is not None:
                successor.is_captain = True
                await successor.save(update_fields=["is_captain"])
        await membership.delete()


async def set_active(user: User, active: bool, *, by: User) -> None:
    """Disable or re-enable an account (`by`: the admin doing it); disabling ends its sessions at once.
    Nobody disables their own account: an instance would lose its last admin that way."""
    if user.id == by.id and not active:
        raise FormErrors({None: _("You cannot disable your own account.")})
    user.is_active = active
    await user.save(update_fields=["is_active"])
    if not active:
        await UserSession.filter(user_id=user.id).delete()


async def create_admin(*, email: str, name: str, password: str) -> User:
    email = normalise_email(email)
    errors: dict[str | None, str] = {}
    if problem := check_email(email):
        errors["email"] = problem
    if problem := passwords.password_problem(password, email=email):
        errors["password"] = problem
    if errors:
        raise FormErrors(errors)
    password_hash = await passwords.hash_password(password)
    user = await User.get_or_none(email=email)
    if user is None:
        return await User.create(
            email=email,
            name=name.strip() or email,
            password_hash=password_hash,
            is_admin=True,
            email_verified_at=datetime.now(UTC),
            terms_accepted_at=datetime.now(UTC),
        )
    user.is_admin = True
    user.password_hash = password_hash
    await user.save(update_fields=["is_admin", "password_hash"])
    return user
