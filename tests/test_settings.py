from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError


def test_settings_from_environment():
    settings = Settings.from_env(
        {
            "DISCORD_TOKEN": "secret-token",
            "DATABASE_PATH": "/tmp/x.sqlite3",
            "DEV_GUILD_ID": "123",
            "LOG_LEVEL": "debug",
            "DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:7878",
        }
    )
    assert settings.database == Path("/tmp/x.sqlite3")
    assert (settings.dev_guild_id, settings.log_level) == (123, "DEBUG")
    assert settings.api_base == "http://127.0.0.1:8080/api/v10"
    assert settings.gateway_url == "ws://127.0.0.1:7878"
    assert "secret-token" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "t", "DEV_GUILD_ID": "abc"}, "DEV_GUILD_ID='abc' is not a Discord id"),
        # 0 would quietly mean "no DEV_GUILD_ID" (a global sync); "²" passes str.isdigit.
        ({"DISCORD_TOKEN": "t", "DEV_GUILD_ID": "0"}, "DEV_GUILD_ID='0' is not a Discord id"),
        ({"DISCORD_TOKEN": "t", "DEV_GUILD_ID": "²"}, "DEV_GUILD_ID='²' is not a Discord id"),
        ({"DISCORD_TOKEN": "t", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' is not a level"),
        ({"DISCORD_TOKEN": "t", "DISCORD_API_BASE": "ftp://x"}, "must be a http or https URL"),
        ({"DISCORD_TOKEN": "t", "DISCORD_GATEWAY_URL": "http://x"}, "must be a ws or wss URL"),
    ],
)
def test_bad_settings_say_which_and_how_to_fix(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_demo_needs_no_token():
    assert Settings.from_env({}, require_token=False).token == ""


def test_database_url_selects_postgresql_and_database_path_stays_the_default():
    plain = Settings.from_env({"DISCORD_TOKEN": "t"})
    assert plain.store_target == Path("cohortbot.sqlite3")
    url = "postgresql://bot:hunter2@db.example:5432/cohortbot"
    settings = Settings.from_env({"DISCORD_TOKEN": "t", "DATABASE_URL": url})
    assert settings.store_target == url
    assert "hunter2" not in repr(settings)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://bot@db/cohortbot", "must be a postgresql:// URL with a host"),
        ("postgresql:///cohortbot", "must be a postgresql:// URL with a host"),
        ("postgresql://bot:hunter2@db:port/cohortbot", r"DATABASE_URL=postgresql://bot:\*\*\*@"),
        ("postgresql://bot@db:5432", "names no database"),
    ],
)
def test_a_malformed_database_url_says_why_and_never_shows_the_password(url, message):
    with pytest.raises(SettingsError, match=message) as raised:
        Settings.from_env({"DISCORD_TOKEN": "t", "DATABASE_URL": url})
    assert "hunter2" not in str(raised.value)
