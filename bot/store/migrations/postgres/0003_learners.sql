-- PostgreSQL's copy of ../0003_learners.sql (issue #16). Why it differs: INTEGER is 32-bit here, so every
-- integer is BIGINT (Discord ids are 64-bit snowflakes); ids we assign are identity columns;
-- REAL is DOUBLE PRECISION (SQLite's REAL is 8 bytes); text compares byte-wise (COLLATE "C")
-- whatever the database's locale, as in SQLite; INSERT OR IGNORE is ON CONFLICT DO NOTHING.
-- Keep the tables and columns the same as the SQLite file's (tests/test_store_postgres.py).

-- Weeks an instructor excused a learner from (counted as met, shown as excused).
CREATE TABLE excusals (
    cohort_id  BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id    BIGINT  NOT NULL,
    week       BIGINT  NOT NULL,
    excused_by BIGINT  NOT NULL,
    at         TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (cohort_id, user_id, week)
);

-- A learner's own choices. reminders_off: no nudges, and no session reminders unless asked for.
CREATE TABLE learner_prefs (
    user_id       BIGINT PRIMARY KEY,
    reminders_off BIGINT  NOT NULL DEFAULT 0,
    updated_at    TEXT COLLATE "C"    NOT NULL
);
