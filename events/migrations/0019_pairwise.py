from tortoise import migrations
from tortoise.migrations import operations as ops
from events.models.jury import ComparisonKind, JudgingMode
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0018_stage_reveal')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Comparison',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.JurySession', source_field='session_id', db_constraint=True, to_field='id', related_name='comparisons', on_delete=OnDelete.CASCADE)),
                ('juror', fields.ForeignKeyField('models.User', source_field='juror_id', db_constraint=True, to_field='id', related_name='comparisons', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='VOTE: vote\nSKIP: skip\nUNDO: undo', enum_type=ComparisonKind, max_length=5)),
                ('previous', fields.ForeignKeyField('models.Entry', source_field='previous_id', null=True, db_constraint=True, to_field='id', related_name='compared_as_previous', on_delete=OnDelete.CASCADE)),
                ('current', fields.ForeignKeyField('models.Entry', source_field='current_id', null=True, db_constraint=True, to_field='id', related_name='compared_as_current', on_delete=OnDelete.CASCADE)),
                ('winner', fields.ForeignKeyField('models.Entry', source_field='winner_id', null=True, db_constraint=True, to_field='id', related_name='comparisons_won', on_delete=OnDelete.CASCADE)),
                ('loser', fields.ForeignKeyField('models.Entry', source_field='loser_id', null=True, db_constraint=True, to_field='id', related_name='comparisons_lost', on_delete=OnDelete.CASCADE)),
                ('undone_of', fields.ForeignKeyField('models.Comparison', source_field='undone_of_id', null=True, db_constraint=True, to_field='id', related_name='undone_by', on_delete=OnDelete.CASCADE)),
                ('step', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'comparison', 'app': 'models', 'unique_together': (('session', 'juror', 'step'),), 'pk_attr': 'id', 'table_description': 'Append-only log of a pairwise session: each vote, skip and undo of a juror, never changed'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PairwiseState',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.JurySession', source_field='session_id', db_constraint=True, to_field='id', related_name='pairwise_states', on_delete=OnDelete.CASCADE)),
                ('juror', fields.ForeignKeyField('models.User', source_field='juror_id', db_constraint=True, to_field='id', related_name='pairwise_states', on_delete=OnDelete.CASCADE)),
                ('previous', fields.ForeignKeyField('models.Entry', source_field='previous_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('current', fields.ForeignKeyField('models.Entry', source_field='current_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('step', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'pairwise_state', 'app': 'models', 'unique_together': (('session', 'juror'),), 'pk_attr': 'id', 'table_description': 'Where a juror stands in a pairwise session (Gavel\'s "prev" and "next"): the entry they saw'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='JurySession',
            name='mode',
            field=fields.CharEnumField(default=JudgingMode.RUBRIC, description='RUBRIC: rubric\nPAIRWISE: pairwise', db_default='rubric', enum_type=JudgingMode, max_length=10),
        ),
    ]
