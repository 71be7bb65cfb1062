"""Who gets into which route: every route of the app, with every role (docs/SECURITY.md, "Access control").

`ACCESS` below is the specification: (route name, method) -> the roles allowed in. The matrix test
is parametrised over the routes that `create_app().routes` really holds (only the `/static` mount is
skipped), so a route added to the app without a line here fails (new routes fail closed), and a line
left here after its route is gone fails too.

Roles, built by the `world` fixture (not from the demo data):
    anonymous    not signed in
    team_a       captain of team A in event 1 (registered to event 1)
    team_b       captain of team B in event 1 (registered to event 1)
    juror_1      juror of event 1           juror_2      juror of event 2
    organiser_1  organiser of event 1 (and of the draft event)
    organiser_2  organiser of event 2
    admin        a platform administrator
Events 1 and 2 are published; event 3 is a draft. Path parameters: {slug} is event 1's slug,
{role_id} is juror_1's role in event 1, {user_id} is team_b's id, {token} is a real, signed token
for team_b (a verification token on /verify/{token}, a reset token on /password/reset/{token}).

How a response is read:
- A refusal is one of exactly three answers: a 303 redirect to `/login?next=...` (anonymous on a
  protected route), 403 (signed in without the role), 404 (a draft, or another event's object).
  Anonymous-only pages (/login, /signup) refuse signed-in users with a 303 redirect to /account.
- GET: "gets in" means the route's success code (200 for every page today, see `GET_SUCCESS`).
- POST: the request carries a valid CSRF token and empty data, so it usually fails validation.
  "Gets in" means the one answer of the route's handler, pinned in `POST_SUCCESS`: a 422 form
  error, a 400 for an upload that is no multipart body, or a 303 to the page named there (never
  `/login?next=...`).
A role that is not allowed must receive the refusal expected for it, not merely "not a success".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from secrets import token_hex

import httpx
import pytest
from starlette.routing import Mount, Route

from events.app import create_app
from events.domain import api_tokens, branding, tokens
from events.domain import teams as team_rules
from events.models import (
    Announcement,
    ApiToken,
    Award,
    Challenge,
    ChallengeStatus,
    Criterion,
    Dataset,
    DeliveryStatus,
    Entry,
    EntryFile,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    Image,
    Invitation,
    JurySession,
    JurySessionJuror,
    PortalKind,
    Registration,
    Role,
    Round,
    SessionStatus,
    Team,
    TeamMember,
    User,
    Webhook,
    WebhookDelivery,
)
from events.routes import live as live_routes
from events.settings import Settings
from events.storage_backends import storage_for
from tests import images
from tests.conftest import BASE_URL
from tests.helpers import CHEAP_HASH, post_form, sign_in

ROLES = ("anonymous", "team_a", "team_b", "juror_1", "juror_2", "organiser_1", "organiser_2", "admin")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
ANONYMOUS = frozenset({"anonymous"})
ORGANISER_1 = frozenset({"organiser_1", "admin"})
ADMIN = frozenset({"admin"})
# Who may create an event: admins and anyone who already organises one.
EVENT_CREATORS = frozenset({"organiser_1", "organiser_2", "admin"})

ACCESS: dict[tuple[str, str], frozenset[str]] = {
    # public pages
    ("home", "GET"): EVERYONE,
    ("event_page", "GET"): EVERYONE,
    ("accessibility", "GET"): EVERYONE,
    ("privacy", "GET"): EVERYONE,
    ("terms", "GET"): EVERYONE,
    ("language", "POST"): EVERYONE,
    ("healthz", "GET"): EVERYONE,
    # Prometheus metrics: the METRICS_TOKEN only, never a session; without it (as here) a 404
    # to everyone (tests/test_metrics.py reads them with the token)
    ("metrics", "GET"): frozenset(),
    # accounts
    ("signup", "GET"): ANONYMOUS,
    ("signup", "POST"): ANONYMOUS,
    ("login", "GET"): ANONYMOUS,
    ("login", "POST"): ANONYMOUS,
    ("logout", "POST"): SIGNED_IN,
    ("verify", "GET"): EVERYONE,
    ("verify", "POST"): EVERYONE,
    ("resend_verification", "POST"): SIGNED_IN,
    ("forgot_password", "GET"): EVERYONE,
    ("forgot_password", "POST"): EVERYONE,
    ("reset_password", "GET"): EVERYONE,
    ("reset_password", "POST"): EVERYONE,
    ("account", "GET"): SIGNED_IN,
    ("account", "POST"): SIGNED_IN,
    ("change_password", "POST"): SIGNED_IN,
    ("export", "GET"): SIGNED_IN,
    ("delete_account", "GET"): SIGNED_IN,
    ("delete_account", "POST"): SIGNED_IN,
    # personal API tokens on the account page ({token_id} is organiser_1's token: another's is 404)
    ("create_api_token", "POST"): SIGNED_IN,
    ("revoke_api_token", "POST"): frozenset({"organiser_1"}),
    # organiser workspace of event 1
    ("dashboard", "GET"): ORGANISER_1,
    ("people", "GET"): ORGANISER_1,
    ("people", "POST"): ORGANISER_1,
    ("remove_person", "POST"): ORGANISER_1,
    ("cancel_invitation", "POST"): ORGANISER_1,  # {invitation_id} is the pending invitation to event 1
    # the import of people from a CSV file (an empty form is a 400: no file) and its template
    ("import_people", "GET"): ORGANISER_1,
    ("import_people", "POST"): ORGANISER_1,
    ("people_template", "GET"): ORGANISER_1,
    ("edit_event", "GET"): ORGANISER_1,
    ("edit_event", "POST"): ORGANISER_1,
    ("event_status", "POST"): ORGANISER_1,
    ("participation", "GET"): ORGANISER_1,
    ("participation", "POST"): ORGANISER_1,
    # rounds of event 1 ({round_id} is its round)
    ("manage_rounds", "GET"): ORGANISER_1,
    ("manage_rounds", "POST"): ORGANISER_1,
    ("edit_round", "GET"): ORGANISER_1,
    ("edit_round", "POST"): ORGANISER_1,
    ("delete_round", "POST"): ORGANISER_1,
    ("move_round", "POST"): ORGANISER_1,
    # challenges of event 1 ({challenge} is its published challenge; its owners are tested in
    # tests/routes/test_challenges.py, as no role here owns it)
    ("manage_challenges", "GET"): ORGANISER_1,
    ("manage_challenges", "POST"): ORGANISER_1,
    ("edit_challenge", "GET"): ORGANISER_1,
    ("edit_challenge", "POST"): ORGANISER_1,
    ("challenge_status", "POST"): ORGANISER_1,
    ("add_challenge_owner", "POST"): ORGANISER_1,
    ("remove_challenge_owner", "POST"): ORGANISER_1,
    ("propose_challenge", "GET"): SIGNED_IN,
    ("propose_challenge", "POST"): SIGNED_IN,
    ("challenge_page", "GET"): EVERYONE,
    ("calendar", "GET"): EVERYONE,
    ("hackathon_json", "GET"): EVERYONE,
    # announcements of event 1 ({announcement_id} is its announcement) and the Atom feeds
    ("manage_announcements", "GET"): ORGANISER_1,
    ("manage_announcements", "POST"): ORGANISER_1,
    ("edit_announcement", "GET"): ORGANISER_1,
    ("edit_announcement", "POST"): ORGANISER_1,
    ("delete_announcement", "POST"): ORGANISER_1,
    ("announcements", "GET"): EVERYONE,
    ("announcement_page", "GET"): EVERYONE,
    ("event_feed", "GET"): EVERYONE,
    ("site_feed", "GET"): EVERYONE,
    # webhooks of event 1 ({webhook_id} is its webhook, to an address the guard refuses before any
    # connection; {delivery_id} is a delivery it gave up): organisers and admins only
    ("manage_webhooks", "GET"): ORGANISER_1,
    ("manage_webhooks", "POST"): ORGANISER_1,
    ("webhook_page", "GET"): ORGANISER_1,
    ("webhook_page", "POST"): ORGANISER_1,
    ("rotate_webhook_secret", "POST"): ORGANISER_1,
    ("delete_webhook", "POST"): ORGANISER_1,
    ("ping_webhook", "POST"): ORGANISER_1,
    ("redeliver", "POST"): ORGANISER_1,
    # new events; invitations ({token} is a real invitation to event 1, for any signed-in user)
    ("create_event", "GET"): EVENT_CREATORS,
    ("create_event", "POST"): EVENT_CREATORS,
    # a new event from a Data Package (an empty form is a 400: no file); event 1's package is public
    ("import_datapackage", "GET"): EVENT_CREATORS,
    ("import_datapackage", "POST"): EVENT_CREATORS,
    ("datapackage_json", "GET"): EVERYONE,
    ("datapackage_zip", "GET"): EVERYONE,
    ("invitation", "GET"): SIGNED_IN,
    ("invitation", "POST"): SIGNED_IN,
    # dataset catalogue of event 1 ({dataset_id} is a dataset entered by hand: refreshing it
    # reaches no network)
    ("manage_datasets", "GET"): ORGANISER_1,
    ("import_dataset", "POST"): ORGANISER_1,
    ("add_dataset", "POST"): ORGANISER_1,
    ("edit_dataset", "GET"): ORGANISER_1,
    ("edit_dataset", "POST"): ORGANISER_1,
    ("refresh_dataset", "POST"): ORGANISER_1,
    ("restrict_dataset", "POST"): ORGANISER_1,
    ("dataset_catalogue", "GET"): EVERYONE,
    ("dataset_page", "GET"): EVERYONE,
    # entries ({entry_id} is team A's entry in event 1, {file_id} its file): another team's entry
    # or file is 404, see REFUSAL; restricted datasets are accepted by team members only
    ("team_entries", "GET"): SIGNED_IN,
    ("team_entries", "POST"): frozenset({"team_a", "team_b"}),
    ("edit_entry", "GET"): frozenset({"team_a"}),
    ("edit_entry", "POST"): frozenset({"team_a"}),
    ("upload_file", "POST"): frozenset({"team_a"}),
    ("delete_file", "POST"): frozenset({"team_a"}),
    ("download_file", "GET"): frozenset({"team_a"}) | ORGANISER_1,
    ("accept_dataset_terms", "POST"): frozenset({"team_a", "team_b"}),
    ("dataset_access_log", "GET"): ORGANISER_1,
    # registration and teams in event 1 (team actions act on the user's own team: without one,
    # they send back to the team page; {token} of /join/{token} is team A's invitation link)
    ("register", "GET"): SIGNED_IN,
    ("register", "POST"): SIGNED_IN,
    ("registrants", "GET"): ORGANISER_1,
    ("registrants_csv", "GET"): ORGANISER_1,
    ("manage_teams", "GET"): ORGANISER_1,
    ("teams_csv", "GET"): ORGANISER_1,
    ("team_list", "GET"): EVERYONE,
    ("my_team", "GET"): SIGNED_IN,
    ("create_team", "POST"): SIGNED_IN,
    ("ask_to_join", "POST"): SIGNED_IN,
    ("invite_by_email", "POST"): SIGNED_IN,
    ("regenerate_link", "POST"): SIGNED_IN,
    ("decide_request", "POST"): SIGNED_IN,
    ("hand_over", "POST"): SIGNED_IN,
    ("remove_member", "POST"): SIGNED_IN,
    ("leave_team", "POST"): SIGNED_IN,
    ("choose_challenges", "POST"): SIGNED_IN,
    ("join_by_link", "GET"): SIGNED_IN,
    ("join_by_link", "POST"): SIGNED_IN,
    # selection and gallery. Event 1's gallery is `auto` and its round has no deadline, so it is
    # not public: the galleries and team A's draft entry are 404 to everyone else, anonymous
    # included (see PUBLIC_REFUSAL). The reuse CSV is public, its rows depend on the reader.
    ("manage_entries", "GET"): ORGANISER_1,
    ("entries_csv", "GET"): ORGANISER_1,
    ("decide_entry", "POST"): ORGANISER_1,
    ("decide_entries", "POST"): ORGANISER_1,
    ("advance_round", "POST"): ORGANISER_1,
    ("gallery_setting", "POST"): ORGANISER_1,
    ("gallery", "GET"): ORGANISER_1,
    ("challenge_gallery", "GET"): ORGANISER_1,
    ("entry_page", "GET"): frozenset({"team_a"}) | ORGANISER_1,
    ("reuse_csv", "GET"): EVERYONE,
    # juries of event 1 ({round_id} holds {criterion_id}, {session_id} is a scheduled session on it)
    ("round_criteria", "GET"): ORGANISER_1,
    ("round_criteria", "POST"): ORGANISER_1,
    ("apply_criteria_preset", "POST"): ORGANISER_1,
    ("edit_criterion", "GET"): ORGANISER_1,
    ("edit_criterion", "POST"): ORGANISER_1,
    ("delete_criterion", "POST"): ORGANISER_1,
    ("manage_juries", "GET"): ORGANISER_1,
    ("new_jury_session", "GET"): ORGANISER_1,
    ("new_jury_session", "POST"): ORGANISER_1,
    ("jury_session", "GET"): ORGANISER_1,
    ("invite_juror", "POST"): ORGANISER_1,
    ("jury_session_status", "POST"): ORGANISER_1,
    ("jury_results", "GET"): ORGANISER_1,
    ("paper_sheets", "GET"): ORGANISER_1,
    ("jury_results_csv", "GET"): ORGANISER_1,
    ("jury_results_json", "GET"): ORGANISER_1,
    ("jury_stability_csv", "GET"): ORGANISER_1,
    ("jury_stability_json", "GET"): ORGANISER_1,
    ("jury_scores_csv", "GET"): ORGANISER_1,
    # a pairwise session's comparison log ({session_id} is a rubric session: an empty log)
    ("jury_comparisons_csv", "GET"): ORGANISER_1,
    ("jury_comparisons_json", "GET"): ORGANISER_1,
    # the score log of {session_id} (filtered, as CSV) and the recount from it
    ("jury_score_log", "GET"): ORGANISER_1,
    ("jury_score_log_csv", "GET"): ORGANISER_1,
    ("jury_recount", "GET"): ORGANISER_1,
    # editing, deleting and shortlisting {session_id} (scheduled: empty forms answer 422); a
    # challenge's own grid in {round_id} ({challenge} has none: the copy of the round's succeeds)
    ("edit_jury_session", "GET"): ORGANISER_1,
    ("edit_jury_session", "POST"): ORGANISER_1,
    ("delete_jury_session", "GET"): ORGANISER_1,
    ("delete_jury_session", "POST"): ORGANISER_1,
    ("shortlist_session", "POST"): ORGANISER_1,
    ("challenge_criteria", "GET"): ORGANISER_1,
    ("challenge_criteria", "POST"): ORGANISER_1,
    ("apply_challenge_preset", "POST"): ORGANISER_1,
    ("copy_round_grid", "POST"): ORGANISER_1,
    ("drop_challenge_grid", "POST"): ORGANISER_1,
    # the explanation of one entry's result: {entry_id} is not in {session_id}'s scope, so 404 to all,
    # organisers included; organisers, and the session's jurors once it is closed, read an entry in
    # scope in tests/routes/test_explain.py
    ("explain_entry", "GET"): frozenset(),
    # awards of a session ({session_id} is scheduled: the page shows, giving is refused with 422;
    # removing an award the session does not have sends back to the page)
    ("jury_awards", "GET"): ORGANISER_1,
    ("jury_awards", "POST"): ORGANISER_1,
    # deliberation ({session_id} is scheduled: the page shows, a change is refused with 422)
    ("jury_deliberation", "GET"): ORGANISER_1,
    ("jury_deliberation", "POST"): ORGANISER_1,
    ("remove_award", "POST"): ORGANISER_1,
    # juror pages ({session_id} is a scheduled session of event 1 where juror_1 has a seat; {entry_id}
    # is not in its scope, so the phone page and its actions are 404 to all, see REFUSAL; they are
    # tested with an assigned entry in tests/routes/test_jury.py). Without a seat: 404, admins included.
    ("juror_sessions", "GET"): frozenset({"juror_1", "admin"}),
    ("juror_session", "GET"): frozenset({"juror_1"}),
    ("juror_session", "POST"): frozenset({"juror_1"}),
    ("juror_entry", "GET"): frozenset(),
    ("juror_entry", "POST"): frozenset(),
    ("juror_score", "POST"): frozenset(),
    ("juror_undo", "POST"): frozenset(),
    ("juror_recuse", "POST"): frozenset(),
    # the pairwise page and its one form: {session_id} is a rubric session, so 404 to all, juror_1
    # included (tested with a pairwise session in tests/routes/test_pairwise.py)
    ("juror_pairwise", "GET"): frozenset(),
    ("juror_pairwise", "POST"): frozenset(),
    # an entry's file through the session: its assigned jurors (without a conflict) and the event's
    # organisers, for an entry in the session's scope; {entry_id} is not, so 404 to all here (the
    # roles that get in are tested in tests/routes/test_jury_files.py)
    ("juror_file", "GET"): frozenset(),
    # after publication: a team's feedback (its members only), the public results (404 while no
    # session of the event is published, as here)
    ("team_feedback", "GET"): frozenset({"team_a"}),
    ("public_results", "GET"): frozenset(),
    # the public vote ({session_id} has none, so 404 to all; a session with a public vote is
    # tested in tests/routes/test_votes.py)
    ("public_vote", "GET"): frozenset(),
    ("cast_public_vote", "POST"): frozenset(),
    # the live session of event 1 ({session_id} is scheduled: the streams send the state and end at
    # once; empty forms answer 422: no slot named, nothing to put live, a scheduled session cannot
    # be locked). The juror's live page and stream are 404 without a seat, admins included.
    ("control_room", "GET"): ORGANISER_1,
    ("control_room_events", "GET"): ORGANISER_1,
    ("live_build_agenda", "POST"): ORGANISER_1,
    ("live_add_slot", "POST"): ORGANISER_1,
    ("live_edit_slot", "POST"): ORGANISER_1,
    ("live_move_slot", "POST"): ORGANISER_1,
    ("live_remove_slot", "POST"): ORGANISER_1,
    ("live_lock_slot", "POST"): ORGANISER_1,
    ("live_next_slot", "POST"): ORGANISER_1,
    ("live_lock_session", "POST"): ORGANISER_1,
    ("juror_live", "GET"): frozenset({"juror_1"}),
    ("juror_live_events", "GET"): frozenset({"juror_1"}),
    # the stage screen: {session_id} has no public vote, so organisers only (a link's token is
    # tested in tests/routes/test_stage.py), 404 to anyone else; the reveal answers 422 (the
    # session is not locked), a new link 303; the printed cards are the organisers'.
    ("stage_screen", "GET"): ORGANISER_1,
    ("stage_events", "GET"): ORGANISER_1,
    ("live_reveal_award", "POST"): ORGANISER_1,
    ("live_stage_link", "POST"): ORGANISER_1,
    ("jurors_card", "GET"): ORGANISER_1,
    ("visitors_card", "GET"): ORGANISER_1,
    # the JSON API: public reads for everyone (and their CORS preflight), whatever the session; the
    # organisers' routes take a personal token only, so every session cookie gets 401 (TOKEN_ONLY).
    # {entry_id} is not in a public gallery: 404 to all (PUBLIC_REFUSAL).
    **{
        (name, method): EVERYONE
        for name in (
            "api_events",
            "api_event",
            "api_rounds",
            "api_challenges",
            "api_challenge",
            "api_datasets",
            "api_dataset",
            "api_teams",
            "api_entries",
            "api_results",
            "api_awards",
        )
        for method in ("GET", "OPTIONS")
    },
    ("api_entry", "GET"): frozenset(),
    ("api_entry", "OPTIONS"): EVERYONE,
    ("api_token", "GET"): frozenset(),
    ("api_registrants", "GET"): frozenset(),
    ("api_managed_teams", "GET"): frozenset(),
    ("api_managed_entries", "GET"): frozenset(),
    ("api_jury_sessions", "GET"): frozenset(),
    ("api_session_results", "GET"): frozenset(),
    ("api_session_scores", "GET"): frozenset(),
    ("api_import_dataset", "POST"): frozenset(),
    ("api_invite", "POST"): frozenset(),
    ("api_change_round", "PATCH"): frozenset(),
    ("api_openapi", "GET"): EVERYONE,
    ("api_docs", "GET"): EVERYONE,
    # reuses on open-data portals: the organisers' list, forgetting a stored API key (an empty form
    # names no portal: back to the list), and the reuse record of {entry_id}, which for these routes
    # is an entry of event 1 awarded in a published session (REUSE_ROUTES); publishing it with an
    # empty form is refused with 422 (no portal named) before anything is sent
    ("manage_reuses", "GET"): ORGANISER_1,
    ("forget_portal_key", "POST"): ORGANISER_1,
    ("entry_reuse", "GET"): ORGANISER_1,
    ("entry_reuse_json", "GET"): ORGANISER_1,
    ("publish_reuse", "POST"): ORGANISER_1,
    # platform administration
    ("users", "GET"): ADMIN,
    ("set_active", "POST"): ADMIN,
    # the instance's identity (empty settings are valid: saved), its logo (an empty form is a 400: no
    # file); an event's images ({image_id} is event 1's cover); images and colours are public
    ("instance_settings", "GET"): ADMIN,
    ("instance_settings", "POST"): ADMIN,
    ("upload_logo", "POST"): ADMIN,
    ("remove_logo", "POST"): ADMIN,
    ("manage_images", "GET"): ORGANISER_1,
    ("upload_cover", "POST"): ORGANISER_1,
    ("add_sponsor", "POST"): ORGANISER_1,
    ("upload_illustration", "POST"): ORGANISER_1,
    ("remove_image", "POST"): ORGANISER_1,
    ("serve_image", "GET"): EVERYONE,
    ("stylesheet", "GET"): EVERYONE,
    ("new_event", "GET"): ADMIN,
    ("new_event", "POST"): ADMIN,
}
# The success code of a GET route when it is not 200.
GET_SUCCESS: dict[str, int] = {}
# What a role allowed in gets from a POST with a valid token and empty data: the status code of a
# form error (422) or of an upload without a multipart body (400), or the page a 303 sends to (its
# path parameters are the world's, as in the URL).
POST_SUCCESS: dict[str, int | str] = {
    "language": "/",
    "signup": 422,
    "login": 422,
    "logout": "/",
    "verify": "/account",
    "resend_verification": "/account",
    "forgot_password": 422,
    "reset_password": 422,
    "account": 422,
    "change_password": 422,
    "delete_account": 422,
    "people": 422,
    "remove_person": "/events/{slug}/manage/people",
    "cancel_invitation": "/events/{slug}/manage/people",
    "import_people": 400,
    "edit_event": 422,
    "event_status": "/events/{slug}/manage",
    "participation": 422,
    "manage_rounds": 422,
    "edit_round": 422,
    "delete_round": "/events/{slug}/manage/rounds",
    "move_round": "/events/{slug}/manage/rounds",
    "manage_challenges": 422,
    "edit_challenge": 422,
    "challenge_status": "/events/{slug}/manage/challenges",
    "add_challenge_owner": 422,
    "remove_challenge_owner": "/events/{slug}/manage/challenges/{challenge}/edit",
    "propose_challenge": 422,
    "create_event": 422,
    "invitation": "/events/{slug}",
    "import_dataset": 422,
    "add_dataset": 422,
    "edit_dataset": 422,
    "refresh_dataset": "/events/{slug}/manage/datasets",
    "restrict_dataset": "/events/{slug}/manage/datasets",
    "team_entries": 422,
    "edit_entry": 422,
    "upload_file": 400,
    "create_api_token": 422,
    "revoke_api_token": "/account#tokens-title",
    "import_datapackage": 400,
    "manage_announcements": 422,
    "edit_announcement": 422,
    "delete_announcement": "/events/{slug}/manage/announcements",
    "manage_webhooks": 422,
    "webhook_page": 422,
    "rotate_webhook_secret": 200,  # the page again, with the new secret shown once
    "delete_webhook": "/events/{slug}/manage/webhooks",
    "ping_webhook": "/events/{slug}/manage/webhooks/{webhook_id}#deliveries",
    "redeliver": "/events/{slug}/manage/webhooks/{webhook_id}#deliveries",
    "delete_file": "/events/{slug}/entries/{entry_id}/edit#files",
    "accept_dataset_terms": "/events/{slug}/datasets/{dataset_id}#files",
    "register": 422,
    "create_team": 422,
    "ask_to_join": 422,
    "invite_by_email": 422,
    "regenerate_link": "/events/{slug}/team",
    "decide_request": 422,
    "hand_over": 422,
    "remove_member": 422,
    "leave_team": "/events/{slug}/team",
    "choose_challenges": "/events/{slug}/team",
    "join_by_link": 422,
    "decide_entry": "/events/{slug}/manage/entries",
    "decide_entries": "/events/{slug}/manage/entries",
    "advance_round": "/events/{slug}/manage/entries",
    "gallery_setting": "/events/{slug}/manage/entries#gallery",
    "round_criteria": 422,
    "apply_criteria_preset": 422,
    "edit_criterion": 422,
    "delete_criterion": "/events/{slug}/manage/rounds/{round_id}/criteria",
    "new_jury_session": 422,
    "invite_juror": 422,
    "jury_session_status": 422,
    "edit_jury_session": 422,
    "delete_jury_session": 422,
    "shortlist_session": 422,
    "challenge_criteria": 422,
    "apply_challenge_preset": 422,
    "copy_round_grid": "/events/{slug}/manage/rounds/{round_id}/criteria/challenges/{challenge}",
    "drop_challenge_grid": "/events/{slug}/manage/rounds/{round_id}/criteria",
    "jury_awards": 422,
    "jury_deliberation": 422,
    "remove_award": "/events/{slug}/manage/juries/{session_id}/awards",
    "juror_session": "/events/{slug}/jury/{session_id}",
    "live_build_agenda": 422,
    "live_add_slot": 422,
    "live_edit_slot": 422,
    "live_move_slot": 422,
    "live_remove_slot": 422,
    "live_lock_slot": 422,
    "live_next_slot": 422,
    "live_lock_session": 422,
    "live_reveal_award": 422,
    "live_stage_link": "/events/{slug}/manage/juries/{session_id}/live",
    "set_active": "/admin",
    "instance_settings": "/admin/settings",
    "upload_logo": 400,
    "remove_logo": "/admin/settings",
    "upload_cover": 400,
    "add_sponsor": 400,
    "upload_illustration": 400,
    "remove_image": "/events/{slug}/manage/images",
    "new_event": 422,
    "forget_portal_key": "/events/{slug}/manage/reuses",
    "publish_reuse": 422,
}
# Where one role's answer differs from the route's: an anonymous visitor who confirms their address
# is sent to sign in; a captain's actions on a team, from someone with no team in event 1 (neither
# team A's nor team B's captain), send back to the team page before reading the form.
POST_SUCCESS_FOR_ROLE: dict[tuple[str, str], int | str] = {("verify", "anonymous"): "/login"}
POST_SUCCESS_FOR_ROLE.update(
    {
        (name, role): "/events/{slug}/team"
        for name in ("invite_by_email", "decide_request", "hand_over", "remove_member")
        for role in SIGNED_IN - {"team_a", "team_b"}
    }
)
# The refusal a signed-in role gets when it is not 403: another team's entry or file is 404
# (docs/SECURITY.md, "Access control"), whoever asks.
REFUSAL: dict[str, int] = {"edit_entry": 404, "upload_file": 404, "delete_file": 404, "download_file": 404}
# A juror's session and sheets are 404 to whoever has no seat or assignment; a team's feedback to
# anyone outside the team.
REFUSAL.update(
    dict.fromkeys(
        [
            "juror_session",
            "juror_entry",
            "juror_score",
            "juror_undo",
            "juror_recuse",
            "juror_pairwise",
            "juror_file",
            "team_feedback",
            "cast_public_vote",
            "explain_entry",
        ],
        404,
    )
)
# A juror's live page and stream: 404 without a seat on the session.
REFUSAL.update(dict.fromkeys(["juror_live", "juror_live_events"], 404))
# Another person's API token: 404, admins included.
REFUSAL["revoke_api_token"] = 404
# Public routes that answer 404 (not a sign-in redirect) to whoever may not see what they show,
# anonymous visitors included: a gallery that is not public, an entry that is not in it.
PUBLIC_REFUSAL = {"gallery", "challenge_gallery", "entry_page", "download_file", "public_results"}
PUBLIC_REFUSAL.add("public_vote")  # a session's public vote, when the session has none
PUBLIC_REFUSAL.update({"stage_screen", "stage_events"})  # a stage that is not public, without its link
PUBLIC_REFUSAL.add("api_entry")  # an entry of the API outside the public gallery
PUBLIC_REFUSAL.add("metrics")  # no METRICS_TOKEN in the tests' settings: the address does not exist
# API routes that take a personal token only: a session cookie is never read there, so every role
# of this matrix, signed in or not, gets 401 (tests/api/test_tokens.py uses the tokens).
TOKEN_ONLY = {name for (name, _method), roles in ACCESS.items() if name.startswith("api_") and not roles}
TOKEN_ONLY -= {"api_entry"}
REFUSAL.update(dict.fromkeys(PUBLIC_REFUSAL, 404))

# Routes whose {entry_id} must be a public entry (events/domain/reuses.py): for them only, the world's
# entry is one of event 1 that won an award in a published session.
REUSE_ROUTES = {"entry_reuse", "entry_reuse_json", "publish_reuse"}

SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnop"


def _app_routes() -> list[Route | Mount]:
    settings = Settings(
        testing=True, secret_key=SECRET_KEY, base_url=BASE_URL, database_url="sqlite://:memory:"
    )
    return list(create_app(settings, manage_database=False).routes)


def _cases() -> list:
    cases = []
    for route in _app_routes():
        if isinstance(route, Mount) and route.path == "/static":
            continue
        methods = sorted(getattr(route, "methods", None) or {"?"})
        for method in methods:
            if method == "HEAD":  # Starlette adds it to every GET route
                continue
            for role in ROLES:
                cases.append(pytest.param(route, method, role, id=f"{method} {route.path} {role}"))
    return cases


@dataclass
class World:
    users: dict[str, User]
    event_1: Event
    event_2: Event
    draft: Event
    juror_1_role: EventRole  # a role in event 1 that its organiser may remove
    dataset_1: Dataset  # a dataset of event 1, entered by hand
    round_1: Round  # a round of event 1
    challenge_1: Challenge  # a published challenge of event 1
    invitation_token: str  # an unanswered invitation to event 1
    join_token: str = ""  # the invitation link of team A (team_a's team in event 1)

    entry_1: Entry | None = None  # team A's entry in event 1
    file_1: EntryFile | None = None  # its file, stored where the app's storage looks
    criterion_1: Criterion | None = None  # a criterion of round_1
    session_1: JurySession | None = None  # a scheduled jury session of event 1 on round_1
    invitation_1: Invitation | None = None  # the unanswered invitation to event 1 behind invitation_token
    announcement_1: Announcement | None = None  # an announcement of event 1
    api_token_1: ApiToken | None = None  # organiser_1's personal API token for event 1
    webhook_1: Webhook | None = None  # a webhook of event 1
    delivery_1: WebhookDelivery | None = None  # a delivery it gave up
    image_1: Image | None = None  # event 1's cover, stored where the app's storage looks


async def _user(role: str, **fields) -> User:
    return await User.create(
        email=f"{role.replace('_', '-')}@example.org",
        name=role.replace("_", " ").title(),
        password_hash=CHEAP_HASH,
        email_verified_at=datetime.now(UTC),
        language="en",
        **fields,
    )


async def _team_of(event: Event, user: User) -> Team:
    """The user's team in the event, created if the world gave them none."""
    member = await TeamMember.get_or_none(event_id=event.id, user_id=user.id).select_related("team")
    if member is not None:
        return member.team
    team = await Team.create(
        event=event, name=user.name, name_key=user.email, invite_token_hash=token_hex(32)
    )
    await TeamMember.create(team=team, event=event, user=user, is_captain=True)
    return team


async def _entry_and_file(
    settings: Settings, event: Event, users: dict[str, User]
) -> tuple[Entry, EntryFile]:
    """Team A's entry (teams A and B exist) in a round of its own, and a file stored on disk."""
    team_a = await _team_of(event, users["team_a"])
    await _team_of(event, users["team_b"])
    stage = await Round.create(event=event, position=99, name="Entries round")
    challenge = await Challenge.create(
        event=event, slug="entries-challenge", title="Entries challenge", status=ChallengeStatus.PUBLISHED
    )
    entry = await Entry.create(event=event, team=team_a, round=stage, challenge=challenge, title="Entry One")
    pending = storage_for(settings).begin(max_bytes=1024)
    await pending.write(b"%PDF-1.7 matrix")
    stored = await pending.commit()
    record = await EntryFile.create(
        entry=entry,
        storage_key=stored.key,
        original_name="slides.pdf",
        content_type="application/pdf",
        size=stored.size,
        sha256=stored.sha256,
    )
    return entry, record


@pytest.fixture
async def world(db, settings) -> World:
    users = {role: await _user(role) for role in ROLES if role not in ("anonymous", "admin")}
    users["admin"] = await _user("admin", is_admin=True)
    event_1 = await Event.create(slug="event-one", title="Event One", status=EventStatus.PUBLISHED)
    event_2 = await Event.create(slug="event-two", title="Event Two", status=EventStatus.PUBLISHED)
    draft = await Event.create(slug="draft-event", title="Draft Event", status=EventStatus.DRAFT)
    await EventRole.create(event=event_1, user=users["organiser_1"], role=Role.ORGANISER)
    await EventRole.create(event=draft, user=users["organiser_1"], role=Role.ORGANISER)
    await EventRole.create(event=event_2, user=users["organiser_2"], role=Role.ORGANISER)
    juror_1_role = await EventRole.create(event=event_1, user=users["juror_1"], role=Role.JUROR)
    await EventRole.create(event=event_2, user=users["juror_2"], role=Role.JUROR)
    dataset_1 = await Dataset.create(event=event_1, title="Dataset One", portal_kind=PortalKind.MANUAL)
    round_1 = await Round.create(event=event_1, position=1, name="Round One")
    challenge_1 = await Challenge.create(
        event=event_1, slug="challenge-one", title="Challenge One", status=ChallengeStatus.PUBLISHED
    )
    invitation_token = "invitation-token-for-the-matrix"
    invitation_1 = await Invitation.create(
        event=event_1,
        email="invitee@example.org",
        role=Role.MENTOR,
        token_hash=hashlib.sha256(invitation_token.encode()).hexdigest(),
    )
    teams = {}
    for role in ("team_a", "team_b"):
        await Registration.create(event=event_1, user=users[role], rules_accepted_at=datetime.now(UTC))
        teams[role] = await team_rules.create_team(event=event_1, user=users[role], name=role.title())
    entry_1, file_1 = await _entry_and_file(settings, event_1, users)
    criterion_1 = await Criterion.create(round=round_1, name="Criterion One", position=1)
    session_1 = await JurySession.create(event=event_1, round=round_1, name="Jury One")
    await JurySessionJuror.create(session=session_1, user=users["juror_1"])
    api_token_1 = (
        await api_tokens.create_token(
            user=users["organiser_1"], name="Matrix", event_id=str(event_1.id), scope="write"
        )
    ).token
    # An address the guard refuses before connecting (a documentation range): pressing "Send a
    # test" or "Send again" here reaches no network.
    webhook_1 = await Webhook.create(
        event=event_1, url="http://192.0.2.1/hook", secret="whsec_" + "m" * 43, kinds=["ping"]
    )
    return World(
        users,
        event_1,
        event_2,
        draft,
        juror_1_role,
        dataset_1,
        round_1,
        challenge_1,
        invitation_token,
        join_token=team_rules.invite_token(teams["team_a"], secret_key=SECRET_KEY),
        entry_1=entry_1,
        file_1=file_1,
        criterion_1=criterion_1,
        session_1=session_1,
        invitation_1=invitation_1,
        announcement_1=await Announcement.create(event=event_1, title="Announcement One", body="News"),
        api_token_1=api_token_1,
        webhook_1=webhook_1,
        delivery_1=await WebhookDelivery.create(
            webhook=webhook_1, kind="ping", payload="{}", status=DeliveryStatus.GAVE_UP, attempts=1
        ),
        image_1=await branding.set_cover(event=event_1, storage=storage_for(settings), data=images.png()),
    )


async def _awarded_entry(world: World) -> Entry:
    """Team B's submitted entry in event 1, awarded a prize in a published session of event 1."""
    team_b = await _team_of(world.event_1, world.users["team_b"])
    entry = await Entry.create(
        event=world.event_1,
        team=team_b,
        round=world.round_1,
        challenge=world.challenge_1,
        status=EntryStatus.SUBMITTED,
        title="Awarded Entry",
        demo_url="https://demo.example.org/",
    )
    session = await JurySession.create(
        event=world.event_1,
        round=world.round_1,
        name="Published Jury",
        status=SessionStatus.PUBLISHED,
        published_at=datetime.now(UTC),
    )
    await Award.create(
        session=session, challenge=world.challenge_1, entry=entry, title="First prize", position=1
    )
    return entry


async def browser_as(make_client, world: World, role: str) -> httpx.AsyncClient:
    client = make_client()
    if role != "anonymous":
        await sign_in(client, world.users[role].email)
    return client


def _path_params(route: Route, world: World) -> dict[str, str]:
    return {name: _known_params(route, world)[name] for name in route.param_convertors}


def _known_params(route: Route, world: World) -> dict[str, str]:
    """Every path parameter of the world, the token being the one `route` takes."""
    team_b = world.users["team_b"]
    if route.name == "reset_password":
        token = tokens.make_token(
            SECRET_KEY, "reset", {"u": team_b.id, "p": tokens.fingerprint(team_b.password_hash)}
        )
    elif route.name == "invitation":
        token = world.invitation_token
    elif route.name == "join_by_link":
        token = world.join_token
    else:
        token = tokens.make_token(
            SECRET_KEY, "verify", {"u": team_b.id, "e": tokens.fingerprint(team_b.email)}
        )
    return {
        "slug": world.event_1.slug,
        "role_id": str(world.juror_1_role.id),
        "user_id": str(team_b.id),
        "token": token,
        "dataset_id": str(world.dataset_1.id),
        "entry_id": str(world.entry_1.id if world.entry_1 else 0),
        "file_id": str(world.file_1.id if world.file_1 else 0),
        "round_id": str(world.round_1.id),
        "challenge": world.challenge_1.slug,
        "criterion_id": str(world.criterion_1.id if world.criterion_1 else 0),
        "session_id": str(world.session_1.id if world.session_1 else 0),
        "invitation_id": str(world.invitation_1.id if world.invitation_1 else 0),
        "announcement_id": str(world.announcement_1.id if world.announcement_1 else 0),
        "token_id": str(world.api_token_1.id if world.api_token_1 else 0),
        "webhook_id": str(world.webhook_1.id if world.webhook_1 else 0),
        "delivery_id": str(world.delivery_1.id if world.delivery_1 else 0),
        "image_id": str(world.image_1.id if world.image_1 else 0),
        "name": f"{world.image_1.sha256}.png" if world.image_1 else "x.png",
    }


def _is_login_redirect(response: httpx.Response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def _is_refusal(response: httpx.Response) -> bool:
    return _is_login_redirect(response) or response.status_code in (403, 404)


@pytest.mark.parametrize(("route", "method", "role"), _cases())
async def test_route_lets_in_exactly_the_roles_of_the_access_table(
    settings, world, make_client, monkeypatch, route, method, role
):
    # The live event streams of the world's (scheduled) session stay open until their lifetime: the
    # client reads the whole body, so let it end at once.
    monkeypatch.setattr(live_routes, "STREAM_LIFETIME", 0.05)
    assert isinstance(route, Route), f"{route!r} is not a Route built by events.auth.route()"
    assert hasattr(route, "access"), f"{route.path} was not built by events.auth.route(..., access=...)"
    key = (route.name, method)
    if key not in ACCESS:
        pytest.fail(f"{key} ({route.path}) is missing from ACCESS: say which roles may use it")
    assert settings.secret_key == SECRET_KEY
    allowed = ACCESS[key]
    if route.name in REUSE_ROUTES:
        world.entry_1 = await _awarded_entry(world)
    client = await browser_as(make_client, world, role)
    url = route.path_format.format(**_path_params(route, world))

    if method == "GET":
        response = await client.get(url)
    elif method == "POST":
        response = await post_form(client, url, {})
    else:  # the API's PATCH, and the CORS preflight (OPTIONS) of its public reads
        response = await client.request(method, url)

    if route.name in TOKEN_ONLY:
        assert response.status_code == 401, response.text
        assert response.json()["error"]["status"] == 401
    elif role in allowed:
        if method == "OPTIONS":
            assert response.status_code == 204
        elif method == "GET":
            assert response.status_code == GET_SUCCESS.get(route.name, 200), response.text
        else:
            assert not _is_refusal(response), (response.status_code, response.headers.get("location"))
            if route.name not in POST_SUCCESS:
                pytest.fail(f"{route.name} ({route.path}) is missing from POST_SUCCESS: say what it answers")
            expected = POST_SUCCESS_FOR_ROLE.get((route.name, role), POST_SUCCESS[route.name])
            if isinstance(expected, int):
                assert response.status_code == expected, response.text
            else:
                location = expected.format(**_known_params(route, world))
                assert (response.status_code, response.headers.get("location")) == (303, location)
    elif role == "anonymous" and route.name in PUBLIC_REFUSAL:
        assert response.status_code == 404
    elif role == "anonymous":
        assert _is_login_redirect(response), (response.status_code, response.headers.get("location"))
    elif allowed == ANONYMOUS:
        assert response.status_code == 303
        assert response.headers["location"] == "/account"
    else:
        assert response.status_code == REFUSAL.get(route.name, 403)


def test_post_answers_name_exactly_the_post_routes_someone_may_use():
    usable = {name for (name, method), allowed in ACCESS.items() if method == "POST" and allowed}
    assert set(POST_SUCCESS) == usable
    assert {name for name, _role in POST_SUCCESS_FOR_ROLE} <= usable
    assert all(role in ACCESS[(name, "POST")] for name, role in POST_SUCCESS_FOR_ROLE)


def test_access_table_has_no_route_that_the_app_lacks():
    served = {
        (route.name, method)
        for route in _app_routes()
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert set(ACCESS) - served == set()


# --- one event's organiser against another event ---------------------------------------------


async def test_organiser_of_event_2_cannot_read_or_change_event_1(world, make_client):
    client = await browser_as(make_client, world, "organiser_2")
    event_1, event_2, role = world.event_1.slug, world.event_2.slug, world.juror_1_role

    assert (await client.get(f"/events/{event_1}/manage")).status_code == 403
    assert (await client.get(f"/events/{event_1}/manage/people")).status_code == 403
    removing = await post_form(client, f"/events/{event_1}/manage/people/{role.id}/remove")
    assert removing.status_code == 403
    # Through the URL of an event they do organise, event 1's role is not theirs to find.
    removing = await post_form(client, f"/events/{event_2}/manage/people/{role.id}/remove")
    assert removing.status_code == 404
    granting = await post_form(
        client, f"/events/{event_1}/manage/people", {"email": "team-a@example.org", "role": "organiser"}
    )
    assert granting.status_code == 403

    assert await EventRole.exists(id=role.id, event_id=world.event_1.id)
    assert await EventRole.filter(user_id=world.users["team_a"].id).count() == 0


async def test_organiser_of_event_1_removes_a_role_of_event_1(world, make_client):
    client = await browser_as(make_client, world, "organiser_1")
    role = world.juror_1_role

    response = await post_form(client, f"/events/{world.event_1.slug}/manage/people/{role.id}/remove")

    assert response.status_code == 303
    assert response.headers["location"] == f"/events/{world.event_1.slug}/manage/people"
    assert not await EventRole.exists(id=role.id)


# --- drafts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("team_a", 404),
        ("juror_1", 404),
        ("organiser_2", 404),
        ("organiser_1", 200),
        ("admin", 200),
    ],
)
@pytest.mark.parametrize("page", ["", "/manage", "/manage/people"])
async def test_draft_event_is_404_to_everyone_without_a_role_in_it(world, make_client, role, status, page):
    client = await browser_as(make_client, world, role)

    response = await client.get(f"/events/{world.draft.slug}{page}")

    assert response.status_code == status


async def test_draft_event_is_not_listed_on_the_home_page(world, make_client):
    client = await browser_as(make_client, world, "anonymous")

    page = await client.get("/")

    assert world.event_1.title in page.text
    assert world.draft.title not in page.text


# --- anonymous-only pages -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/signup"])
async def test_anonymous_only_page_sends_a_signed_in_user_to_their_account(world, make_client, path):
    client = await browser_as(make_client, world, "team_a")

    response = await client.get(path)

    assert response.status_code == 303
    assert response.headers["location"] == "/account"
