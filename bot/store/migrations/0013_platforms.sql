-- Two platforms (issue #15). A cohort lives on one platform: Discord (every cohort before
-- this migration) or Slack. Slack's ids are strings (channels C…, users U…, user groups
-- S…, workspaces T…); each is given an integer surrogate here, once, so every existing
-- integer column (guild_id, channel_id, user_id, learner_role_id, …) and every query stays
-- as it is. Surrogates count up from 1; Discord's ids are snowflakes far above 2^40, so the
-- two never meet in one column. A Slack message's ts becomes a time-ordered 64-bit id of
-- the snowflake layout (bot.slack.ids), so message ids, cursors and created_at need no table.
ALTER TABLE cohorts ADD COLUMN platform TEXT NOT NULL DEFAULT 'discord'
    CHECK (platform IN ('discord', 'slack'));

-- PostgreSQL: BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY (docs/postgres-port.md), as
-- for cohorts.id; INTEGER PRIMARY KEY is SQLite's rowid, assigned on insert.
CREATE TABLE external_ids (
    id       INTEGER PRIMARY KEY,
    platform TEXT    NOT NULL,
    external TEXT    NOT NULL,          -- e.g. 'T0001/C0COHORT': the workspace, then the id
    UNIQUE (platform, external)
);
