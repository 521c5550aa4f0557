-- What the bot last told Discord: one value per key. The only key today is the hash of
-- the slash-command payload per application and scope ("commands:<app id>:global",
-- "commands:<app id>:guild:<id>"), so a start with an unchanged tree does not sync again.
CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
