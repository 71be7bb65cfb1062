"""Restricted datasets: a team accepts the terms before the links appear, and every step is logged.

Each acceptance and each showing of the links (or a download through them) is a `DatasetAccess`
row that the event's organisers read.

What "the links" are: every address of the dataset (its source page `landing_url`, `api_url`,
`source_url`, and each resource's URL). Until `link_access` says `show_links` (a member of a team
that accepted, or an organiser of the event), pages show the title, publisher, licence, description
and terms only, and the credit line (`portals.attribution_line`) names no host. No other page or
export prints a dataset's addresses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain.errors import FormErrors
from events.i18n import _
from events.models import (
    Dataset,
    DatasetAcceptance,
    DatasetAccess,
    Event,
    EventRole,
    Role,
    Team,
    TeamMember,
    User,
)

log = logging.getLogger("hackcity.restricted")


class AccessAction(StrEnum):
    ACCEPT = "accept"
    VIEW_LINKS = "view_links"


async def has_accepted(*, dataset: Dataset, team: Team | None) -> bool:
    return team is not None and await DatasetAcceptance.exists(dataset_id=dataset.id, team_id=team.id)


async def accept_terms(*, dataset: Dataset, team: Team, user: User) -> bool:
    """Record that the team accepts the dataset's terms; False if it had already accepted."""
    if not dataset.restricted:
        raise FormErrors({None: _("This dataset has no terms to accept.")})
    if dataset.event_id != team.event_id:
        raise FormErrors({None: _("Choose a dataset of this event.")})
    try:
        async with in_transaction():
            await DatasetAcceptance.create(dataset_id=dataset.id, team_id=team.id, user=user)
            await DatasetAccess.create(
                dataset_id=dataset.id, team_id=team.id, user=user, action=AccessAction.ACCEPT
            )
    except IntegrityError:
        return False  # accepted before (or by a teammate at the same moment)
    log.info("team %s accepted the terms of dataset %s (user %s)", team.id, dataset.id, user.id)
    return True


async def record_link_view(*, dataset: Dataset, team: Team | None, user: User) -> None:
    await DatasetAccess.create(
        dataset_id=dataset.id, team_id=team.id if team else None, user=user, action=AccessAction.VIEW_LINKS
    )


@dataclass(frozen=True)
class LinkAccess:
    show_links: bool
    can_accept: bool  # a team member who has not accepted yet
    team: Team | None


async def link_access(*, dataset: Dataset, event: Event, user: User | None) -> LinkAccess:
    """Whether the dataset page shows the links to this user. Showing a restricted dataset's links
    (to a member of a team that accepted, or to an organiser) is logged."""
    if not dataset.restricted:
        return LinkAccess(show_links=True, can_accept=False, team=None)
    if user is None:
        return LinkAccess(show_links=False, can_accept=False, team=None)
    member = await TeamMember.get_or_none(event_id=event.id, user_id=user.id).select_related("team")
    team = member.team if member else None
    if await has_accepted(dataset=dataset, team=team):
        await record_link_view(dataset=dataset, team=team, user=user)
        return LinkAccess(show_links=True, can_accept=False, team=team)
    organiser = user.is_admin or await EventRole.exists(
        event_id=event.id, user_id=user.id, role=Role.ORGANISER
    )
    if organiser:
        await record_link_view(dataset=dataset, team=None, user=user)
        return LinkAccess(show_links=True, can_accept=False, team=team)
    return LinkAccess(show_links=False, can_accept=team is not None, team=team)


async def access_log(*, dataset: Dataset, limit: int = 500) -> list[DatasetAccess]:
    return (
        await DatasetAccess.filter(dataset_id=dataset.id)
        .select_related("team", "user")
        .order_by("-created_at", "-id")
        .limit(limit)
    )


async def acceptances(*, dataset: Dataset) -> list[DatasetAcceptance]:
    return (
        await DatasetAcceptance.filter(dataset_id=dataset.id)
        .select_related("team", "user")
        .order_by("accepted_at")
    )
