"""Accounts: users, their server-side sessions and the rate-limit counters (failed logins, mail sent
on request)."""

from tortoise import fields
from tortoise.models import Model


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=120)
    password_hash = fields.CharField(max_length=255)
    language = fields.CharField(max_length=5, default="fr")
    is_admin = fields.BooleanField(default=False)
    is_active = fields.BooleanField(default=True)
    email_verified_at = fields.DatetimeField(null=True)
    terms_accepted_at = fields.DatetimeField(null=True)
    opt_in_newsletter = fields.BooleanField(default=False)
    opt_in_publish_name = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)
    # Set when the account is deleted: the row stays so contributions keep an author, without a name.
    anonymised_at = fields.DatetimeField(null=True)

    class Meta:
        table = "user"

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


class UserSession(Model):
    """A signed-in browser. The cookie holds a random key, the table holds its SHA-256.

    Deleting rows revokes sessions on the next request (logout, password change, disabling).
    """

    id = fields.IntField(primary_key=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(auto_now_add=True)
    user_agent = fields.CharField(max_length=200, default="")

    class Meta:
        table = "user_session"


class Throttle(Model):
    """A rate-limit counter: the hits of one rule (`rule`) by one key (a hash of who or what is
    counted), and until when it refuses more (`events.domain.throttle`).

    `subject` is the hash of the email address the counter is about, if any, so that a password
    reset or an account deletion finds every counter of that address. A counter starts again
    from zero a rule's window after `created_at`: rows whose `created_at` is older than every
    window plus the longest delay count for nothing and may be deleted.
    (No semicolons in model docstrings: Tortoise copies them into SQL comments and its SQLite
    migration runner splits statements on them.)
    """

    id = fields.IntField(primary_key=True)
    rule = fields.CharField(max_length=32)
    key_hash = fields.CharField(max_length=64)
    subject = fields.CharField(max_length=64, default="", db_index=True)
    hits = fields.IntField(default=0)
    blocked_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "throttle"
        unique_together = (("rule", "key_hash"),)
