"""Certificates of completion and the names people want printed on them.

Certificates outlive the participation purge (``ParticipationQueries.purge_cohort``
keeps them: proof of completion must outlast the counts); ``/forgetme`` erases
both tables, as every table with a ``user_id`` column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from bot.certificate import Certificate
from bot.store.db import INTEGRITY_ERRORS, Connection, from_text, to_text

_COLUMNS = (
    "code, cohort_id, user_id, printed_name, course_title, starts, ends, hours, instructor,"
    " issued_at, issued_by"
)


def _certificate(row: Any) -> Certificate:
    return Certificate(
        code=row["code"],
        cohort_id=row["cohort_id"],
        user_id=row["user_id"],
        name=row["printed_name"],
        course_title=row["course_title"],
        starts=date.fromisoformat(row["starts"]),
        ends=date.fromisoformat(row["ends"]),
        hours=row["hours"],
        instructor=row["instructor"],
        issued_at=from_text(row["issued_at"]),
        issued_by=row["issued_by"],
    )


class CertificateQueries:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def issue(
        self, certificate: Certificate, new_code: Callable[[], str] | None = None
    ) -> tuple[Certificate, bool]:
        """Record the certificate unless the learner already has one for the cohort.

        Returns the learner's certificate for the cohort and whether it is new.
        A code that is (astronomically unlikely) already taken is replaced by
        ``new_code()``.
        """
        while True:
            existing = await self.of(certificate.cohort_id, certificate.user_id)
            if existing is not None:
                return existing, False
            try:
                await self._db.execute(
                    f"INSERT INTO certificates ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        certificate.code,
                        certificate.cohort_id,
                        certificate.user_id,
                        certificate.name,
                        certificate.course_title,
                        certificate.starts.isoformat(),
                        certificate.ends.isoformat(),
                        certificate.hours,
                        certificate.instructor,
                        to_text(certificate.issued_at),
                        certificate.issued_by,
                    ),
                )
                await self._db.commit()
                return certificate, True
            except INTEGRITY_ERRORS:
                await self._db.rollback()
                if await self.of(certificate.cohort_id, certificate.user_id) is not None:
                    continue  # issued meanwhile (e.g. by hand at the same moment): that one
                if new_code is None or await self.get(certificate.code) is None:
                    raise
                certificate = replace(certificate, code=new_code())

    async def get(self, code: str) -> Certificate | None:
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM certificates WHERE code = ?", (code,)
        ) as cursor:
            row = await cursor.fetchone()
        return _certificate(row) if row else None

    async def of(self, cohort_id: int, user_id: int) -> Certificate | None:
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM certificates WHERE cohort_id = ? AND user_id = ?",
            (cohort_id, user_id),
        ) as cursor:
            row = await cursor.fetchone()
        return _certificate(row) if row else None

    async def in_cohort(self, cohort_id: int) -> list[Certificate]:
        """The cohort's certificates, in the order they were issued."""
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM certificates WHERE cohort_id = ? ORDER BY issued_at, code",
            (cohort_id,),
        ) as cursor:
            return [_certificate(row) for row in await cursor.fetchall()]

    async def of_user(self, user_id: int) -> list[Certificate]:
        """Every certificate of one person, oldest first."""
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM certificates WHERE user_id = ? ORDER BY issued_at, code",
            (user_id,),
        ) as cursor:
            return [_certificate(row) for row in await cursor.fetchall()]

    async def printed_name(self, user_id: int) -> str | None:
        async with self._db.execute(
            "SELECT name FROM printed_names WHERE user_id = ?", (user_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def set_printed_name(self, user_id: int, name: str, now: datetime) -> int:
        """Keep the name, and print it on the person's certificates still waiting for one.

        Certificates already printed keep the name they were printed with.
        Returns how many waiting certificates now carry it.
        """
        await self._db.execute(
            "INSERT INTO printed_names (user_id, name, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET name = excluded.name,"
            " updated_at = excluded.updated_at",
            (user_id, name, to_text(now)),
        )
        cursor = await self._db.execute(
            "UPDATE certificates SET printed_name = ? WHERE user_id = ? AND printed_name IS NULL",
            (name, user_id),
        )
        await self._db.commit()
        return cursor.rowcount
