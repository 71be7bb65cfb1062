from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0008_dataset_unique_import")]

    initial = False

    operations = [
        # The outbox worker that claimed a message, and until when the claim holds.
        ops.AddField(
            model_name="OutboxMessage",
            name="claimed_by",
            field=fields.CharField(default="", max_length=32),
        ),
        ops.AddField(
            model_name="OutboxMessage",
            name="claimed_until",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # Rate-limit counters replace the per-failure login rows (a growing delay per account and
        # client instead of a lock per account): recent failures are forgotten, nobody waits.
        ops.CreateModel(
            name="Throttle",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("rule", fields.CharField(max_length=32)),
                ("key_hash", fields.CharField(max_length=64)),
                ("subject", fields.CharField(default="", db_index=True, max_length=64)),
                ("hits", fields.IntField(default=0)),
                ("blocked_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "throttle",
                "app": "models",
                "unique_together": (("rule", "key_hash"),),
                "pk_attr": "id",
                "table_description": "A rate-limit counter: the hits of one rule (`rule`) by one key "
                "(a hash of who or what is",
            },
            bases=["Model"],
        ),
        ops.DeleteModel(name="LoginFailure"),
    ]
