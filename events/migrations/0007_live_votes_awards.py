from tortoise import migrations
from tortoise.migrations import operations as ops
from events.models.jury import SlotStatus
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0006_jury")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Award",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.JurySession",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="awards",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "challenge",
                    fields.ForeignKeyField(
                        "models.Challenge",
                        source_field="challenge_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="awards",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "entry",
                    fields.ForeignKeyField(
                        "models.Entry",
                        source_field="entry_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="awards",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("position", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "award",
                "app": "models",
                "unique_together": (("session", "challenge", "title"),),
                "pk_attr": "id",
                "table_description": "A prize given to an entry by the organisers of a session (a challenge's prize, or the public's).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PitchSlot",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.JurySession",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="slots",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "entry",
                    fields.ForeignKeyField(
                        "models.Entry",
                        source_field="entry_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="pitch_slots",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("position", fields.IntField(default=0)),
                ("planned_start", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("duration_minutes", fields.IntField(default=5)),
                (
                    "status",
                    fields.CharEnumField(
                        default=SlotStatus.PENDING,
                        description="PENDING: pending\nLIVE: live\nDONE: done\nLOCKED: locked",
                        enum_type=SlotStatus,
                        max_length=10,
                    ),
                ),
                ("started_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("locked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "pitch_slot",
                "app": "models",
                "unique_together": (("session", "entry"),),
                "pk_attr": "id",
                "table_description": "A line of a live session's agenda (demo day): an entry pitching at a planned time.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PublicVote",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.JurySession",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="public_votes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="public_votes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "entry",
                    fields.ForeignKeyField(
                        "models.Entry",
                        source_field="entry_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="public_votes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "public_vote",
                "app": "models",
                "unique_together": (("session", "user"),),
                "pk_attr": "id",
                "table_description": "The public's prize: one vote per verified account and session, never for one's own team.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Invitation",
            name="jury_session",
            field=fields.ForeignKeyField(
                "models.JurySession",
                source_field="jury_session_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="invitations",
                on_delete=OnDelete.CASCADE,
            ),
        ),
    ]
