from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0010_reliab_claims_and_throttle")]

    initial = False

    operations = [
        ops.AddField(
            model_name="EntryDataset",
            name="declared_version",
            field=fields.DatetimeField(null=True),
        ),
        # Declarations made before this field: the version they used was not kept, so take the
        # dataset's current one (its last update at the source, else its last fetch), the best
        # estimate there is. New declarations record their own.
        ops.RunSQL(
            "UPDATE entry_dataset SET declared_version = ("
            "SELECT COALESCE(dataset.last_modified, dataset.fetched_at) FROM dataset "
            "WHERE dataset.id = entry_dataset.dataset_id)",
            reverse_sql="UPDATE entry_dataset SET declared_version = NULL",
        ),
    ]
