from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_invitation_challenge')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeadlineReminder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.ForeignKeyField('models.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='reminders', on_delete=OnDelete.CASCADE)),
                ('deadline', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'deadline_reminder', 'app': 'models', 'unique_together': (('entry', 'deadline'),), 'pk_attr': 'id', 'table_description': "A reminder mailed to a draft entry's team before a deadline: the UNIQUE row makes it once only."},
            bases=['Model'],
        ),
    ]
