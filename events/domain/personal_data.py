"""What hackcity holds about a person, exported as JSON (GDPR articles 15 and 20).

`export_data(user)` gathers every row that names the person: their account, sessions, API tokens, mail,
roles, registrations, teams, entries' revisions and files, restricted-data acceptances and
accesses, jury seats, conflicts, assignments, score sheets and their log, public votes, the
awards of their teams, the announcements they posted, the portal API keys they stored and the reuses
they published as organisers. docs/PRIVACY.md
describes each key.

`EXPORTED` says which model each key reads. tests/domain/test_personal_data.py walks every model:
one that refers to a person (a foreign key to User, or an email column) and is in neither
`EXPORTED` nor `NOT_EXPORTED` (with its reason) fails the test, so the export cannot fall behind
a new model silently.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model

from events.domain.throttle import email_digest
from events.models import (
    Announcement,
    ApiToken,
    Assignment,
    Award,
    Challenge,
    ChallengeOwner,
    Comparison,
    ConflictOfInterest,
    DatasetAcceptance,
    DatasetAccess,
    DeliberationChange,
    Entry,
    EntryFile,
    EntryRevision,
    EventRole,
    Invitation,
    JoinRequest,
    JurySessionJuror,
    OutboxMessage,
    PairwiseState,
    PortalKey,
    PortalReuse,
    PublicVote,
    Registration,
    Score,
    ScoreLogEntry,
    ScoreSheet,
    TeamMember,
    Throttle,
    User,
    UserSession,
    Webhook,
)

FORMAT = "hackcity-personal-data/1"  # keys are only ever added

# Export key → the models it reads. Every key is documented in docs/PRIVACY.md.
EXPORTED: dict[str, tuple[type[Model], ...]] = {
    "account": (User,),
    "sessions": (UserSession,),
    "api_tokens": (ApiToken,),
    "rate_limits": (Throttle,),
    "mail": (OutboxMessage,),
    "event_roles": (EventRole,),
    "invitations_received": (Invitation,),
    "invitations_sent": (Invitation,),
    "registrations": (Registration,),
    "teams": (TeamMember,),
    "join_requests": (JoinRequest,),
    "proposed_challenges": (Challenge,),
    "owned_challenges": (ChallengeOwner,),
    "team_entries": (Entry,),
    "entry_revisions": (EntryRevision,),
    "uploads": (EntryFile,),
    "dataset_acceptances": (DatasetAcceptance,),
    "dataset_accesses": (DatasetAccess,),
    "jury_seats": (JurySessionJuror,),
    "jury_conflicts": (ConflictOfInterest,),
    "jury_assignments": (Assignment,),
    "score_sheets": (ScoreSheet, Score),
    "score_log": (ScoreLogEntry,),
    "public_votes": (PublicVote,),
    "awards": (Award,),
    "announcements": (Announcement,),
    "portal_keys": (PortalKey,),
    "portal_reuses": (PortalReuse,),
    "webhooks": (Webhook,),
    "deliberation_changes": (DeliberationChange,),
    "pairwise_comparisons": (Comparison, PairwiseState),
}
# Models that refer to a person but are left out of the export, with the reason. Empty today:
# add a model here only with a reason a reader of docs/PRIVACY.md would accept.
NOT_EXPORTED: dict[type[Model], str] = {}

# Mailed links carry secrets (a password reset, an invitation): the export shows the mail, not them.
_SECRET_LINK = re.compile(r"(/(?:verify|password/reset|invitations|join)/)[^\s]+")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _redact_links(text: str) -> str:
    return _SECRET_LINK.sub(r"\1[redacted]", text)


async def export_data(user: User) -> dict[str, Any]:
    """Everything hackcity holds about a person, as JSON-ready data (see docs/PRIVACY.md)."""
    member_team_ids = list(await TeamMember.filter(user_id=user.id).values_list("team_id", flat=True))
    data: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": datetime.now(UTC).isoformat(),
        "account": _account(user),
    }
    data.update(await _account_records(user))
    data.update(await _participation(user, member_team_ids))
    data.update(await _jury(user))
    data["announcements"] = [
        {
            "event": a.event.slug,
            "title": a.title,
            "body": a.body,
            "mailed_to": str(a.audience),
            "posted_at": _iso(a.created_at),
            "updated_at": _iso(a.updated_at),
        }
        for a in await Announcement.filter(author_id=user.id).select_related("event").order_by("id")
    ]
    # Portal API keys this person stored for an event: where, and its last characters, never the key.
    data["portal_keys"] = [
        {
            "event": k.event.slug,
            "portal": k.portal_url,
            "last_characters": k.last_chars,
            "stored_at": _iso(k.updated_at),
        }
        for k in await PortalKey.filter(stored_by_id=user.id).select_related("event").order_by("id")
    ]
    data["portal_reuses"] = [
        {
            "event": r.entry.event.slug,
            "entry": r.entry.title,
            "portal": r.portal_url,
            "page": r.page_url,
            "published_at": _iso(r.published_at),
            "updated_at": _iso(r.updated_at),
        }
        for r in await PortalReuse.filter(published_by_id=user.id)
        .select_related("entry__event")
        .order_by("id")
    ]
    # Webhooks this person registered as an organiser: never their signing secret.
    data["webhooks"] = [
        {"event": w.event.slug, "url": w.url, "kinds": list(w.kinds), "registered_at": _iso(w.created_at)}
        for w in await Webhook.filter(created_by_id=user.id).select_related("event").order_by("id")
    ]
    # Changes of a ranking this person recorded in a jury's deliberation, with the reason written.
    data["deliberation_changes"] = [
        {
            "event": c.session.event.slug,
            "session": c.session.name,
            "entry": c.entry.title,
            "from_place": c.from_place,
            "to_place": c.to_place,
            "reason": c.reason,
            "recorded_at": _iso(c.created_at),
        }
        for c in await DeliberationChange.filter(decided_by_id=user.id)
        .select_related("session__event", "entry")
        .order_by("id")
    ]
    # A juror's votes, skips and undos in pairwise sessions (where they stand is derived from them).
    title = lambda entry: entry.title if entry else None  # noqa: E731
    data["pairwise_comparisons"] = [
        {
            "event": c.session.event.slug,
            "session": c.session.name,
            "kind": str(c.kind),
            "winner": title(c.winner),
            "loser": title(c.loser),
            "skipped": title(c.current) if c.kind == "skip" else None,
            "at": _iso(c.created_at),
        }
        for c in await Comparison.filter(juror_id=user.id)
        .select_related("session__event", "winner", "loser", "current")
        .order_by("id")
    ]
    return data


def _account(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "language": user.language,
        "created_at": _iso(user.created_at),
        "email_verified_at": _iso(user.email_verified_at),
        "terms_accepted_at": _iso(user.terms_accepted_at),
        "last_login_at": _iso(user.last_login_at),
        "opt_in_newsletter": user.opt_in_newsletter,
        "opt_in_publish_name": user.opt_in_publish_name,
        "is_admin": user.is_admin,
        "is_active": user.is_active,
    }


async def _account_records(user: User) -> dict[str, Any]:
    sessions = await UserSession.filter(user_id=user.id).order_by("id")
    api_tokens = await ApiToken.filter(user_id=user.id).select_related("event").order_by("id")
    counters = await Throttle.filter(subject=email_digest(user.email)).order_by("id")
    mail = await OutboxMessage.filter(to=user.email).order_by("id")
    roles = await EventRole.filter(user_id=user.id).select_related("event").order_by("id")
    received = (
        await Invitation.filter(Q(email=user.email) | Q(accepted_by_id=user.id))
        .select_related("event")
        .order_by("id")
    )
    sent = await Invitation.filter(invited_by_id=user.id).select_related("event").order_by("id")
    return {
        "sessions": [
            {
                "started_at": _iso(s.created_at),
                "last_seen_at": _iso(s.last_seen_at),
                "user_agent": s.user_agent,
            }
            for s in sessions
        ],
        # Personal API tokens: what they were for and when they were used; never their hash.
        "api_tokens": [
            {
                "name": t.name,
                "event": t.event.slug,
                "scope": str(t.scope),
                "prefix": t.prefix,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in api_tokens
        ],
        # Rate-limit counters about this address (failed sign-ins, reset requests, invitations):
        # the client they count is only a hash, and it belongs to whoever tried.
        "rate_limits": [
            {
                "rule": c.rule,
                "since": _iso(c.created_at),
                "hits": c.hits,
                "blocked_until": _iso(c.blocked_until),
            }
            for c in counters
        ],
        "mail": [
            {
                "subject": m.subject,
                "body": _redact_links(m.body),
                "status": str(m.status),
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
            }
            for m in mail
        ],
        "event_roles": [
            {
                "event": r.event.slug,
                "event_title": r.event.title,
                "role": str(r.role),
                "since": _iso(r.created_at),
            }
            for r in roles
        ],
        "invitations_received": [
            {
                "event": i.event.slug,
                "role": str(i.role),
                "email": i.email,
                "name": i.name,
                "team": i.team_name,
                "created_at": _iso(i.created_at),
                "accepted_at": _iso(i.accepted_at),
            }
            for i in received
        ],
        "invitations_sent": [
            {
                "event": i.event.slug,
                "role": str(i.role),
                "email": i.email,
                "name": i.name,
                "team": i.team_name,
                "created_at": _iso(i.created_at),
                "accepted_at": _iso(i.accepted_at),
            }
            for i in sent
        ],
    }


async def _participation(user: User, team_ids: list[int]) -> dict[str, Any]:
    registrations = await Registration.filter(user_id=user.id).select_related("event").order_by("id")
    memberships = await TeamMember.filter(user_id=user.id).select_related("team", "event").order_by("id")
    requests = await JoinRequest.filter(user_id=user.id).select_related("team", "team__event").order_by("id")
    proposed = await Challenge.filter(proposed_by_id=user.id).select_related("event").order_by("id")
    owned = await ChallengeOwner.filter(user_id=user.id).select_related("challenge__event").order_by("id")
    entries = (
        await Entry.filter(team_id__in=team_ids)
        .select_related("event", "team", "round", "challenge")
        .order_by("id")
    )
    revisions = await EntryRevision.filter(author_id=user.id).select_related("entry").order_by("id")
    uploads = await EntryFile.filter(uploaded_by_id=user.id).select_related("entry").order_by("id")
    acceptances = (
        await DatasetAcceptance.filter(user_id=user.id).select_related("dataset", "team").order_by("id")
    )
    accesses = await DatasetAccess.filter(user_id=user.id).select_related("dataset").order_by("id")
    return {
        "registrations": [
            {
                "event": r.event.slug,
                "rules_accepted_at": _iso(r.rules_accepted_at),
                "answers": r.answers,
                "registered_at": _iso(r.created_at),
            }
            for r in registrations
        ],
        "teams": [
            {
                "event": m.event.slug,
                "team": m.team.name,
                "captain": m.is_captain,
                "joined_at": _iso(m.joined_at),
            }
            for m in memberships
        ],
        "join_requests": [
            {
                "event": j.team.event.slug,
                "team": j.team.name,
                "status": str(j.status),
                "message": j.message,
                "created_at": _iso(j.created_at),
                "decided_at": _iso(j.decided_at),
            }
            for j in requests
        ],
        "proposed_challenges": [
            {
                "event": c.event.slug,
                "challenge": c.title,
                "status": str(c.status),
                "created_at": _iso(c.created_at),
            }
            for c in proposed
        ],
        "owned_challenges": [
            {"event": o.challenge.event.slug, "challenge": o.challenge.title} for o in owned
        ],
        "team_entries": [
            {
                "id": e.id,
                "event": e.event.slug,
                "team": e.team.name,
                "round": e.round.name,
                "challenge": e.challenge.title,
                "title": e.title,
                "status": str(e.status),
                "selection": str(e.selection),
                "selection_message": e.selection_message,
                "submitted_at": _iso(e.submitted_at),
            }
            for e in entries
        ],
        "entry_revisions": [
            {
                "entry": r.entry_id,
                "entry_title": r.entry.title,
                "number": r.number,
                "data": r.data,
                "at": _iso(r.created_at),
            }
            for r in revisions
        ],
        "uploads": [
            {
                "entry": f.entry_id,
                "entry_title": f.entry.title,
                "file": f.original_name,
                "size": f.size,
                "sha256": f.sha256,
                "uploaded_at": _iso(f.created_at),
            }
            for f in uploads
        ],
        "dataset_acceptances": [
            {"dataset": a.dataset.title, "team": a.team.name, "accepted_at": _iso(a.accepted_at)}
            for a in acceptances
        ],
        "dataset_accesses": [
            {"dataset": a.dataset.title, "action": a.action, "at": _iso(a.created_at)} for a in accesses
        ],
        "awards": [
            {
                "entry": a.entry_id,
                "entry_title": a.entry.title,
                "award": a.title,
                "given_at": _iso(a.created_at),
            }
            for a in await Award.filter(entry__team_id__in=team_ids).select_related("entry").order_by("id")
        ]
        if team_ids
        else [],
    }


async def _jury(user: User) -> dict[str, Any]:
    seats = await JurySessionJuror.filter(user_id=user.id).select_related("session__event").order_by("id")
    conflicts = await ConflictOfInterest.filter(juror_id=user.id).select_related("team").order_by("id")
    assignments = await Assignment.filter(juror_id=user.id).select_related("entry").order_by("id")
    sheets = await ScoreSheet.filter(juror_id=user.id).select_related("entry").order_by("id")
    scores: dict[int, dict[str, float]] = {}
    for sheet_id, criterion, value in await Score.filter(sheet__juror_id=user.id).values_list(
        "sheet_id", "criterion__name", "value"
    ):
        scores.setdefault(sheet_id, {})[criterion] = value
    log = await ScoreLogEntry.filter(juror_id=user.id).order_by("id")
    votes = await PublicVote.filter(user_id=user.id).select_related("entry").order_by("id")
    return {
        "jury_seats": [
            {
                "event": s.session.event.slug,
                "session": s.session_id,
                "session_name": s.session.name,
                "accepted_at": _iso(s.accepted_at),
                "seated_at": _iso(s.created_at),
            }
            for s in seats
        ],
        "jury_conflicts": [
            {
                "session": c.session_id,
                "team": c.team.name,
                "kind": str(c.kind),
                "reason": c.reason,
                "declared_at": _iso(c.declared_at),
            }
            for c in conflicts
        ],
        "jury_assignments": [
            {"session": a.session_id, "entry": a.entry_id, "entry_title": a.entry.title} for a in assignments
        ],
        "score_sheets": [
            {
                "id": s.id,
                "session": s.session_id,
                "entry": s.entry_id,
                "entry_title": s.entry.title,
                "status": str(s.status),
                "scores": scores.get(s.id, {}),
                "total": s.total,
                "comment": s.comment,
                "private_note": s.private_note,
                "submitted_at": _iso(s.submitted_at),
                "updated_at": _iso(s.updated_at),
            }
            for s in sheets
        ],
        "score_log": [
            {
                "sheet": entry.sheet_id,
                "field": entry.field,
                "criterion": entry.criterion_id,
                "old": entry.old_value,
                "new": entry.new_value,
                "at": _iso(entry.created_at),
            }
            for entry in log
        ],
        "public_votes": [
            {
                "session": v.session_id,
                "entry": v.entry_id,
                "entry_title": v.entry.title,
                "at": _iso(v.created_at),
            }
            for v in votes
        ],
    }
