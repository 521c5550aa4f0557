-- PostgreSQL's copy of ../0005_staff_role.sql (issue #16). Why it differs: INTEGER is 32-bit here, so every
-- integer is BIGINT (Discord ids are 64-bit snowflakes); ids we assign are identity columns;
-- REAL is DOUBLE PRECISION (SQLite's REAL is 8 bytes); text compares byte-wise (COLLATE "C")
-- whatever the database's locale, as in SQLite; INSERT OR IGNORE is ON CONFLICT DO NOTHING.
-- Keep the tables and columns the same as the SQLite file's (tests/test_store_postgres.py).

-- Per server: the course-staff role an admin set with /setup staff-role.
-- Its holders may create cohorts, reload course files and run every cohort.
CREATE TABLE guild_staff (
    guild_id BIGINT PRIMARY KEY,
    role_id  BIGINT  NOT NULL
);

-- A channel holds at most one cohort that is not yet archived: found by channel.
CREATE INDEX cohorts_by_channel ON cohorts (channel_id);
