"""Juries: criteria, jury sessions, jurors and their conflicts, assignments, score sheets and the score log.

The rules live in `events.domain`: the transition in `sessions`, seats and conflicts in `seats`,
assignment in `assignments`, the score sheets and their log in `sheets`, the results in `results`.
The UNIQUE constraints here are what settle parallel saves.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from events.i18n import _, pgettext


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"  # locked: no score changes, results frozen in a snapshot
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        """The status in the reader's language. Its own message context, because French agrees the
        adjective with "session" (publiée) where a challenge is "publié"."""
        return {
            SessionStatus.SCHEDULED: pgettext("jury session", "scheduled"),
            SessionStatus.OPEN: pgettext("jury session", "open"),
            SessionStatus.CLOSED: pgettext("jury session", "closed"),
            SessionStatus.PUBLISHED: pgettext("jury session", "published"),
        }[self]


class AssignmentMode(StrEnum):
    ALL = "all"  # every juror scores every entry in scope
    K = "k"  # each entry gets k jurors, balanced across jurors


class Normalisation(StrEnum):
    NONE = "none"
    ZSCORE = "zscore"


class ConflictKind(StrEnum):
    DECLARED = "declared"  # when accepting the invitation
    RECUSED = "recused"  # while scoring
    MEMBER = "member"  # the juror belongs to the team


class SheetStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        """The status in the reader's language."""
        return _("submitted") if self is SheetStatus.SUBMITTED else _("draft")


class Criterion(Model):
    """A line of a round's scoring grid, or of one challenge's own grid (which replaces the round's)."""

    id = fields.IntField(primary_key=True)
    round = fields.ForeignKeyField("models.Round", related_name="criteria", on_delete=fields.CASCADE)
    challenge = fields.ForeignKeyField(
        "models.Challenge", related_name="criteria", null=True, on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=120)
    description = fields.TextField(default="")
    weight = fields.FloatField(default=1.0)
    scale_min = fields.FloatField(default=0.0)
    scale_max = fields.FloatField(default=10.0)
    step = fields.FloatField(default=1.0)
    # Level descriptions shown to jurors: [{"value": 0, "label": "Absent"}, ...]
    levels = fields.JSONField(default=list)
    position = fields.IntField(default=0)

    class Meta:
        table = "criterion"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class JurySession(Model):
    """A jury for a round and some of its challenges: a scoring window, jurors and the results."""

    id = fields.IntField(primary_key=True)
    event = fields.ForeignKeyField("models.Event", related_name="jury_sessions", on_delete=fields.CASCADE)
    round = fields.ForeignKeyField("models.Round", related_name="jury_sessions", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=120)
    status = fields.CharEnumField(SessionStatus, max_length=12, default=SessionStatus.SCHEDULED)
    opens_at = fields.DatetimeField(null=True)
    closes_at = fields.DatetimeField(null=True)
    assignment_mode = fields.CharEnumField(AssignmentMode, max_length=5, default=AssignmentMode.ALL)
    k = fields.IntField(default=3)
    blind = fields.BooleanField(default=False)  # team members' names hidden from jurors
    normalisation = fields.CharEnumField(Normalisation, max_length=10, default=Normalisation.NONE)
    trimmed = fields.BooleanField(default=False)  # drop the highest and lowest juror total
    public_vote = fields.BooleanField(default=False)
    results_snapshot = fields.JSONField(null=True)  # frozen when the session closes
    locked_at = fields.DatetimeField(null=True)
    published_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "jury_session"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class JurySessionChallenge(Model):
    """The challenges a session judges. None linked: every challenge of the round."""

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField(
        "models.JurySession", related_name="challenge_links", on_delete=fields.CASCADE
    )
    challenge = fields.ForeignKeyField(
        "models.Challenge", related_name="jury_session_links", on_delete=fields.CASCADE
    )

    class Meta:
        table = "jury_session_challenge"
        unique_together = (("session", "challenge"),)


class JurySessionJuror(Model):
    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField("models.JurySession", related_name="jurors", on_delete=fields.CASCADE)
    user = fields.ForeignKeyField("models.User", related_name="jury_seats", on_delete=fields.CASCADE)
    accepted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "jury_session_juror"
        ordering = ["user_id"]
        unique_together = (("session", "user"),)


class ConflictOfInterest(Model):
    """A juror who must not score a team: declared, recused while scoring, or a member of it.

    One row per (session, juror, team): the row is the record organisers read.
    """

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField("models.JurySession", related_name="conflicts", on_delete=fields.CASCADE)
    juror = fields.ForeignKeyField("models.User", related_name="jury_conflicts", on_delete=fields.CASCADE)
    team = fields.ForeignKeyField("models.Team", related_name="jury_conflicts", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(ConflictKind, max_length=10)
    reason = fields.CharField(max_length=500, default="")
    declared_at = fields.DatetimeField()

    class Meta:
        table = "conflict_of_interest"
        ordering = ["declared_at", "id"]
        unique_together = (("session", "juror", "team"),)


class Assignment(Model):
    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField(
        "models.JurySession", related_name="assignments", on_delete=fields.CASCADE
    )
    juror = fields.ForeignKeyField("models.User", related_name="jury_assignments", on_delete=fields.CASCADE)
    entry = fields.ForeignKeyField("models.Entry", related_name="jury_assignments", on_delete=fields.CASCADE)

    class Meta:
        table = "assignment"
        unique_together = (("session", "juror", "entry"),)
        # The organiser's page of a session lists its assignments by entry, then juror, a page at a time.
        indexes = (("session_id", "entry_id", "juror_id"),)


class ScoreSheet(Model):
    """One juror's scores for one entry. `total` (0-100) is derived from the scores on every save."""

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField("models.JurySession", related_name="sheets", on_delete=fields.CASCADE)
    juror = fields.ForeignKeyField("models.User", related_name="score_sheets", on_delete=fields.CASCADE)
    entry = fields.ForeignKeyField("models.Entry", related_name="score_sheets", on_delete=fields.CASCADE)
    status = fields.CharEnumField(SheetStatus, max_length=10, default=SheetStatus.DRAFT)
    comment = fields.TextField(default="")  # for the team, shown without the juror's name
    private_note = fields.TextField(default="")  # for the juror only
    total = fields.FloatField(null=True)
    # False once the juror's assignment to the entry is withdrawn (a conflict): the sheet stays for the
    # record but no longer counts. Kept with the sheet so the results need no join.
    assigned = fields.BooleanField(default=True)
    submitted_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "score_sheet"
        unique_together = (("session", "juror", "entry"),)
        # Covers the results query: a session's submitted totals per entry and juror, without the table.
        indexes = (("session_id", "status", "assigned", "entry_id", "juror_id", "total"),)


class Score(Model):
    id = fields.IntField(primary_key=True)
    sheet = fields.ForeignKeyField("models.ScoreSheet", related_name="scores", on_delete=fields.CASCADE)
    criterion = fields.ForeignKeyField("models.Criterion", related_name="scores", on_delete=fields.CASCADE)
    value = fields.FloatField()

    class Meta:
        table = "score"
        unique_together = (("sheet", "criterion"),)


class ScoreLogEntry(Model):
    """Append-only: every change of a sheet (a value, the comment, the note, the status), old and new.

    Replaying a sheet's entries in id order gives the sheet. An undo is a new entry pointing at the
    entry it reverses.
    """

    id = fields.IntField(primary_key=True)
    sheet = fields.ForeignKeyField("models.ScoreSheet", related_name="log", on_delete=fields.CASCADE)
    juror = fields.ForeignKeyField("models.User", related_name="score_log", on_delete=fields.CASCADE)
    criterion = fields.ForeignKeyField(
        "models.Criterion", related_name="log_entries", null=True, on_delete=fields.SET_NULL
    )
    field = fields.CharField(max_length=20)  # value, comment, private_note, status
    old_value = fields.TextField(null=True)
    new_value = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    undone_of = fields.ForeignKeyField(
        "models.ScoreLogEntry", related_name="undone_by", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "score_log_entry"
        indexes = (("sheet_id", "id"),)  # a sheet's log: the undo, the replay
        ordering = ["id"]


class SlotStatus(StrEnum):
    PENDING = "pending"  # on the agenda, not reached yet
    LIVE = "live"  # the team is pitching: the current slot
    DONE = "done"  # the pitch is over, jurors may still score it
    LOCKED = "locked"  # scoring of this entry is over for the session

    @property
    def label(self) -> str:
        """The status in the reader's language, as the agenda shows it."""
        return {
            SlotStatus.PENDING: _("to come"),
            SlotStatus.LIVE: _("pitching now"),
            SlotStatus.DONE: _("pitched"),
            SlotStatus.LOCKED: _("locked"),
        }[self]


class PitchSlot(Model):
    """A line of a live session's agenda (demo day): an entry pitching at a planned time.

    At most one slot of a session is live at a time (the current slot).
    """

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField("models.JurySession", related_name="slots", on_delete=fields.CASCADE)
    entry = fields.ForeignKeyField("models.Entry", related_name="pitch_slots", on_delete=fields.CASCADE)
    position = fields.IntField(default=0)
    planned_start = fields.DatetimeField(null=True)
    duration_minutes = fields.IntField(default=5)
    status = fields.CharEnumField(SlotStatus, max_length=10, default=SlotStatus.PENDING)
    started_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    locked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "pitch_slot"
        ordering = ["position", "id"]
        unique_together = (("session", "entry"),)


class PublicVote(Model):
    """The public's prize: one vote per verified account and session, never for one's own team."""

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField(
        "models.JurySession", related_name="public_votes", on_delete=fields.CASCADE
    )
    # NULL once the event's personal data is purged: the vote still counts, nobody is behind it.
    user = fields.ForeignKeyField(
        "models.User", related_name="public_votes", null=True, on_delete=fields.SET_NULL
    )
    entry = fields.ForeignKeyField("models.Entry", related_name="public_votes", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "public_vote"
        unique_together = (("session", "user"),)


class Award(Model):
    """A prize given to an entry by the organisers of a session (a challenge's prize, or the public's)."""

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField("models.JurySession", related_name="awards", on_delete=fields.CASCADE)
    challenge = fields.ForeignKeyField(
        "models.Challenge", related_name="awards", null=True, on_delete=fields.CASCADE
    )
    entry = fields.ForeignKeyField("models.Entry", related_name="awards", on_delete=fields.CASCADE)
    title = fields.CharField(max_length=200)
    position = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "award"
        ordering = ["position", "id"]
        unique_together = (("session", "challenge", "title"),)
