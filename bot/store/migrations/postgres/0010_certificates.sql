-- PostgreSQL's copy of ../0010_certificates.sql (issue #16). Why it differs: INTEGER is 32-bit here, so every
-- integer is BIGINT (Discord ids are 64-bit snowflakes); ids we assign are identity columns;
-- REAL is DOUBLE PRECISION (SQLite's REAL is 8 bytes); text compares byte-wise (COLLATE "C")
-- whatever the database's locale, as in SQLite; INSERT OR IGNORE is ON CONFLICT DO NOTHING.
-- Keep the tables and columns the same as the SQLite file's (tests/test_store_postgres.py).

-- Certificates of completion. What a certificate certifies is copied in when it is issued
-- (course title, dates, hours, instructor), so a code still verifies after the course file
-- changes and after the cohort's participation data is purged: the purge keeps these rows.
-- /forgetme erases them (they have a user_id column).
CREATE TABLE certificates (
    code         TEXT COLLATE "C"    PRIMARY KEY,   -- the verification code, e.g. K7QX4-M2ZPA
    cohort_id    BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id      BIGINT  NOT NULL,
    printed_name TEXT COLLATE "C",                  -- NULL until the learner has said how to print it
    course_title TEXT COLLATE "C"    NOT NULL,
    starts       TEXT COLLATE "C"    NOT NULL,      -- YYYY-MM-DD, the cohort's zone
    ends         TEXT COLLATE "C"    NOT NULL,
    hours        DOUBLE PRECISION,
    instructor   TEXT COLLATE "C"    NOT NULL,
    issued_at    TEXT COLLATE "C"    NOT NULL,
    issued_by    BIGINT ,               -- the instructor who issued it by hand (NULL: on completion)
    UNIQUE (cohort_id, user_id)
);

-- The name a person wants printed on their certificates (Discord names are not legal names).
CREATE TABLE printed_names (
    user_id    BIGINT PRIMARY KEY,
    name       TEXT COLLATE "C"    NOT NULL,
    updated_at TEXT COLLATE "C"    NOT NULL
);

-- Cohorts planned before certificates existed get the item at their consultation end (the
-- due time of their consultation row). A cohort whose consultation is already over is not
-- sent certificates late: its row is skipped, and instructors can use /certificates issue.
INSERT INTO deliveries (cohort_id, item_key, kind, due_at, state, done_at, note)
SELECT cohort_id, 'certificates', 'certificates', due_at,
       CASE WHEN state = 'pending' THEN 'pending' ELSE 'skipped' END,
       CASE WHEN state = 'pending' THEN NULL ELSE due_at END,
       CASE WHEN state = 'pending' THEN NULL
            ELSE 'the consultation ended before certificates existed: /certificates issue' END
FROM deliveries WHERE item_key = 'consultation'
ON CONFLICT (cohort_id, item_key) DO NOTHING;
