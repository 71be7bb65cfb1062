from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint


class Migration(migrations.Migration):
    dependencies = [("models", "0007_live_votes_awards")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="Dataset",
            name="remote_id",
            field=fields.CharField(null=True, max_length=200),
        ),
        # Datasets entered by hand had "" as remote id: NULL now, so the constraint lets them be many.
        ops.RunSQL(
            "UPDATE dataset SET remote_id = NULL WHERE remote_id = ''",
            reverse_sql="UPDATE dataset SET remote_id = '' WHERE remote_id IS NULL",
        ),
        ops.AddConstraint(
            model_name="Dataset",
            constraint=UniqueConstraint(fields=("event", "portal_kind", "remote_id"), name=None),
        ),
    ]
