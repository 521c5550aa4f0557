"""Certificates and printed names on a real SQLite file: issuing once, names, purge, privacy."""

from __future__ import annotations

from dataclasses import replace

from bot.certificate import Certificate
from bot.store import Store
from bot.store.db import migrate, open_connection
from tests.helpers import NOW, new_cohort
from tests.test_certificate import AMARA as AMARA_CERTIFICATE
from tests.test_store_participation import AMARA, BAO, INSTRUCTOR, write


def certificate(cohort_id: int, user_id: int, code: str = "AAAAA-BBBBB", **changes) -> Certificate:
    """One waiting for its printed name (unless ``changes`` say otherwise)."""
    fields = {"code": code, "cohort_id": cohort_id, "user_id": user_id, "name": None}
    return replace(AMARA_CERTIFICATE, **{**fields, "issued_at": NOW, **changes})


async def test_a_learner_has_one_certificate_per_cohort_issued_once(store: Store, cohort_id):
    first, new = await store.certificates.issue(certificate(cohort_id, AMARA, name="Amara O."))
    assert new and first.code == "AAAAA-BBBBB"
    again, new = await store.certificates.issue(
        certificate(cohort_id, AMARA, "CCCCC-DDDDD", issued_by=INSTRUCTOR)
    )
    assert not new and again == first  # the record stands; no second code
    assert await store.certificates.get("AAAAA-BBBBB") == first
    assert await store.certificates.get("CCCCC-DDDDD") is None
    assert await store.certificates.in_cohort(cohort_id) == [first]


async def test_a_code_already_taken_is_replaced(store: Store, cohort_id):
    await store.certificates.issue(certificate(cohort_id, AMARA))
    bao, new = await store.certificates.issue(
        certificate(cohort_id, BAO), new_code=lambda: "EEEEE-FFFFF"
    )
    assert new and bao.code == "EEEEE-FFFFF"
    assert [c.user_id for c in await store.certificates.in_cohort(cohort_id)] == [AMARA, BAO]


async def test_one_issued_by_another_at_the_same_moment_is_the_one_returned(
    store: Store, cohort_id, monkeypatch
):
    first, _ = await store.certificates.issue(certificate(cohort_id, AMARA))
    look_up = store.certificates.of
    answers = iter([None])  # the first look finds nothing: the other's insert came after it

    async def racing(cohort: int, user: int):
        return next(answers, None) or await look_up(cohort, user)

    monkeypatch.setattr(store.certificates, "of", racing)
    again, new = await store.certificates.issue(
        certificate(cohort_id, AMARA, "CCCCC-DDDDD"), new_code=lambda: "EEEEE-FFFFF"
    )
    assert not new and again == first
    assert await store.certificates.in_cohort(cohort_id) == [first]


async def test_a_printed_name_fills_only_the_certificates_waiting_for_it(store: Store, cohort_id):
    other = (await store.cohorts.create(new_cohort("Spring 2027"), [], NOW)).id
    await store.certificates.issue(certificate(cohort_id, AMARA, name="Amara O."))
    await store.certificates.issue(certificate(other, AMARA, "CCCCC-DDDDD"))
    assert await store.certificates.printed_name(AMARA) is None

    filled = await store.certificates.set_printed_name(AMARA, "Amara Okafor", NOW)

    assert filled == 1
    assert await store.certificates.printed_name(AMARA) == "Amara Okafor"
    names = {c.code: c.name for c in await store.certificates.of_user(AMARA)}
    assert names == {"AAAAA-BBBBB": "Amara O.", "CCCCC-DDDDD": "Amara Okafor"}
    assert await store.certificates.set_printed_name(AMARA, "A. Okafor", NOW) == 0  # changed later
    assert await store.certificates.printed_name(AMARA) == "A. Okafor"


async def test_the_purge_keeps_certificates_and_forgetting_erases_them(store: Store, cohort_id):
    await write(store, cohort_id, AMARA, 1, "original")
    await store.participation.excuse(cohort_id, AMARA, 2, INSTRUCTOR, NOW)
    await store.certificates.issue(certificate(cohort_id, AMARA))
    await store.certificates.set_printed_name(AMARA, "Amara Okafor", NOW)

    removed = await store.participation.purge_cohort(cohort_id)

    assert removed == 2  # the message and the excusal
    (kept,) = await store.certificates.of_user(AMARA)
    assert kept.name == "Amara Okafor"
    found = await store.privacy.everything_about(AMARA)
    assert sorted(found) == ["certificates", "printed_names"]
    assert await store.privacy.forget(AMARA) == 2
    assert await store.certificates.of_user(AMARA) == []
    assert await store.certificates.printed_name(AMARA) is None
    assert await store.certificates.get(kept.code) is None


async def test_migration_0010_from_todays_schema_carries_the_data_through(database):
    path = database  # a SQLite file, then a PostgreSQL database
    db = await open_connection(path)
    assert await migrate(db, up_to=4) == 4  # the schema before certificates
    # Rows of today's kinds, written into today's tables.
    for name in ("Fall 2026", "Spring 2026"):
        await db.execute(
            "INSERT INTO cohorts (guild_id, name, course_id, start_date, timezone, channel_id,"
            " learner_role_id, instructor_role_id, announcements_channel_id, created_by,"
            " created_at) VALUES (1, ?, 'de-escalation', '2026-10-13', 'America/Los_Angeles',"
            " 10, 20, 30, NULL, 99, '2026-10-01T12:00:00.000000Z')",
            (name,),
        )
    await db.executemany(
        "INSERT INTO deliveries (cohort_id, item_key, kind, due_at, state)"
        " VALUES (?, 'consultation', 'consultation', ?, ?)",
        [(1, "2026-11-24T17:00:00.000000Z", "pending"), (2, "2026-05-26T16:00:00.000000Z", "done")],
    )
    await db.execute(
        "INSERT INTO excusals (cohort_id, user_id, week, excused_by, at)"
        " VALUES (1, ?, 1, ?, '2026-10-01T12:00:00.000000Z')",
        (AMARA, INSTRUCTOR),
    )
    await db.execute(
        "INSERT INTO learner_prefs (user_id, reminders_off, updated_at)"
        " VALUES (?, 1, '2026-10-01T12:00:00.000000Z')",
        (BAO,),
    )
    await db.commit()
    await db.close()

    store = await Store.open(path)  # start-up applies what is missing, 0010 included
    try:
        cohort, spring = await store.cohorts.all()
        assert (cohort.name, spring.name) == ("Fall 2026", "Spring 2026")
        assert await store.participation.excusals(cohort.id) == [(AMARA, 1)]
        assert await store.participation.reminders_off() == {BAO}
        issued, new = await store.certificates.issue(certificate(cohort.id, AMARA))
        assert new and await store.certificates.get(issued.code) == issued
        # A cohort planned before certificates existed has the item at its consultation end;
        # one whose consultation is over is not sent certificates late.
        coming = await store.deliveries.get(cohort.id, "certificates")
        assert (coming.kind, coming.state) == ("certificates", "pending")
        assert coming.due == (await store.deliveries.get(cohort.id, "consultation")).due
        past = await store.deliveries.get(spring.id, "certificates")
        assert past.state == "skipped" and "/certificates issue" in past.note
        async with store.db.execute("SELECT MAX(version) FROM schema_version") as cursor:
            assert (await cursor.fetchone())[0] >= 10
    finally:
        await store.close()
