-- PostgreSQL's copy of ../0009_options_assignments.sql (issue #16). Why it differs: INTEGER is 32-bit here, so every
-- integer is BIGINT (Discord ids are 64-bit snowflakes); ids we assign are identity columns;
-- REAL is DOUBLE PRECISION (SQLite's REAL is 8 bytes); text compares byte-wise (COLLATE "C")
-- whatever the database's locale, as in SQLite; INSERT OR IGNORE is ON CONFLICT DO NOTHING.
-- Keep the tables and columns the same as the SQLite file's (tests/test_store_postgres.py).

-- What meets a week besides the discussion: recordings watched, assignments handed in.

-- A learner confirmed watching a session's recording (it stands in for attending
-- the session when the course allows it).
CREATE TABLE recording_views (
    cohort_id   BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    session_key TEXT COLLATE "C"    NOT NULL,
    user_id     BIGINT  NOT NULL,
    at          TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (cohort_id, session_key, user_id)
);

-- Assignments handed in: who, which week, when, where it was posted, and whether an
-- instructor reviewed it. Never what was handed in: the work stays in Discord.
CREATE TABLE submissions (
    cohort_id    BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id      BIGINT  NOT NULL,
    week         BIGINT  NOT NULL,
    submitted_at TEXT COLLATE "C"    NOT NULL,
    late         BIGINT  NOT NULL DEFAULT 0,
    channel_id   BIGINT  NOT NULL,  -- the private thread (or channel) it was posted in
    message_id   BIGINT  NOT NULL,
    reviewed_by  BIGINT ,
    reviewed_at  TEXT COLLATE "C",
    PRIMARY KEY (cohort_id, user_id, week)
);

-- Each learner's private thread for handing in a cohort's assignments, remembered as soon
-- as it is made, so a crash before the first hand-in is recorded never makes a second one.
CREATE TABLE assignment_threads (
    cohort_id BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id   BIGINT  NOT NULL,
    thread_id BIGINT  NOT NULL,
    PRIMARY KEY (cohort_id, user_id)
);
