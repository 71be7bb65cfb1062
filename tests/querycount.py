"""Count the SQL statements Tortoise sends, for tests that pin how many queries a page costs.

    async with count_queries() as queries:
        await client.get(url)
    assert len(queries) == expected, queries.report()

Every statement Tortoise runs goes through one of its client's `execute_*` methods: the plain client
(outside a transaction) or the transaction wrapper, which subclasses it and overrides some of them
(`execute_many`). The counter wraps these methods on the SQLite and asyncpg client classes, and on
every class of their MRO that defines one, for the duration of the block; a re-entrancy guard counts
a statement once when one wrapped method calls another (`super()`). Transaction control (BEGIN,
COMMIT, SAVEPOINT) goes to the driver directly and is not counted: it does not grow with the data.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")
_inside = contextvars.ContextVar("querycount_inside", default=False)


def client_classes() -> list[type]:
    """The concrete client classes of the backends the app runs on, and their bases."""
    from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionWrapper

    concrete: list[type] = [SqliteClient, SqliteTransactionWrapper]
    try:
        from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
    except ImportError:  # asyncpg not installed: SQLite only
        pass
    else:
        concrete += [AsyncpgDBClient, TransactionWrapper]
    seen: list[type] = []
    for cls in concrete:
        for klass in cls.__mro__:
            if klass not in seen and any(name in vars(klass) for name in METHODS):
                seen.append(klass)
    return seen


@dataclass
class Queries:
    """The statements sent inside the block, in order: (method, SQL)."""

    statements: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.statements)

    def report(self) -> str:
        """One line per statement, for assertion messages."""
        return "\n".join(f"{index:3} {method}: {sql}" for index, (method, sql) in enumerate(self, 1))

    def __iter__(self):
        return iter(self.statements)


def _counting(original: Callable, method: str, queries: Queries) -> Callable:
    @functools.wraps(original)
    async def wrapper(self, query, *args, **kwargs):
        if _inside.get():
            return await original(self, query, *args, **kwargs)
        queries.statements.append((method, " ".join(str(query).split())))
        token = _inside.set(True)
        try:
            return await original(self, query, *args, **kwargs)
        finally:
            _inside.reset(token)

    return wrapper


@asynccontextmanager
async def count_queries() -> AsyncIterator[Queries]:
    queries = Queries()
    patched: list[tuple[type, str, Callable]] = []
    try:
        for klass in client_classes():
            for method in METHODS:
                original = vars(klass).get(method)
                if original is None:
                    continue
                setattr(klass, method, _counting(original, method, queries))
                patched.append((klass, method, original))
        yield queries
    finally:
        for klass, method, original in reversed(patched):
            setattr(klass, method, original)
