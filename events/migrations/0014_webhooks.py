from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from events.models.webhooks import DeliveryStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_api_tokens')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Webhook',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='webhooks', on_delete=OnDelete.CASCADE)),
                ('url', fields.CharField(max_length=500)),
                ('secret', fields.CharField(max_length=100)),
                ('kinds', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('active', fields.BooleanField(default=True)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='webhooks', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('secret_rotated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook', 'app': 'models', 'pk_attr': 'id', 'table_description': "An address that receives an event's news as signed JSON POST requests."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('webhook', fields.ForeignKeyField('models.Webhook', source_field='webhook_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('delivery_id', fields.UUIDField(default=uuid4, unique=True)),
                ('kind', fields.CharField(max_length=40)),
                ('payload', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=DeliveryStatus.PENDING, db_index=True, description='PENDING: pending\nFAILED: failed\nDELIVERED: delivered\nGAVE_UP: gave_up', enum_type=DeliveryStatus, max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_status_code', fields.IntField(null=True)),
                ('last_error', fields.CharField(default='', max_length=40)),
                ('last_duration_ms', fields.IntField(null=True)),
                ('claimed_by', fields.CharField(default='', max_length=32)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_delivery', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One piece of news for one webhook: its JSON body, written once, and how its tries went.'},
            bases=['Model'],
        ),
    ]
