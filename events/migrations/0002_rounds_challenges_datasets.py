from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from events.models.challenges import ChallengeStatus
from events.models.datasets import DatasetStatus, PortalKind
from events.models.events import Role
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Challenge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='challenges', on_delete=OnDelete.CASCADE)),
                ('slug', fields.CharField(max_length=80)),
                ('title', fields.CharField(max_length=200)),
                ('sponsors', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('statement', fields.TextField(default='', unique=False)),
                ('deliverables', fields.TextField(default='', unique=False)),
                ('prizes', fields.TextField(default='', unique=False)),
                ('max_teams', fields.IntField(null=True)),
                ('status', fields.CharEnumField(default=ChallengeStatus.DRAFT, description='PROPOSED: proposed\nDRAFT: draft\nPUBLISHED: published\nREJECTED: rejected', enum_type=ChallengeStatus, max_length=20)),
                ('proposed_by', fields.ForeignKeyField('models.User', source_field='proposed_by_id', null=True, db_constraint=True, to_field='id', related_name='proposed_challenges', on_delete=OnDelete.SET_NULL)),
                ('position', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'challenge', 'app': 'models', 'unique_together': (('event', 'slug'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChallengeOwner',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('challenge', fields.ForeignKeyField('models.Challenge', source_field='challenge_id', db_constraint=True, to_field='id', related_name='owners', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='owned_challenges', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'challenge_owner', 'app': 'models', 'unique_together': (('challenge', 'user'),), 'pk_attr': 'id', 'table_description': 'A user who may edit this challenge only (a sponsor, a city department).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Dataset',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='datasets', on_delete=OnDelete.CASCADE)),
                ('portal_kind', fields.CharEnumField(default=PortalKind.MANUAL, description='UDATA: udata\nCKAN: ckan\nOPENDATASOFT: opendatasoft\nMANUAL: manual', enum_type=PortalKind, max_length=20)),
                ('portal_url', fields.CharField(default='', max_length=500)),
                ('remote_id', fields.CharField(default='', max_length=200)),
                ('display_id', fields.CharField(default='', max_length=200)),
                ('landing_url', fields.CharField(default='', max_length=1000)),
                ('api_url', fields.CharField(default='', max_length=1000)),
                ('source_url', fields.CharField(default='', max_length=1000)),
                ('title', fields.CharField(max_length=300)),
                ('description', fields.TextField(default='', unique=False)),
                ('publisher', fields.CharField(default='', max_length=300)),
                ('licence_id', fields.CharField(default='', max_length=200)),
                ('licence_spdx', fields.CharField(default='', max_length=64)),
                ('licence_title', fields.CharField(default='', max_length=300)),
                ('licence_url', fields.CharField(default='', max_length=1000)),
                ('last_modified', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('frequency', fields.CharField(default='', max_length=100)),
                ('formats', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('resources', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('raw_metadata', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('fetched_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(default=DatasetStatus.OK, description='OK: ok\nGONE: gone', enum_type=DatasetStatus, max_length=10)),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('restricted', fields.BooleanField(default=False)),
                ('restricted_terms', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'dataset', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChallengeDataset',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('challenge', fields.ForeignKeyField('models.Challenge', source_field='challenge_id', db_constraint=True, to_field='id', related_name='dataset_links', on_delete=OnDelete.CASCADE)),
                ('dataset', fields.ForeignKeyField('models.Dataset', source_field='dataset_id', db_constraint=True, to_field='id', related_name='challenge_links', on_delete=OnDelete.CASCADE)),
                ('is_primary', fields.BooleanField(default=False)),
            ],
            options={'table': 'challenge_dataset', 'app': 'models', 'unique_together': (('challenge', 'dataset'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invitation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(max_length=254)),
                ('role', fields.CharEnumField(description='ORGANISER: organiser\nCHALLENGE_OWNER: challenge_owner\nJUROR: juror\nMENTOR: mentor', enum_type=Role, max_length=20)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('invited_by', fields.ForeignKeyField('models.User', source_field='invited_by_id', null=True, db_constraint=True, to_field='id', related_name='sent_invitations', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('accepted_by', fields.ForeignKeyField('models.User', source_field='accepted_by_id', null=True, db_constraint=True, to_field='id', related_name='accepted_invitations', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'invitation', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A role offered by email to someone who may not have an account yet.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Round',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='rounds', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=1)),
                ('name', fields.CharField(max_length=120)),
                ('opens_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('deadline', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('grace_minutes', fields.IntField(default=0)),
                ('team_min', fields.IntField(default=1)),
                ('team_max', fields.IntField(default=5)),
                ('questions', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'round', 'app': 'models', 'unique_together': (('event', 'position'),), 'pk_attr': 'id', 'table_description': 'A stage of an event (Application, Prototype...) with its submission window.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Event',
            name='allow_challenge_proposals',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Event',
            name='registration_closes_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Event',
            name='registration_opens_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
