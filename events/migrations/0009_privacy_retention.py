from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


async def _votes_keep_their_constraints(apps, schema_editor) -> None:
    """What AlterField leaves out. On SQLite it rebuilds the table without its UNIQUE (session, user)
    constraint: put it back as an index of the same name. On PostgreSQL it makes the column nullable
    but keeps ON DELETE CASCADE: the foreign key is made again with SET NULL."""
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        await client.execute_script(
            'CREATE UNIQUE INDEX IF NOT EXISTS "uid_public_vote_session_2ce586" '
            'ON "public_vote" ("session_id", "user_id")'
        )
        return
    rows = await client.execute_query_dict(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
        "WHERE c.conrelid = 'public_vote'::regclass AND c.contype = 'f' AND a.attname = 'user_id'"
    )
    for row in rows:
        await client.execute_script(f'ALTER TABLE "public_vote" DROP CONSTRAINT "{row["conname"]}"')
    await client.execute_script(
        'ALTER TABLE "public_vote" ADD CONSTRAINT "fk_public_vote_user_set_null" FOREIGN KEY ("user_id") '
        'REFERENCES "user" ("id") ON DELETE SET NULL'
    )


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
            field=fields.IntField(default=12, db_default=12),
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
        ops.RunPython(_votes_keep_their_constraints, reverse_code=ops.RunPython.noop),
    ]
