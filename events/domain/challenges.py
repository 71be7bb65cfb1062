"""Challenges of an event: creation, editing by organisers and owners, the one status transition,
proposals by participants, owners and the datasets a challenge offers."""

from __future__ import annotations

import logging

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain import events as event_rules
from events.domain import invitations
from events.domain.errors import FormErrors
from events.domain.numbers import parse_int
from events.i18n import _
from events.mail import mail_users
from events.models import (
    Challenge,
    ChallengeDataset,
    ChallengeOwner,
    ChallengeStatus,
    Dataset,
    Event,
    EventRole,
    Role,
    User,
)

log = logging.getLogger("hackcity.challenges")
# Paths under /events/{slug}/challenges/ that a challenge slug would hide.
RESERVED_SLUGS = frozenset({"propose"})
MAX_SPONSORS = 20
# A proposal is approved (it becomes a draft the organisers complete) or rejected.
TRANSITIONS = {
    ChallengeStatus.PROPOSED: {ChallengeStatus.DRAFT, ChallengeStatus.REJECTED},
    ChallengeStatus.DRAFT: {ChallengeStatus.PUBLISHED, ChallengeStatus.REJECTED},
    ChallengeStatus.PUBLISHED: {ChallengeStatus.DRAFT},
    ChallengeStatus.REJECTED: {ChallengeStatus.DRAFT},
}


def _slug_problem(slug: str) -> str | None:
    if not event_rules.SLUG_RE.match(slug) or len(slug) > 80:
        return _("Use lower-case letters, digits and hyphens only.")
    if slug in RESERVED_SLUGS:
        return _("This address is reserved: choose another one.")
    return None


def _title_problem(title: str) -> str | None:
    if not title or len(title) > 200:
        return _("Enter a title of at most 200 characters.")
    return None


async def _free_slug(event: Event, base: str) -> str:
    base = (base or "challenge")[:70].strip("-") or "challenge"
    if base in RESERVED_SLUGS:
        base = f"{base}-1"
    slug, number = base, 1
    while await Challenge.exists(event_id=event.id, slug=slug):
        number += 1
        slug = f"{base}-{number}"
    return slug


async def _next_position(event: Event) -> int:
    last = await Challenge.filter(event_id=event.id).order_by("-position").first()
    return (last.position + 1) if last else 1


async def create_challenge(*, event: Event, title: str, slug: str) -> Challenge:
    """A draft challenge; the organiser completes it on its edit page."""
    title = " ".join(title.split())
    slug = slug.strip().lower() or event_rules.slugify(title)
    errors: dict[str | None, str] = {}
    if problem := _title_problem(title):
        errors["title"] = problem
    if problem := _slug_problem(slug):
        errors["slug"] = problem
    if errors:
        raise FormErrors(errors)
    try:
        challenge = await Challenge.create(
            event=event, title=title, slug=slug, position=await _next_position(event)
        )
    except IntegrityError:
        raise FormErrors({"slug": _("Another challenge of this event already uses this address.")}) from None
    log.info("challenge %s created in event %s", challenge.id, event.id)
    return challenge


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _check_texts(values: dict[str, str], errors: dict[str | None, str]) -> None:
    for name, text in values.items():
        if len(text) > event_rules.MAX_TEXT:
            errors[name] = _("Use at most %(n)s characters.", n=event_rules.MAX_TEXT)


async def update_challenge(
    *,
    challenge: Challenge,
    title: str,
    sponsors: str,
    statement: str,
    deliverables: str,
    prizes: str,
    dataset_ids: list[int],
    primary_dataset_id: int | None,
    slug: str | None = None,
    max_teams: str | None = None,
    status: str | None = None,
) -> Challenge:
    """Save the challenge form. `slug`, `max_teams` and `status` are None when the form did not offer
    them (a challenge owner edits the content, organisers also the address, the team limit and
    whether it is a draft or published: any other status posted is ignored, as approving or rejecting
    a proposal are buttons of their own). Refused (FormErrors): `challenge` keeps its stored values."""
    title = " ".join(title.split())
    sponsor_names = _lines(sponsors)
    errors: dict[str | None, str] = {}
    if problem := _title_problem(title):
        errors["title"] = problem
    if len(sponsor_names) > MAX_SPONSORS or any(len(name) > 200 for name in sponsor_names):
        errors["sponsors"] = _("List at most %(n)s sponsors, one per line.", n=MAX_SPONSORS)
    _check_texts({"statement": statement, "deliverables": deliverables, "prizes": prizes}, errors)
    if slug is not None:
        slug = slug.strip().lower()
        if problem := _slug_problem(slug):
            errors["slug"] = problem
    limit: int | None = challenge.max_teams
    if max_teams is not None:
        limit = parse_int(max_teams) if max_teams.strip() else None
        if max_teams.strip() and limit is None:
            errors["max_teams"] = _("Enter a whole number, or leave empty for no limit.")
        elif limit is not None and not 1 <= limit <= 10_000:
            errors["max_teams"] = _("Enter a number from 1 to 10000, or leave empty for no limit.")
    if errors:
        raise FormErrors(errors)
    if primary_dataset_id is not None and primary_dataset_id not in dataset_ids:
        dataset_ids = [*dataset_ids, primary_dataset_id]
    # Only datasets of this event's catalogue: any other id posted is ignored.
    offered = set(
        await Dataset.filter(event_id=challenge.event_id, id__in=dataset_ids).values_list("id", flat=True)
    )
    challenge.title = title
    challenge.sponsors = sponsor_names
    challenge.statement, challenge.deliverables, challenge.prizes = statement, deliverables, prizes
    challenge.max_teams = limit
    changed = ["title", "sponsors", "statement", "deliverables", "prizes", "max_teams", "updated_at"]
    if slug is not None:
        challenge.slug = slug
        changed.append("slug")
    try:
        async with in_transaction():
            await challenge.save(update_fields=changed)
            await ChallengeDataset.filter(challenge_id=challenge.id).exclude(dataset_id__in=offered).delete()
            linked = set(
                await ChallengeDataset.filter(challenge_id=challenge.id).values_list("dataset_id", flat=True)
            )
            for dataset_id in offered - linked:
                await ChallengeDataset.create(challenge_id=challenge.id, dataset_id=dataset_id)
            await ChallengeDataset.filter(challenge_id=challenge.id).update(is_primary=False)
            if primary_dataset_id in offered:
                await ChallengeDataset.filter(
                    challenge_id=challenge.id, dataset_id=primary_dataset_id
                ).update(is_primary=True)
    except IntegrityError:
        await challenge.refresh_from_db()  # not the refused form's values
        raise FormErrors({"slug": _("Another challenge of this event already uses this address.")}) from None
    log.info("challenge %s updated", challenge.id)
    if status in (ChallengeStatus.DRAFT, ChallengeStatus.PUBLISHED):
        await set_challenge_status(challenge=challenge, status=status)
    return challenge


async def set_challenge_status(*, challenge: Challenge, status: str) -> Challenge:
    """The one way a challenge changes status: approve or reject a proposal, publish, unpublish."""
    if status not in {s.value for s in ChallengeStatus}:
        raise FormErrors({"status": _("Choose a status.")})
    target = ChallengeStatus(status)
    if target == challenge.status:
        return challenge
    if target not in TRANSITIONS[ChallengeStatus(challenge.status)]:
        raise FormErrors({"status": _("This change of status is not possible.")})
    previous = challenge.status
    challenge.status = target
    await challenge.save(update_fields=["status", "updated_at"])
    log.info("challenge %s status %s -> %s", challenge.id, previous, target)
    return challenge


async def propose_challenge(
    *, event: Event, user: User, title: str, sponsors: str, statement: str, base_url: str
) -> Challenge:
    """A participant's proposal, waiting for an organiser (only where the event allows it). The
    event's organisers are mailed, each in their language, with the link to the challenges page."""
    if not event.allow_challenge_proposals:
        raise FormErrors({None: _("This event does not take challenge proposals.")})
    title = " ".join(title.split())
    errors: dict[str | None, str] = {}
    if problem := _title_problem(title):
        errors["title"] = problem
    if not statement.strip():
        errors["statement"] = _("Describe the problem to solve.")
    _check_texts({"statement": statement}, errors)
    sponsor_names = _lines(sponsors)
    if len(sponsor_names) > MAX_SPONSORS or any(len(name) > 200 for name in sponsor_names):
        errors["sponsors"] = _("List at most %(n)s sponsors, one per line.", n=MAX_SPONSORS)
    if errors:
        raise FormErrors(errors)
    for _attempt in range(3):  # two proposals with the same title at once: the loser retries
        try:
            challenge = await Challenge.create(
                event=event,
                title=title,
                slug=await _free_slug(event, event_rules.slugify(title)),
                sponsors=sponsor_names,
                statement=statement,
                status=ChallengeStatus.PROPOSED,
                proposed_by=user,
                position=await _next_position(event),
            )
        except IntegrityError:
            continue
        log.info("challenge %s proposed in event %s by user %s", challenge.id, event.id, user.id)
        await _mail_organisers(event, challenge, user, base_url)
        return challenge
    raise FormErrors({None: _("The proposal could not be saved. Try again.")})


async def _mail_organisers(event: Event, challenge: Challenge, proposer: User, base_url: str) -> None:
    organisers = (
        await User.filter(event_roles__event_id=event.id, event_roles__role=Role.ORGANISER)
        .distinct()
        .order_by("id")
    )
    link = f"{base_url}/events/{event.slug}/manage/challenges"

    def compose(organiser: User) -> tuple[str, str]:
        return _(
            "New challenge proposal in %(event)s: %(title)s", event=event.title, title=challenge.title
        ), _(
            "Hello %(name)s,\n\n%(proposer)s proposes the challenge “%(title)s” in %(event)s.\n\n"
            "Approve it as a draft to complete, or reject it, on the challenges page:\n\n%(link)s\n",
            name=organiser.name,
            proposer=proposer.name,
            title=challenge.title,
            event=event.title,
            link=link,
        )

    await mail_users(organisers, compose)


async def owners_of(challenge: Challenge) -> list[ChallengeOwner]:
    return await ChallengeOwner.filter(challenge_id=challenge.id).select_related("user").order_by("id")


async def is_owner(challenge: Challenge, user: User) -> bool:
    return await ChallengeOwner.exists(challenge_id=challenge.id, user_id=user.id)


async def add_owner(
    *, challenge: Challenge, event: Event, email: str, invited_by: User, base_url: str, default_language: str
) -> invitations.InviteResult:
    """Make someone an owner of this challenge: at once if they have an account, else by invitation."""
    return await invitations.invite(
        event=event,
        email=email,
        role=Role.CHALLENGE_OWNER.value,
        invited_by=invited_by,
        base_url=base_url,
        default_language=default_language,
        challenge=challenge,
    )


async def remove_owner(*, challenge: Challenge, user_id: int) -> bool:
    """Remove an owner; the event role goes too once they own no challenge of the event."""
    async with in_transaction():
        removed = await ChallengeOwner.filter(challenge_id=challenge.id, user_id=user_id).delete()
        if removed and not await ChallengeOwner.exists(
            user_id=user_id, challenge__event_id=challenge.event_id
        ):
            await EventRole.filter(
                event_id=challenge.event_id, user_id=user_id, role=Role.CHALLENGE_OWNER
            ).delete()
    if removed:
        log.info("owner %s removed from challenge %s", user_id, challenge.id)
    return bool(removed)
