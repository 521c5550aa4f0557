"""Where a benchmark keeps its store: a SQLite file, and also PostgreSQL when DATABASE_URL is set.

With ``DATABASE_URL=postgresql://…`` the benchmarks run every store variant on
both backends in the same run. Each PostgreSQL store gets a fresh schema of its
own (``bench_…``, dropped afterwards), so the database may hold anything else.
No server at hand? ``bench/with_postgres.py`` starts a throwaway one for a run.
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
async def fresh_target(backend: str, folder: Path, name: str) -> AsyncIterator[Path | str]:
    """What ``Store.open`` (or ``CohortBot(database=…)``) takes, empty, for as long as it is held.

    A SQLite file's path in ``folder``; or the ``DATABASE_URL`` with its own fresh
    schema as ``search_path``, so that each store opened on it, again and again,
    sees the same tables.
    """
    if backend == "sqlite":
        yield folder / f"{name}.sqlite3"
        return
    url = os.environ["DATABASE_URL"]
    schema = "bench_" + "".join(c if c.isalnum() else "_" for c in name)
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        # Other query parameters go to the server as settings: this store's tables, its schema.
        yield f"{url}{'&' if '?' in url else '?'}search_path={schema}"
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


@asynccontextmanager
async def fresh_store(backend: str, folder: Path, name: str) -> AsyncIterator[Store]:
    async with fresh_target(backend, folder, name) as target:
        store = await Store.open(target)
        try:
            yield store
        finally:
            await store.close()
