-- PostgreSQL's copy of ../0007_dm_claims.sql (issue #16). Why it differs: INTEGER is 32-bit here, so every
-- integer is BIGINT (Discord ids are 64-bit snowflakes); ids we assign are identity columns;
-- REAL is DOUBLE PRECISION (SQLite's REAL is 8 bytes); text compares byte-wise (COLLATE "C")
-- whatever the database's locale, as in SQLite; INSERT OR IGNORE is ON CONFLICT DO NOTHING.
-- Keep the tables and columns the same as the SQLite file's (tests/test_store_postgres.py).

-- A DM to one recipient of a fan-out is claimed ('sending', with the moment of the
-- claim) before it is sent, and finished after. SQLite cannot change a CHECK in
-- place: the table is rebuilt (create the new one, copy, drop, rename), rows kept.
CREATE TABLE delivery_recipients_new (
    cohort_id BIGINT  NOT NULL,
    item_key  TEXT COLLATE "C"    NOT NULL,
    user_id   BIGINT  NOT NULL,
    outcome   TEXT COLLATE "C"    NOT NULL CHECK (outcome IN ('sending', 'sent', 'dms_closed', 'failed')),
    at        TEXT COLLATE "C"    NOT NULL,  -- when it was claimed ('sending'), else when it was settled
    PRIMARY KEY (cohort_id, item_key, user_id),
    FOREIGN KEY (cohort_id) REFERENCES cohorts (id) ON DELETE CASCADE
);
INSERT INTO delivery_recipients_new (cohort_id, item_key, user_id, outcome, at)
    SELECT cohort_id, item_key, user_id, outcome, at FROM delivery_recipients;
DROP TABLE delivery_recipients;
ALTER TABLE delivery_recipients_new RENAME TO delivery_recipients;
