-- A DM to one recipient of a fan-out is claimed ('sending', with the moment of the
-- claim) before it is sent, and finished after. SQLite cannot change a CHECK in
-- place: the table is rebuilt (create the new one, copy, drop, rename), rows kept.
CREATE TABLE delivery_recipients_new (
    cohort_id INTEGER NOT NULL,
    item_key  TEXT    NOT NULL,
    user_id   INTEGER NOT NULL,
    outcome   TEXT    NOT NULL CHECK (outcome IN ('sending', 'sent', 'dms_closed', 'failed')),
    at        TEXT    NOT NULL,  -- when it was claimed ('sending'), else when it was settled
    PRIMARY KEY (cohort_id, item_key, user_id),
    FOREIGN KEY (cohort_id) REFERENCES cohorts (id) ON DELETE CASCADE
);
INSERT INTO delivery_recipients_new (cohort_id, item_key, user_id, outcome, at)
    SELECT cohort_id, item_key, user_id, outcome, at FROM delivery_recipients;
DROP TABLE delivery_recipients;
ALTER TABLE delivery_recipients_new RENAME TO delivery_recipients;
