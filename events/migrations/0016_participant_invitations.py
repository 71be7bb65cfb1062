from tortoise import migrations
from tortoise.migrations import operations as ops
from events.models.events import InvitedRole
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0015_reuses')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='Invitation',
            options={'table': 'invitation', 'app': 'models', 'pk_attr': 'id', 'table_description': "A role, or a participant's place, offered by email to someone who may not have an account yet."},
        ),
        ops.AlterField(
            model_name='Invitation',
            name='role',
            field=fields.CharEnumField(description='ORGANISER: organiser\nCHALLENGE_OWNER: challenge_owner\nJUROR: juror\nMENTOR: mentor\nPARTICIPANT: participant', enum_type=InvitedRole, max_length=20),
        ),
        ops.AddField(
            model_name='Invitation',
            name='name',
            field=fields.CharField(default='', db_default='', max_length=120),
        ),
        ops.AddField(
            model_name='Invitation',
            name='team_name',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
    ]
