-- PostgreSQL's copy of ../0002_activity.sql (issue #16). Why it differs: INTEGER is 32-bit here, so every
-- integer is BIGINT (Discord ids are 64-bit snowflakes); ids we assign are identity columns;
-- REAL is DOUBLE PRECISION (SQLite's REAL is 8 bytes); text compares byte-wise (COLLATE "C")
-- whatever the database's locale, as in SQLite; INSERT OR IGNORE is ON CONFLICT DO NOTHING.
-- Keep the tables and columns the same as the SQLite file's (tests/test_store_postgres.py).

-- Participation: one row per counted message. Never its content: who, where, when, what kind.
CREATE TABLE activity (
    message_id BIGINT PRIMARY KEY,
    cohort_id  BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id    BIGINT  NOT NULL,
    channel_id BIGINT  NOT NULL,  -- the channel or thread it was written in
    kind       TEXT COLLATE "C"    NOT NULL CHECK (kind IN ('original', 'reply')),
    week       BIGINT  NOT NULL,
    created_at TEXT COLLATE "C"    NOT NULL
);
CREATE INDEX activity_by_cohort ON activity (cohort_id, user_id, week, kind);
CREATE INDEX activity_by_user ON activity (user_id);

-- The newest message seen in each tracked channel or thread: history after it is read
-- at start-up, so nothing written while the bot was down is lost.
CREATE TABLE channel_cursors (
    channel_id      BIGINT PRIMARY KEY,
    cohort_id       BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    last_message_id BIGINT  NOT NULL
);
