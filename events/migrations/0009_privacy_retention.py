from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0008_dataset_unique_import")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Event",
            name="purged_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Event",
            name="retention_months",
            field=fields.IntField(default=12),
        ),
        ops.AlterField(
            model_name="PublicVote",
            name="user",
            field=fields.ForeignKeyField(
                "models.User",
                source_field="user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="public_votes",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        # On SQLite, AlterField rebuilds the table without its UNIQUE (session, user) constraint: put
        # it back as an index of the same name (on PostgreSQL the constraint's index already has it).
        ops.RunSQL(
            'CREATE UNIQUE INDEX IF NOT EXISTS "uid_public_vote_session_2ce586" '
            'ON "public_vote" ("session_id", "user_id")',
            reverse_sql="SELECT 1",
        ),
    ]
