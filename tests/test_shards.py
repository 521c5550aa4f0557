"""Which process serves which guild or workspace: the rules as table tests, the settings,
the store's filter, and `cohortbot run` refusing bad shard settings."""

from __future__ import annotations

import random
import string
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.app.launch import EXIT_SETTINGS
from bot.cohort import CLAIM_LEASE
from bot.settings import Settings, SettingsError
from bot.shards import Shards, guild_shard, team_shard
from bot.snowflake import first_id_at
from bot.timetable import Item, ItemKind
from tests.helpers import KINDS, NOW, new_cohort
from tests.test_startup import cohortbot, one_line, refused_port


@pytest.mark.parametrize(
    ("guild_id", "count", "shard"),
    [
        (0, 1, 0),
        (123456789012345678, 1, 0),
        ((7 << 22) | 0x3FFFFF, 4, 3),  # the low 22 bits (worker, process, counter) do not count
        (7 << 22, 4, 3),
        (8 << 22, 4, 0),
        ((4_000_000_001 << 22) | 12345, 16, 1),
        (81384788765712384, 2, 0),  # >> 22 is 19403645698 (3 * 6467881899 + 1), so:
        (81384788765712384, 3, 1),
        (first_id_at(datetime(2026, 10, 13, tzinfo=UTC)), 1, 0),
    ],
)
def test_a_guild_is_in_the_shard_discords_rule_says(guild_id, count, shard):
    assert guild_shard(guild_id, count) == shard


def test_each_guild_has_exactly_one_process_among_a_split():
    split = [Shards(4, (0, 1)), Shards(4, (2,)), Shards(4, (3,))]
    ids = [random.Random(n).getrandbits(63) for n in range(500)]
    assert all(sum(p.owns_guild(g) for p in split) == 1 for g in ids)


@pytest.mark.parametrize(
    ("team_id", "shards"),
    [  # pinned: a change here would move workspaces to other processes
        ("T024BE7LD", [0, 1, 1, 1, 1]),
        ("T0001", [0, 0, 1, 2, 2]),
        ("TABC123", [0, 1, 1, 1, 5]),
        ("E0AS553RN", [0, 1, 0, 3, 7]),  # an Enterprise Grid org
        ("T12345678", [0, 0, 1, 0, 4]),
    ],
)
def test_a_slack_workspace_is_in_a_stable_shard(team_id, shards):
    assert [team_shard(team_id, count) for count in (1, 2, 3, 4, 8)] == shards


def test_slack_workspaces_spread_evenly_and_each_has_one_process():
    rng = random.Random(16)
    alphabet = string.ascii_uppercase + string.digits
    teams = ["T" + "".join(rng.choices(alphabet, k=10)) for _ in range(4000)]
    per_shard = Counter(team_shard(t, 4) for t in teams)
    assert sorted(per_shard) == [0, 1, 2, 3]
    assert all(900 <= n <= 1100 for n in per_shard.values()), per_shard
    split = [Shards(4, (0, 1)), Shards(4, (2,)), Shards(4, (3,))]
    assert all(sum(p.owns_team(t) for p in split) == 1 for t in teams)


@pytest.mark.parametrize("team_id", ["", "t024be7ld", "U024BE7LD", "T", "T02 4BE", "C0123"])
def test_what_is_not_a_team_id_is_refused(team_id):
    with pytest.raises(ValueError, match="not a Slack team id"):
        team_shard(team_id, 4)


@pytest.mark.parametrize(
    ("count", "ids", "message"),
    [
        (0, (0,), "1 or more"),
        (4, (), "at least one shard"),
        (4, (1, 1), "shard 1 is named twice"),
        (4, (0, 4), "shard 4 is not one of 0 to 3"),
        (4, (-1,), "shard -1 is not one of 0 to 3"),
    ],
)
def test_impossible_shards_are_refused(count, ids, message):
    with pytest.raises(ValueError, match=message):
        Shards(count, ids)


def test_what_a_process_of_some_shards_does():
    first, rest = Shards(4, (0, 1)), Shards(4, (2, 3))
    assert (first.whole, first.syncs_commands, str(first)) == (False, True, "shards 0,1 of 4")
    assert (rest.whole, rest.syncs_commands) == (False, False)
    assert Shards.every(4) == Shards(4, (0, 1, 2, 3)) and Shards.every(4).whole


TOKEN = {"DISCORD_TOKEN": "t"}


@pytest.mark.parametrize(
    ("env", "shards"),
    [
        ({}, None),  # one process, as before
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,1"}, Shards(4, (0, 1))),
        ({"SHARD_COUNT": " 4 ", "SHARD_IDS": " 3 , 2 "}, Shards(4, (3, 2))),
        ({"SHARD_COUNT": "2"}, Shards(2, (0, 1))),  # every shard, in this one process
        ({"SHARD_COUNT": "1", "SHARD_IDS": "0"}, Shards(1, (0,))),
    ],
)
def test_shard_settings(env, shards):
    assert Settings.from_env(TOKEN | env).shards == shards


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARD_IDS": "0,1"}, "SHARD_IDS='0,1' needs SHARD_COUNT"),
        ({"SHARD_COUNT": "four"}, "SHARD_COUNT='four' is not a number of shards"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT='0' is not a number of shards"),
        ({"SHARD_COUNT": "-2"}, "SHARD_COUNT='-2' is not a number of shards"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0-1"}, r"SHARD_IDS='0-1' is not a list of shard"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,,1"}, r"SHARD_IDS='0,,1' is not a list"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,4"}, r"shard 4 is not one of 0 to 3.*SHARD_COUNT=4"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "2,2"}, r"SHARD_IDS='2,2': shard 2 is named twice"),
    ],
)
def test_bad_shard_settings_say_which_and_how_to_fix(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(TOKEN | env)


async def test_the_store_gives_a_process_only_its_shards_rows(store):
    """Due rows, wake-ups and stale claims, for a process of some shards (the SQL of
    Discord's rule, on snowflake-sized guild ids up to 2**63 - 1)."""
    guilds = {0: (1 << 62) | (8 << 22), 1: (1 << 62) | (9 << 22), 3: (2**63 - 1)}
    assert {n: guild_shard(g, 4) for n, g in guilds.items()} == {0: 0, 1: 1, 3: 3}
    cohorts = {}
    for shard, guild_id in guilds.items():
        made = replace(new_cohort(f"Shard {shard}", channel_id=100 + shard), guild_id=guild_id)
        cohorts[shard] = (await store.cohorts.create(made, [], NOW)).id
        items = [Item(f"module:{w}", ItemKind.MODULE, NOW, week=w) for w in (1, 2)]
        await store.deliveries.plan(cohorts[shard], items, NOW)
    for shard in guilds:
        assert await store.deliveries.claim(cohorts[shard], "module:2", "a process", NOW)
    later = NOW + CLAIM_LEASE

    def of(rows, key=lambda d: d.cohort_id):
        return sorted({key(row) for row in rows})

    for served, expected in [
        (None, [0, 1, 3]),
        (Shards.every(4), [0, 1, 3]),
        (Shards(4, (0, 1)), [0, 1]),
        (Shards(4, (3,)), [3]),
        (Shards(4, (2,)), []),
    ]:
        ids = sorted(cohorts[n] for n in expected)
        assert of(await store.deliveries.due(NOW, KINDS, shards=served)) == ids, served
        assert of(await store.deliveries.stale_claims(later, shards=served)) == ids, served
        wakeups = await store.deliveries.wakeups(KINDS, shards=served)
        assert of(wakeups, key=lambda w: int(w[0].split(":")[0])) == ids, served
        assert len(wakeups) == 2 * len(ids)  # module:1 pending, module:2's lease


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,4"}, "SHARD_IDS='0,4': shard 4 is not one of 0 to 3"),
        ({"SHARD_IDS": "1"}, "SHARD_IDS='1' needs SHARD_COUNT"),
    ],
)
async def test_cohortbot_run_refuses_bad_shards_in_one_line_with_status_2(tmp_path, settings, said):
    # An API base nobody listens on: had the bot tried to log in, it would say so instead.
    base = f"http://127.0.0.1:{refused_port()}/api/v10"
    database = tmp_path / "bot.sqlite3"
    status, err = await cohortbot(
        "run", cwd=tmp_path, DATABASE_PATH=str(database), DISCORD_API_BASE=base, **settings
    )
    assert status == EXIT_SETTINGS == 2
    assert one_line(err).startswith(f"cohortbot: {said}") and err.count("\n") == 1
    assert not database.exists()  # refused before anything was opened
