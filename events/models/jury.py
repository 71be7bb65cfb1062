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


class JudgingMode(StrEnum):
    RUBRIC = "rubric"  # jurors score each assigned entry on the grid's criteria
    PAIRWISE = "pairwise"  # jurors compare entries two by two (events.domain.pairwise)


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
    mode = fields.CharEnumField(
        JudgingMode, max_length=10, default=JudgingMode.RUBRIC, db_default=JudgingMode.RUBRIC.value
    )
    assignment_mode = fields.CharEnumField(AssignmentMode, max_length=5, default=AssignmentMode.ALL)
    k = fields.IntField(default=3)
    blind = fields.BooleanField(default=False)  # team members' names hidden from jurors
    normalisation = fields.CharEnumField(Normalisation, max_length=10, default=Normalisation.NONE)
    trimmed = fields.BooleanField(default=False)  # drop the highest and lowest juror total
    public_vote = fields.BooleanField(default=False)
    results_snapshot = fields.JSONField(null=True)  # frozen when the session closes
    locked_at = fields.DatetimeField(null=True)
    published_at = fields.DatetimeField(null=True)
    # The stage screen's sharing link is derived from this random value (never shown), which the
    # organiser replaces to turn the old link off. db_default: added to a table that holds sessions.
    stage_secret = fields.CharField(max_length=64, default="", db_default="")
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


class ComparisonKind(StrEnum):
    VOTE = "vote"  # the juror said which of the two entries is better
    SKIP = "skip"  # the juror skipped the current entry: no verdict, it is not served to them again
    UNDO = "undo"  # cancels the juror's last vote or skip (`undone_of`)


class Comparison(Model):
    """Append-only log of a pairwise session: each vote, skip and undo of a juror, never changed
    nor deleted. A vote says which of `previous` (the entry seen before) and `current` won; an undo
    is a new row pointing at the row it cancels. The ranking reads the votes nobody undid.

    `step` is the juror's position in the session when the row was written (their
    `PairwiseState.step`): the UNIQUE constraint refuses a replayed form even between two processes.
    """

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField(
        "models.JurySession", related_name="comparisons", on_delete=fields.CASCADE
    )
    juror = fields.ForeignKeyField("models.User", related_name="comparisons", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(ComparisonKind, max_length=5)
    previous = fields.ForeignKeyField(
        "models.Entry", related_name="compared_as_previous", null=True, on_delete=fields.CASCADE
    )
    current = fields.ForeignKeyField(
        "models.Entry", related_name="compared_as_current", null=True, on_delete=fields.CASCADE
    )
    winner = fields.ForeignKeyField(
        "models.Entry", related_name="comparisons_won", null=True, on_delete=fields.CASCADE
    )
    loser = fields.ForeignKeyField(
        "models.Entry", related_name="comparisons_lost", null=True, on_delete=fields.CASCADE
    )
    undone_of = fields.ForeignKeyField(
        "models.Comparison", related_name="undone_by", null=True, on_delete=fields.CASCADE
    )
    step = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "comparison"
        ordering = ["id"]
        unique_together = (("session", "juror", "step"),)


class PairwiseState(Model):
    """Where a juror stands in a pairwise session (Gavel's "prev" and "next"): the entry they saw
    before and the one they see now. Derived state, rewritten at each step; the log is `Comparison`."""

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField(
        "models.JurySession", related_name="pairwise_states", on_delete=fields.CASCADE
    )
    juror = fields.ForeignKeyField("models.User", related_name="pairwise_states", on_delete=fields.CASCADE)
    previous = fields.ForeignKeyField(
        "models.Entry", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    current = fields.ForeignKeyField("models.Entry", related_name=False, null=True, on_delete=fields.SET_NULL)
    # Incremented at every action: the forms carry it, so a form sent twice is refused the second time.
    step = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "pairwise_state"
        unique_together = (("session", "juror"),)


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
    # When the organiser revealed it on the stage screen (demo day), NULL until then.
    revealed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "award"
        ordering = ["position", "id"]
        unique_together = (("session", "challenge", "title"),)


class DeliberationChange(Model):
    """A place in a locked session's ranking that the jury decided differently from the computed one,
    with its written reason. Append-only: a change is never edited or deleted; moving an entry back
    is another change with its own reason. Placing the entry is done by `events.domain.deliberation`."""

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField(
        "models.JurySession", related_name="deliberation_changes", on_delete=fields.CASCADE
    )
    entry = fields.ForeignKeyField(
        "models.Entry", related_name="deliberation_changes", on_delete=fields.CASCADE
    )
    challenge_id = fields.IntField()
    computed_place = fields.IntField()  # the entry's place in the computed ranking
    from_place = fields.IntField()  # its place before this change (earlier changes applied)
    to_place = fields.IntField()
    reason = fields.TextField()
    decided_by = fields.ForeignKeyField(
        "models.User", related_name="deliberation_changes", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "deliberation_change"
        ordering = ["id"]
