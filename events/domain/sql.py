"""Raw SQL through Tortoise's connection, valid on SQLite and PostgreSQL (aggregates the ORM cannot say)."""

from __future__ import annotations

from typing import Any

from tortoise import connections


def placeholders(dialect: str, query: str) -> str:
    """`?` placeholders for SQLite, `$n` for PostgreSQL (the queries hold no literal `?`)."""
    if dialect != "postgres":
        return query
    parts = query.split("?")
    return "".join(part + (f"${index}" if index < len(parts) else "") for index, part in enumerate(parts, 1))


async def rows(query: str, values: list[Any]) -> list[dict]:
    """Run a query on the current connection: the transaction's one inside `in_transaction()`."""
    conn = connections.get("default")
    return await conn.execute_query_dict(placeholders(conn.capabilities.dialect, query), values)


async def execute(query: str, values: list[Any]) -> None:
    conn = connections.get("default")
    await conn.execute_query(placeholders(conn.capabilities.dialect, query), values)
