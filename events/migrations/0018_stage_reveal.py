from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0017_deliberation')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Award',
            name='revealed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='JurySession',
            name='stage_secret',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
    ]
