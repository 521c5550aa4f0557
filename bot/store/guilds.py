"""Per-server settings: the course-staff role."""

from __future__ import annotations

from bot.store.db import Connection


class GuildQueries:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def staff_role(self, guild_id: int) -> int | None:
        async with self._db.execute(
            "SELECT role_id FROM guild_staff WHERE guild_id = ?", (guild_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row["role_id"]) if row else None

    async def set_staff_role(self, guild_id: int, role_id: int) -> None:
        await self._db.execute(
            "INSERT INTO guild_staff (guild_id, role_id) VALUES (?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET role_id = excluded.role_id",
            (guild_id, role_id),
        )
        await self._db.commit()

    async def clear_staff_role(self, guild_id: int) -> bool:
        """Forget the server's staff role; False when there was none."""
        cursor = await self._db.execute("DELETE FROM guild_staff WHERE guild_id = ?", (guild_id,))
        await self._db.commit()
        return cursor.rowcount > 0
