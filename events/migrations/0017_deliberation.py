from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0016_participant_invitations')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeliberationChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.JurySession', source_field='session_id', db_constraint=True, to_field='id', related_name='deliberation_changes', on_delete=OnDelete.CASCADE)),
                ('entry', fields.ForeignKeyField('models.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='deliberation_changes', on_delete=OnDelete.CASCADE)),
                ('challenge_id', fields.IntField()),
                ('computed_place', fields.IntField()),
                ('from_place', fields.IntField()),
                ('to_place', fields.IntField()),
                ('reason', fields.TextField(unique=False)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='deliberation_changes', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'deliberation_change', 'app': 'models', 'pk_attr': 'id', 'table_description': "A place in a locked session's ranking that the jury decided differently from the computed one,"},
            bases=['Model'],
        ),
    ]
