"""Where a benchmark keeps its store: a SQLite file, and also PostgreSQL when DATABASE_URL is set.

With ``DATABASE_URL=postgresql://…`` the benchmarks run every store variant on
both backends in the same run. Each PostgreSQL store gets a fresh schema of its
own (``bench_…``, dropped afterwards), so the database may hold anything else.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from bot.store import Store


def backends() -> list[str]:
    return ["sqlite", "postgres"] if os.environ.get("DATABASE_URL") else ["sqlite"]


@asynccontextmanager
async def fresh_store(backend: str, folder: Path, name: str) -> AsyncIterator[Store]:
    if backend == "sqlite":
        store = await Store.open(folder / f"{name}.sqlite3")
        try:
            yield store
        finally:
            await store.close()
        return
    url = os.environ["DATABASE_URL"]
    schema = "bench_" + "".join(c if c.isalnum() else "_" for c in name)
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        # Other query parameters go to the server as settings: this store's tables, its schema.
        store = await Store.open(f"{url}{'&' if '?' in url else '?'}search_path={schema}")
        try:
            yield store
        finally:
            await store.close()
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()
