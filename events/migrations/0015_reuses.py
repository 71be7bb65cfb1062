from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0014_webhooks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PortalKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='portal_keys', on_delete=OnDelete.CASCADE)),
                ('portal_url', fields.CharField(max_length=500)),
                ('sealed_key', fields.TextField(unique=False)),
                ('last_chars', fields.CharField(max_length=8)),
                ('stored_by', fields.ForeignKeyField('models.User', source_field='stored_by_id', null=True, db_constraint=True, to_field='id', related_name='portal_keys', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'portal_key', 'app': 'models', 'unique_together': (('event', 'portal_url'),), 'pk_attr': 'id', 'table_description': "An API key of a udata portal that an event's organisers entered to publish reuses there."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PortalReuse',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.ForeignKeyField('models.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='portal_reuses', on_delete=OnDelete.CASCADE)),
                ('portal_url', fields.CharField(max_length=500)),
                ('remote_id', fields.CharField(default='', max_length=100)),
                ('slug', fields.CharField(default='', max_length=255)),
                ('page_url', fields.CharField(default='', max_length=1000)),
                ('choices', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('dataset_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('sent', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('published_by', fields.ForeignKeyField('models.User', source_field='published_by_id', null=True, db_constraint=True, to_field='id', related_name='portal_reuses', on_delete=OnDelete.SET_NULL)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('publishing_since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'portal_reuse', 'app': 'models', 'unique_together': (('entry', 'portal_url'),), 'pk_attr': 'id', 'table_description': "An entry published as a reuse on a udata portal: the portal's id and page for it, what was sent."},
            bases=['Model'],
        ),
    ]
