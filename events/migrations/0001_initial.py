from tortoise import migrations
from tortoise.migrations import operations as ops
from events.models.events import EventKind, EventStatus, Role
from events.models.mail import MailStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slug', fields.CharField(unique=True, max_length=80)),
                ('title', fields.CharField(max_length=200)),
                ('kind', fields.CharEnumField(default=EventKind.HACKATHON, description='PROGRAMME: programme\nHACKATHON: hackathon', enum_type=EventKind, max_length=20)),
                ('summary', fields.CharField(default='', max_length=500)),
                ('description', fields.TextField(default='', unique=False)),
                ('location', fields.CharField(default='', max_length=200)),
                ('timezone', fields.CharField(default='Europe/Paris', max_length=64)),
                ('status', fields.CharEnumField(default=EventStatus.DRAFT, description='DRAFT: draft\nPUBLISHED: published\nARCHIVED: archived', enum_type=EventStatus, max_length=20)),
                ('starts_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'event', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginFailure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email_hash', fields.CharField(db_index=True, max_length=64)),
                ('client', fields.CharField(db_index=True, max_length=64)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'login_failure', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One failed login, counted per email and per client address over a sliding window.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('to', fields.CharField(max_length=254)),
                ('subject', fields.CharField(max_length=300)),
                ('body', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=MailStatus.PENDING, db_index=True, description='PENDING: pending\nSENT: sent\nLOGGED: logged\nFAILED: failed', enum_type=MailStatus, max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_message', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(max_length=120)),
                ('password_hash', fields.CharField(max_length=255)),
                ('language', fields.CharField(default='fr', max_length=5)),
                ('is_admin', fields.BooleanField(default=False)),
                ('is_active', fields.BooleanField(default=True)),
                ('email_verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('terms_accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('opt_in_newsletter', fields.BooleanField(default=False)),
                ('opt_in_publish_name', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('anonymised_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'user', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventRole',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='roles', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='event_roles', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='ORGANISER: organiser\nCHALLENGE_OWNER: challenge_owner\nJUROR: juror\nMENTOR: mentor', enum_type=Role, max_length=20)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'event_role', 'app': 'models', 'unique_together': (('event', 'user', 'role'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UserSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('user_agent', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'user_session', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A signed-in browser. The cookie holds a random key, the table holds its SHA-256.'},
            bases=['Model'],
        ),
    ]
