-- Cohorts, their live sessions, and the deliveries that make each post exactly once.
-- Times are UTC, ISO 8601 text ending in Z, so they sort and compare as text.

CREATE TABLE cohorts (
    id                       INTEGER PRIMARY KEY,
    guild_id                 INTEGER NOT NULL,
    name                     TEXT    NOT NULL,
    course_id                TEXT    NOT NULL,
    start_date               TEXT    NOT NULL,  -- YYYY-MM-DD in the cohort's zone
    timezone                 TEXT    NOT NULL,
    channel_id               INTEGER NOT NULL,
    learner_role_id          INTEGER NOT NULL,
    instructor_role_id       INTEGER,
    announcements_channel_id INTEGER,
    state                    TEXT    NOT NULL DEFAULT 'active'
                                     CHECK (state IN ('active', 'paused', 'ended')),
    created_by               INTEGER NOT NULL,
    created_at               TEXT    NOT NULL,
    UNIQUE (guild_id, name)
);

CREATE TABLE cohort_sessions (
    cohort_id   INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    key         TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    start_at    TEXT    NOT NULL,
    duration_s  INTEGER NOT NULL CHECK (duration_s > 0),
    url         TEXT,
    cancelled   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort_id, key)
);

CREATE TABLE deliveries (
    cohort_id       INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    item_key        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    due_at          TEXT    NOT NULL,
    week            INTEGER,
    session_key     TEXT,
    expires_at      TEXT,
    state           TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'claimed', 'done', 'skipped', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    claimed_by      TEXT,
    claimed_at      TEXT,
    done_at         TEXT,
    channel_id      INTEGER,
    message_id      INTEGER,
    late            INTEGER NOT NULL DEFAULT 0,
    note            TEXT,
    PRIMARY KEY (cohort_id, item_key)
);
CREATE INDEX deliveries_by_state ON deliveries (state, due_at);

-- One row per person a fan-out (reminder DMs, nudges) reached or tried to
-- reach, so a restart mid-fan-out never DMs anyone twice. item_key names the
-- fan-out: a delivery's key, or another stable key for one made by hand.
CREATE TABLE delivery_recipients (
    cohort_id INTEGER NOT NULL,
    item_key  TEXT    NOT NULL,
    user_id   INTEGER NOT NULL,
    outcome   TEXT    NOT NULL CHECK (outcome IN ('sent', 'dms_closed', 'failed')),
    at        TEXT    NOT NULL,
    PRIMARY KEY (cohort_id, item_key, user_id),
    FOREIGN KEY (cohort_id) REFERENCES cohorts (id) ON DELETE CASCADE
);
