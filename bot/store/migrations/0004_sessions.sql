-- Live sessions: who asked to be reminded, recordings, check-ins, and Discord events.
CREATE TABLE rsvps (
    cohort_id   INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    session_key TEXT    NOT NULL,
    user_id     INTEGER NOT NULL,
    at          TEXT    NOT NULL,
    PRIMARY KEY (cohort_id, session_key, user_id)
);

CREATE TABLE recordings (
    id          INTEGER PRIMARY KEY,
    cohort_id   INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    session_key TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    passcode    TEXT,
    note        TEXT,
    added_by    INTEGER NOT NULL,
    added_at    TEXT    NOT NULL
);

CREATE TABLE attendance (
    cohort_id   INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    session_key TEXT    NOT NULL,
    user_id     INTEGER NOT NULL,
    at          TEXT    NOT NULL,
    PRIMARY KEY (cohort_id, session_key, user_id)
);

CREATE TABLE session_events (
    cohort_id   INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    session_key TEXT    NOT NULL,
    event_id    INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, session_key)
);
