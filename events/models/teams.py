"""Participation: registrations to an event, teams, their members and join requests."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Registration(Model):
    """A person registered to an event (rules accepted, eligibility checked, answers given)."""

    id = fields.IntField(primary_key=True)
    event = fields.ForeignKeyField("models.Event", related_name="registrations", on_delete=fields.CASCADE)
    user = fields.ForeignKeyField("models.User", related_name="registrations", on_delete=fields.CASCADE)
    rules_accepted_at = fields.DatetimeField()
    answers = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "registration"
        unique_together = (("event", "user"),)


class Team(Model):
    id = fields.IntField(primary_key=True)
    event = fields.ForeignKeyField("models.Event", related_name="teams", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=100)
    # Case- and accent-folded name: the UNIQUE constraint settles parallel creations.
    name_key = fields.CharField(max_length=100)
    description = fields.TextField(default="")
    invite_token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "team"
        ordering = ["name", "id"]
        unique_together = (("event", "name_key"),)

    def __str__(self) -> str:
        return self.name


class TeamMember(Model):
    """One team per person per event: the UNIQUE (event, user) constraint says so."""

    id = fields.IntField(primary_key=True)
    team = fields.ForeignKeyField("models.Team", related_name="members", on_delete=fields.CASCADE)
    event = fields.ForeignKeyField("models.Event", related_name="team_members", on_delete=fields.CASCADE)
    user = fields.ForeignKeyField("models.User", related_name="memberships", on_delete=fields.CASCADE)
    is_captain = fields.BooleanField(default=False)
    joined_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "team_member"
        unique_together = (("event", "user"),)
        indexes = (("team_id", "user_id"),)  # a team's members; a juror's conflict check on every save


class JoinRequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class JoinRequest(Model):
    id = fields.IntField(primary_key=True)
    team = fields.ForeignKeyField("models.Team", related_name="join_requests", on_delete=fields.CASCADE)
    user = fields.ForeignKeyField("models.User", related_name="join_requests", on_delete=fields.CASCADE)
    status = fields.CharEnumField(JoinRequestStatus, max_length=10, default=JoinRequestStatus.PENDING)
    message = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "join_request"
        unique_together = (("team", "user"),)


class TeamChallenge(Model):
    id = fields.IntField(primary_key=True)
    team = fields.ForeignKeyField("models.Team", related_name="challenge_links", on_delete=fields.CASCADE)
    challenge = fields.ForeignKeyField(
        "models.Challenge", related_name="team_links", on_delete=fields.CASCADE
    )

    class Meta:
        table = "team_challenge"
        unique_together = (("team", "challenge"),)
