"""Integer surrogates for another platform's string ids (Slack's ``C…``, ``U…``, ``T…``).

Discord's ids are integers and are stored as they are; a Slack id is stored as the
surrogate this table gives it, so the rest of the store (and its queries) has one kind
of id. ``surrogate`` is idempotent and safe for two processes: the insert does nothing
when the id is known, and the select reads whichever process's row won.
"""

from __future__ import annotations

from bot.store.db import Connection
from bot.store.privacy import erase_traces, staff_columns, tables_with


class ExternalIds:
    def __init__(self, db: Connection) -> None:
        self._db = db
        self._known: dict[tuple[str, str], int] = {}
        self._back: dict[int, str] = {}

    async def surrogate(self, platform: str, external: str) -> int:
        """The integer that stands for ``external`` on ``platform``, made on first use."""
        known = self._known.get((platform, external))
        if known is not None:
            return known
        await self._db.execute(
            "INSERT INTO external_ids (platform, external) VALUES (?, ?)"
            " ON CONFLICT (platform, external) DO NOTHING",
            (platform, external),
        )
        await self._db.commit()
        async with self._db.execute(
            "SELECT id FROM external_ids WHERE platform = ? AND external = ?",
            (platform, external),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        number = int(row["id"])
        self._known[(platform, external)] = number
        self._back[number] = external
        return number

    async def known(self, platform: str, external: str) -> int | None:
        """The surrogate of ``external`` if it has one; never makes one (a look-up of
        someone the bot has no reason to keep, e.g. an outsider pressing a button)."""
        known = self._known.get((platform, external))
        if known is not None:
            return known
        async with self._db.execute(
            "SELECT id FROM external_ids WHERE platform = ? AND external = ?",
            (platform, external),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else int(row["id"])

    async def external(self, number: int) -> str | None:
        """The platform's own id behind a surrogate, or None if there is none."""
        if number in self._back:
            return self._back[number]
        async with self._db.execute(
            "SELECT external FROM external_ids WHERE id = ?", (number,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        self._back[number] = str(row["external"])
        return self._back[number]

    async def forget(self, number: int) -> bool:
        """After ``/forgetme``: drop the row standing for this person, unless something still
        names them (a cohort they created, a recording they added, a review: staff's record,
        or a row written since). Also forgotten in this process; Socket Mode serves a workspace
        from one process at a time, so no other still holds it. Whether it went."""
        named = [(table, "user_id") for table in await tables_with(self._db, "user_id")]
        named += await staff_columns(self._db)
        still = " OR ".join(
            f'EXISTS (SELECT 1 FROM "{table}" WHERE "{column}" = ?)' for table, column in named
        )
        cursor = await self._db.execute(
            f"DELETE FROM external_ids WHERE id = ? AND NOT ({still})",
            (number, *[number] * len(named)),
        )
        await self._db.commit()
        if cursor.rowcount != 1:
            return False
        await erase_traces(self._db, ["external_ids"])
        self._back.pop(number, None)
        self._known = {key: n for key, n in self._known.items() if n != number}
        return True
