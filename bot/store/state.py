"""What the bot last told Discord, kept so a restart need not say it again."""

from __future__ import annotations

from bot.store.db import Connection


class StateQueries:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def synced_commands(self, scope: str) -> str | None:
        """The hash of the command payload last synced to ``scope``, if any."""
        async with self._db.execute(
            "SELECT value FROM bot_state WHERE key = ?", (f"commands:{scope}",)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row[0])

    async def record_synced_commands(self, scope: str, digest: str) -> None:
        await self._db.execute(
            "INSERT INTO bot_state (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (f"commands:{scope}", digest),
        )
        await self._db.commit()
