from tortoise import migrations
from tortoise.migrations import operations as ops
from events.models.announcements import Audience
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_i18n_declared_version')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Announcement',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('uuid', fields.UUIDField(default=uuid4, unique=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='announcements', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='announcements', on_delete=OnDelete.SET_NULL)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(default='', unique=False)),
                ('audience', fields.CharEnumField(default=Audience.NOBODY, description='NOBODY: nobody\nREGISTRANTS: registrants\nJURORS: jurors', enum_type=Audience, max_length=20)),
                ('mailed_count', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'announcement', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A piece of news of an event. Posted means public (to whoever sees the event): no draft state.'},
            bases=['Model'],
        ),
    ]
