from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from events.models.branding import ImageRole
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0019_pairwise')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Image',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('role', fields.CharEnumField(description='LOGO: logo\nCOVER: cover\nSPONSOR: sponsor\nPARTNER: partner\nILLUSTRATION: illustration', enum_type=ImageRole, max_length=20)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', null=True, db_constraint=True, to_field='id', related_name='images', on_delete=OnDelete.CASCADE)),
                ('challenge', fields.ForeignKeyField('models.Challenge', source_field='challenge_id', null=True, db_constraint=True, to_field='id', related_name='images', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(default='', max_length=120)),
                ('link', fields.CharField(default='', max_length=500)),
                ('position', fields.IntField(default=0)),
                ('storage_key', fields.CharField(unique=True, max_length=200)),
                ('sha256', fields.CharField(max_length=64)),
                ('content_type', fields.CharField(max_length=30)),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('size', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'image', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An uploaded image, as stored after its re-encoding: where its bytes are and what they are.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SiteSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(default='', max_length=80)),
                ('primary_colour', fields.CharField(default='', max_length=7)),
                ('accent_colour', fields.CharField(default='', max_length=7)),
                ('footer_links', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'site_settings', 'app': 'models', 'pk_attr': 'id', 'table_description': "The instance's identity, one row (id 1), edited by admins. An empty value means the default"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='language',
            field=fields.CharField(default='', db_default='', max_length=5),
        ),
    ]
