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
    ]
