-- Weeks an instructor excused a learner from (counted as met, shown as excused).
CREATE TABLE excusals (
    cohort_id  INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    week       INTEGER NOT NULL,
    excused_by INTEGER NOT NULL,
    at         TEXT    NOT NULL,
    PRIMARY KEY (cohort_id, user_id, week)
);

-- A learner's own choices. reminders_off: no nudges, and no session reminders unless asked for.
CREATE TABLE learner_prefs (
    user_id       INTEGER PRIMARY KEY,
    reminders_off INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT    NOT NULL
);
