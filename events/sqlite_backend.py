"""Tortoise's SQLite client, with transactions that begin IMMEDIATE.

Tortoise opens a transaction with a plain `BEGIN` (DEFERRED): SQLite then takes the write lock only
at the first write. A transaction that reads first and writes later, while another connection to
the same file (a `hackcity` command run from cron, a second process started by mistake) has
written in between, cannot be given the lock without breaking its snapshot: SQLite answers
"database is locked" at once, without waiting for `busy_timeout`. `BEGIN IMMEDIATE` takes the
write lock at the start, where waiting is safe: the busy timeout applies, and the transaction
starts once the other writer has committed.

Inside one process nothing changes: Tortoise's one connection already runs transactions one at a
time. `events/db.py` names this module as the SQLite engine; the module name must contain "sqlite"
(Tortoise's migrations choose their schema editor by the client's module name).
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import NestedTransactionContext, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()  # what Tortoise's own begin() does first
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # busy for longer than busy_timeout
            raise TransactionManagementError(exc) from exc

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(ImmediateTransactionWrapper(self))


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
