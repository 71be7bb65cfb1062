from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0020_branding')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Assignment',
            index=Index(fields=['session_id', 'entry_id', 'juror_id']),
        ),
        ops.AddIndex(
            model_name='Entry',
            index=Index(fields=['event_id', 'round_id', 'status']),
        ),
        ops.AddIndex(
            model_name='EntryFile',
            index=Index(fields=['entry_id']),
        ),
        ops.AddIndex(
            model_name='ScoreLogEntry',
            index=Index(fields=['sheet_id', 'id']),
        ),
        ops.AddIndex(
            model_name='TeamMember',
            index=Index(fields=['team_id', 'user_id']),
        ),
    ]
