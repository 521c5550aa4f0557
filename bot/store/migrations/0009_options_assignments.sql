-- What meets a week besides the discussion: recordings watched, assignments handed in.

-- A learner confirmed watching a session's recording (it stands in for attending
-- the session when the course allows it).
CREATE TABLE recording_views (
    cohort_id   INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    session_key TEXT    NOT NULL,
    user_id     INTEGER NOT NULL,
    at          TEXT    NOT NULL,
    PRIMARY KEY (cohort_id, session_key, user_id)
);

-- Assignments handed in: who, which week, when, where it was posted, and whether an
-- instructor reviewed it. Never what was handed in: the work stays in Discord.
CREATE TABLE submissions (
    cohort_id    INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    week         INTEGER NOT NULL,
    submitted_at TEXT    NOT NULL,
    late         INTEGER NOT NULL DEFAULT 0,
    channel_id   INTEGER NOT NULL,  -- the private thread (or channel) it was posted in
    message_id   INTEGER NOT NULL,
    reviewed_by  INTEGER,
    reviewed_at  TEXT,
    PRIMARY KEY (cohort_id, user_id, week)
);

-- Each learner's private thread for handing in a cohort's assignments, remembered as soon
-- as it is made, so a crash before the first hand-in is recorded never makes a second one.
CREATE TABLE assignment_threads (
    cohort_id INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    thread_id INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, user_id)
);
