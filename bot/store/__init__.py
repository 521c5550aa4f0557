"""All of cohortbot's SQL, behind methods named for what they mean.

``Store`` owns one connection (SQLite through aiosqlite, or PostgreSQL through
asyncpg when opened with a ``postgresql://`` URL: ``bot/store/postgres.py``) and hands it to one query class per
concern (``store.cohorts``, ``store.deliveries``, …). The schema lives in the
numbered files under ``migrations/``; ``Store.open`` applies what is missing.
No table has a column for what anyone wrote: message content is never stored.
"""

from __future__ import annotations

from pathlib import Path

from bot.store.activity import ActivityQueries
from bot.store.assignments import AssignmentQueries
from bot.store.certificates import CertificateQueries
from bot.store.cohorts import CohortQueries
from bot.store.db import Connection, is_postgres, migrate, open_connection
from bot.store.deliveries import DeliveryQueries
from bot.store.external import ExternalIds
from bot.store.guilds import GuildQueries
from bot.store.participation import ParticipationQueries
from bot.store.privacy import PrivacyQueries
from bot.store.sessions import SessionQueries
from bot.store.state import StateQueries


class Store:
    def __init__(self, db: Connection) -> None:
        self.db = db
        self.cohorts = CohortQueries(db)
        self.deliveries = DeliveryQueries(db)
        self.activity = ActivityQueries(db)
        self.sessions = SessionQueries(db)
        self.participation = ParticipationQueries(db)
        self.privacy = PrivacyQueries(db)
        self.guilds = GuildQueries(db)
        self.state = StateQueries(db)
        self.certificates = CertificateQueries(db)
        self.assignments = AssignmentQueries(db)
        self.external = ExternalIds(db)

    @classmethod
    async def open(cls, target: Path | str) -> Store:
        """A SQLite file's path, or a PostgreSQL URL (``postgresql://…``)."""
        db = await open_connection(target)
        try:
            await migrate(db)
        except BaseException:
            await db.close()  # its worker thread would otherwise keep the process alive
            raise
        return cls(db)

    @property
    def dialect(self) -> str:
        return "postgres" if is_postgres(self.db) else "sqlite"

    async def close(self) -> None:
        await self.db.close()


__all__ = ["Store"]
