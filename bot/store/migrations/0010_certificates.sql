-- Certificates of completion. What a certificate certifies is copied in when it is issued
-- (course title, dates, hours, instructor), so a code still verifies after the course file
-- changes and after the cohort's participation data is purged: the purge keeps these rows.
-- /forgetme erases them (they have a user_id column).
CREATE TABLE certificates (
    code         TEXT    PRIMARY KEY,   -- the verification code, e.g. K7QX4-M2ZPA
    cohort_id    INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    printed_name TEXT,                  -- NULL until the learner has said how to print it
    course_title TEXT    NOT NULL,
    starts       TEXT    NOT NULL,      -- YYYY-MM-DD, the cohort's zone
    ends         TEXT    NOT NULL,
    hours        REAL,
    instructor   TEXT    NOT NULL,
    issued_at    TEXT    NOT NULL,
    issued_by    INTEGER,               -- the instructor who issued it by hand (NULL: on completion)
    UNIQUE (cohort_id, user_id)
);

-- The name a person wants printed on their certificates (Discord names are not legal names).
CREATE TABLE printed_names (
    user_id    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
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
