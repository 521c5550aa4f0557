-- Participation: one row per counted message. Never its content: who, where, when, what kind.
CREATE TABLE activity (
    message_id INTEGER PRIMARY KEY,
    cohort_id  INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,  -- the channel or thread it was written in
    kind       TEXT    NOT NULL CHECK (kind IN ('original', 'reply')),
    week       INTEGER NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX activity_by_cohort ON activity (cohort_id, user_id, week, kind);
CREATE INDEX activity_by_user ON activity (user_id);

-- The newest message seen in each tracked channel or thread: history after it is read
-- at start-up, so nothing written while the bot was down is lost.
CREATE TABLE channel_cursors (
    channel_id      INTEGER PRIMARY KEY,
    cohort_id       INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    last_message_id INTEGER NOT NULL
);
