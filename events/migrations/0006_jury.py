from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from events.models.jury import AssignmentMode, ConflictKind, Normalisation, SessionStatus, SheetStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_deadline_reminders')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Criterion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('models.Round', source_field='round_id', db_constraint=True, to_field='id', related_name='criteria', on_delete=OnDelete.CASCADE)),
                ('challenge', fields.ForeignKeyField('models.Challenge', source_field='challenge_id', null=True, db_constraint=True, to_field='id', related_name='criteria', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=120)),
                ('description', fields.TextField(default='', unique=False)),
                ('weight', fields.FloatField(default=1.0)),
                ('scale_min', fields.FloatField(default=0.0)),
                ('scale_max', fields.FloatField(default=10.0)),
                ('step', fields.FloatField(default=1.0)),
                ('levels', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'criterion', 'app': 'models', 'pk_attr': 'id', 'table_description': "A line of a round's scoring grid, or of one challenge's own grid (which replaces the round's)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JurySession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='jury_sessions', on_delete=OnDelete.CASCADE)),
                ('round', fields.ForeignKeyField('models.Round', source_field='round_id', db_constraint=True, to_field='id', related_name='jury_sessions', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=120)),
                ('status', fields.CharEnumField(default=SessionStatus.SCHEDULED, description='SCHEDULED: scheduled\nOPEN: open\nCLOSED: closed\nPUBLISHED: published', enum_type=SessionStatus, max_length=12)),
                ('opens_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closes_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('assignment_mode', fields.CharEnumField(default=AssignmentMode.ALL, description='ALL: all\nK: k', enum_type=AssignmentMode, max_length=5)),
                ('k', fields.IntField(default=3)),
                ('blind', fields.BooleanField(default=False)),
                ('normalisation', fields.CharEnumField(default=Normalisation.NONE, description='NONE: none\nZSCORE: zscore', enum_type=Normalisation, max_length=10)),
                ('trimmed', fields.BooleanField(default=False)),
                ('public_vote', fields.BooleanField(default=False)),
                ('results_snapshot', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('locked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'jury_session', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A jury for a round and some of its challenges: a scoring window, jurors and the results.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Assignment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.JurySession', source_field='session_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('juror', fields.ForeignKeyField('models.User', source_field='juror_id', db_constraint=True, to_field='id', related_name='jury_assignments', on_delete=OnDelete.CASCADE)),
                ('entry', fields.ForeignKeyField('models.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='jury_assignments', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'assignment', 'app': 'models', 'unique_together': (('session', 'juror', 'entry'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConflictOfInterest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.JurySession', source_field='session_id', db_constraint=True, to_field='id', related_name='conflicts', on_delete=OnDelete.CASCADE)),
                ('juror', fields.ForeignKeyField('models.User', source_field='juror_id', db_constraint=True, to_field='id', related_name='jury_conflicts', on_delete=OnDelete.CASCADE)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='jury_conflicts', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='DECLARED: declared\nRECUSED: recused\nMEMBER: member', enum_type=ConflictKind, max_length=10)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('declared_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'conflict_of_interest', 'app': 'models', 'unique_together': (('session', 'juror', 'team'),), 'pk_attr': 'id', 'table_description': 'A juror who must not score a team: declared, recused while scoring, or a member of it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JurySessionChallenge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.JurySession', source_field='session_id', db_constraint=True, to_field='id', related_name='challenge_links', on_delete=OnDelete.CASCADE)),
                ('challenge', fields.ForeignKeyField('models.Challenge', source_field='challenge_id', db_constraint=True, to_field='id', related_name='jury_session_links', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'jury_session_challenge', 'app': 'models', 'unique_together': (('session', 'challenge'),), 'pk_attr': 'id', 'table_description': 'The challenges a session judges. None linked: every challenge of the round.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JurySessionJuror',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.JurySession', source_field='session_id', db_constraint=True, to_field='id', related_name='jurors', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='jury_seats', on_delete=OnDelete.CASCADE)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'jury_session_juror', 'app': 'models', 'unique_together': (('session', 'user'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScoreSheet',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.JurySession', source_field='session_id', db_constraint=True, to_field='id', related_name='sheets', on_delete=OnDelete.CASCADE)),
                ('juror', fields.ForeignKeyField('models.User', source_field='juror_id', db_constraint=True, to_field='id', related_name='score_sheets', on_delete=OnDelete.CASCADE)),
                ('entry', fields.ForeignKeyField('models.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='score_sheets', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=SheetStatus.DRAFT, description='DRAFT: draft\nSUBMITTED: submitted', enum_type=SheetStatus, max_length=10)),
                ('comment', fields.TextField(default='', unique=False)),
                ('private_note', fields.TextField(default='', unique=False)),
                ('total', fields.FloatField(null=True)),
                ('assigned', fields.BooleanField(default=True)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'score_sheet', 'app': 'models', 'unique_together': (('session', 'juror', 'entry'),), 'indexes': [Index(fields=['session_id', 'status', 'assigned', 'entry_id', 'juror_id', 'total'])], 'pk_attr': 'id', 'table_description': "One juror's scores for one entry. `total` (0-100) is derived from the scores on every save."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Score',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sheet', fields.ForeignKeyField('models.ScoreSheet', source_field='sheet_id', db_constraint=True, to_field='id', related_name='scores', on_delete=OnDelete.CASCADE)),
                ('criterion', fields.ForeignKeyField('models.Criterion', source_field='criterion_id', db_constraint=True, to_field='id', related_name='scores', on_delete=OnDelete.CASCADE)),
                ('value', fields.FloatField()),
            ],
            options={'table': 'score', 'app': 'models', 'unique_together': (('sheet', 'criterion'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScoreLogEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sheet', fields.ForeignKeyField('models.ScoreSheet', source_field='sheet_id', db_constraint=True, to_field='id', related_name='log', on_delete=OnDelete.CASCADE)),
                ('juror', fields.ForeignKeyField('models.User', source_field='juror_id', db_constraint=True, to_field='id', related_name='score_log', on_delete=OnDelete.CASCADE)),
                ('criterion', fields.ForeignKeyField('models.Criterion', source_field='criterion_id', null=True, db_constraint=True, to_field='id', related_name='log_entries', on_delete=OnDelete.SET_NULL)),
                ('field', fields.CharField(max_length=20)),
                ('old_value', fields.TextField(null=True, unique=False)),
                ('new_value', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('undone_of', fields.ForeignKeyField('models.ScoreLogEntry', source_field='undone_of_id', null=True, db_constraint=True, to_field='id', related_name='undone_by', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'score_log_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Append-only: every change of a sheet (a value, the comment, the note, the status), old and new.'},
            bases=['Model'],
        ),
    ]
