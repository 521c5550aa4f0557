-- PostgreSQL's copy of ../0006_lifecycle.sql (issue #16). Why it differs: INTEGER is 32-bit here, so every
-- integer is BIGINT (Discord ids are 64-bit snowflakes); ids we assign are identity columns;
-- REAL is DOUBLE PRECISION (SQLite's REAL is 8 bytes); text compares byte-wise (COLLATE "C")
-- whatever the database's locale, as in SQLite; INSERT OR IGNORE is ON CONFLICT DO NOTHING.
-- Keep the tables and columns the same as the SQLite file's (tests/test_store_postgres.py).

-- Two facts that were implicit become real:
-- 1. A delivery that left the timetable (a cancelled session, a dropped week) is in
--    state 'unplanned', no longer 'skipped' with the note 'no longer planned'.
--    SQLite cannot alter a CHECK, so the table is rebuilt and every row carried over.
-- 2. Every thread a cohort's posts opened (module posts, reposts) is kept, so the
--    archive can find and lock each one through the API, not the client's cache.

CREATE TABLE deliveries_new (
    cohort_id       BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    item_key        TEXT COLLATE "C"    NOT NULL,
    kind            TEXT COLLATE "C"    NOT NULL,
    due_at          TEXT COLLATE "C"    NOT NULL,
    week            BIGINT ,
    session_key     TEXT COLLATE "C",
    expires_at      TEXT COLLATE "C",
    state           TEXT COLLATE "C"    NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'claimed', 'done', 'skipped', 'failed',
                                             'unplanned')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at TEXT COLLATE "C",
    claimed_by      TEXT COLLATE "C",
    claimed_at      TEXT COLLATE "C",
    done_at         TEXT COLLATE "C",
    channel_id      BIGINT ,
    message_id      BIGINT ,
    late            BIGINT  NOT NULL DEFAULT 0,
    note            TEXT COLLATE "C",
    PRIMARY KEY (cohort_id, item_key)
);

INSERT INTO deliveries_new (cohort_id, item_key, kind, due_at, week, session_key, expires_at,
                            state, attempts, next_attempt_at, claimed_by, claimed_at, done_at,
                            channel_id, message_id, late, note)
SELECT cohort_id, item_key, kind, due_at, week, session_key, expires_at,
       CASE WHEN state = 'skipped' AND note = 'no longer planned' THEN 'unplanned' ELSE state END,
       attempts, next_attempt_at, claimed_by, claimed_at, done_at, channel_id, message_id, late,
       CASE WHEN state = 'skipped' AND note = 'no longer planned' THEN NULL ELSE note END
FROM deliveries;

DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_by_state ON deliveries (state, due_at);

CREATE TABLE cohort_threads (
    thread_id  BIGINT PRIMARY KEY,
    cohort_id  BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    item_key   TEXT COLLATE "C"    NOT NULL,  -- the delivery whose post opened it
    opened_at  TEXT COLLATE "C"    NOT NULL,
    closed_at  TEXT COLLATE "C"              -- when the archive locked and archived it
);
CREATE INDEX cohort_threads_by_cohort ON cohort_threads (cohort_id);

-- The module threads already recorded (a repost overwrote its first thread's id: the
-- archive finds such a thread by its marker in the forum's listings).
INSERT INTO cohort_threads (thread_id, cohort_id, item_key, opened_at)
SELECT d.channel_id, d.cohort_id, d.item_key, COALESCE(d.done_at, d.due_at)
FROM deliveries AS d JOIN cohorts AS c ON c.id = d.cohort_id
WHERE d.kind = 'module' AND d.state = 'done' AND d.channel_id IS NOT NULL
  AND d.channel_id != c.channel_id
ON CONFLICT DO NOTHING;
