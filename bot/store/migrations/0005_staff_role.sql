-- Per server: the course-staff role an admin set with /setup staff-role.
-- Its holders may create cohorts, reload course files and run every cohort.
CREATE TABLE guild_staff (
    guild_id INTEGER PRIMARY KEY,
    role_id  INTEGER NOT NULL
);

-- A channel holds at most one cohort that is not yet archived: found by channel.
CREATE INDEX cohorts_by_channel ON cohorts (channel_id);
