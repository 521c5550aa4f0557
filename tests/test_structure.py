"""The shape the design promises: a pure core, one loadable extension per feature, guessable commands."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.app.client import EXTENSIONS

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
# The pure core: every module of bot/ but the adapters (bot/app/ for Discord, bot/slack/ for
# Slack), the features they share (bot/features/), the store and the CLI.
LAYERS = {"app", "slack", "features", "store"}
CORE = sorted(
    p
    for p in BOT.rglob("*.py")
    if not LAYERS & set(p.relative_to(BOT).parts) and p.name != "cli.py"
)
STORE = sorted((BOT / "store").rglob("*.py"))
FEATURES = sorted((BOT / "features").rglob("*.py"))
SLACK = sorted((BOT / "slack").rglob("*.py"))
DISCORD = sorted((BOT / "app").rglob("*.py")) + sorted((ROOT / "cogs").rglob("*.py"))
# What each layer must not import: the core runs with no Discord, no event-loop
# libraries and no test doubles; the store knows SQL and nothing of Discord.
PLATFORMS = ("discord", "simcord")
CORE_BLOCKED = (*PLATFORMS, "aiosqlite", "asyncpg", "apscheduler")
STORE_BLOCKED = (*PLATFORMS, "apscheduler")
# The shared features know the store and the core, neither platform nor either adapter;
# each adapter knows its own platform and never the other adapter.
SLACK_LIBRARIES = ("slack_bolt", "slack_sdk")
ADAPTERS = ("bot.app", "cogs", "bot.slack")
FEATURES_BLOCKED = (*PLATFORMS, *SLACK_LIBRARIES, *ADAPTERS)
DISCORD_BLOCKED = (*SLACK_LIBRARIES, "bot.slack")
SLACK_BLOCKED = (*PLATFORMS, "bot.app", "cogs")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def import_with_blocked(modules: list[str], blocked: tuple[str, ...]) -> None:
    script = (
        "import sys\n"
        f"BLOCKED = {blocked!r}\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if any(name == b or name.startswith(b + '.') for b in BLOCKED):\n"
        "            raise ImportError('this layer must not import ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for name in {modules!r}:\n"
        "    __import__(name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_every_core_module_imports_with_discord_and_io_libraries_blocked():
    modules = [module_name(p) for p in CORE]
    assert len(modules) > 8 and "bot.participation" in modules
    import_with_blocked(modules, CORE_BLOCKED)


def test_the_store_imports_with_discord_and_the_scheduler_blocked():
    modules = [module_name(p) for p in STORE]
    assert "bot.store.deliveries" in modules
    import_with_blocked(modules, STORE_BLOCKED)


def test_the_shared_features_import_neither_platform_nor_adapter():
    modules = [module_name(p) for p in FEATURES]
    assert "bot.features.deliveries" in modules and "bot.features.fanout" in modules
    import_with_blocked(modules, FEATURES_BLOCKED)


def test_the_discord_adapter_never_imports_slack():
    import_with_blocked([module_name(p) for p in DISCORD], DISCORD_BLOCKED)


def test_the_slack_adapter_never_imports_discord():
    modules = [module_name(p) for p in SLACK]
    if modules:
        import_with_blocked(modules, SLACK_BLOCKED)


def test_the_block_catches_a_forbidden_import():
    with pytest.raises(AssertionError, match="must not import aiosqlite"):
        import_with_blocked(["bot.store.db"], CORE_BLOCKED)


def test_the_block_catches_a_forbidden_adapter_by_its_dotted_name():
    """``bot.app`` and ``bot.slack`` are blocked as themselves, not as ``bot`` (everything)."""
    with pytest.raises(AssertionError, match=r"must not import bot\.slack"):
        import_with_blocked(["bot.slack.ids"], ("bot.slack",))
    import_with_blocked(["bot.cohort"], ("bot.slack",))


# Every import statement of each layer (at the top, inside a function, under
# TYPE_CHECKING: a late import is still a dependency), read from the source: what it
# must not name. The core is below the store, the store below the features, the
# features below both adapters; neither adapter names the other.
NEVER_NAMED = {
    "core": (CORE, (*PLATFORMS, *SLACK_LIBRARIES, *ADAPTERS, "bot.features", "bot.store")),
    "store": (STORE, (*PLATFORMS, *SLACK_LIBRARIES, *ADAPTERS, "bot.features")),
    "features": (FEATURES, FEATURES_BLOCKED),
    "discord": (DISCORD, DISCORD_BLOCKED),
    "slack": (SLACK, SLACK_BLOCKED),
}


def imported_names(source: str, package: str) -> list[tuple[int, str]]:
    """(line, module) of every import in a module of ``package``, relative ones resolved."""
    parts = package.split(".")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def package_of(path: Path) -> str:
    name = module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def forbidden(lines: list[tuple[int, str]], never: tuple[str, ...]) -> list[tuple[int, str]]:
    return [(n, m) for n, m in lines if any(m == x or m.startswith(x + ".") for x in never)]


@pytest.mark.parametrize("layer", NEVER_NAMED)
def test_no_layer_names_what_it_must_not_even_in_a_late_import(layer):
    paths, never = NEVER_NAMED[layer]
    assert paths
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in paths
        for line, name in forbidden(imported_names(path.read_text(), package_of(path)), never)
    ]
    assert not found


def test_the_import_reader_sees_late_and_relative_imports():
    # In bot/features: the Slack adapter imported inside a function, the Discord adapter
    # relatively; both are seen, and the features' own imports are not.
    source = (
        "from bot.features.platform import Sent\n"
        "def f():\n    from bot.slack.commands import usage\n"
        "from ..app import client\n"
    )
    found = forbidden(imported_names(source, "bot.features"), FEATURES_BLOCKED)
    assert sorted(found) == [
        (3, "bot.slack.commands"),
        (3, "bot.slack.commands.usage"),
        (4, "bot.app"),
        (4, "bot.app.client"),
    ]


def test_the_cli_imports_discord_only_inside_commands_that_start_the_bot():
    tree = ast.parse((ROOT / "bot" / "cli.py").read_text())
    top_level = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = [getattr(n, "module", None) or n.names[0].name for n in top_level]
    assert not any(name.startswith(("discord", "bot.app")) for name in names), names


@pytest.mark.parametrize("extension", EXTENSIONS)
async def test_each_extension_is_a_file_that_loads(world, extension):
    assert (ROOT / Path(*extension.split("."))).with_suffix(".py").exists()
    assert extension in world.bot.extensions


async def test_every_command_and_option_is_described_and_names_are_unique(world):
    seen: set[str] = set()
    commands = world.bot.tree.get_commands()
    assert commands
    for command in commands:
        assert command.name not in seen, f"/{command.name} is defined twice"
        seen.add(command.name)
        children = command.commands if isinstance(command, app_commands.Group) else [command]
        assert command.description and command.description != "…"
        sub_names = [c.name for c in children]
        assert len(sub_names) == len(set(sub_names)), sub_names
        for child in children:
            assert child.description and child.description != "…", child.qualified_name
            for parameter in getattr(child, "parameters", []):
                assert parameter.description and parameter.description != "…", (
                    f"/{child.qualified_name} {parameter.name} has no description"
                )


def test_the_bot_never_asks_for_message_content():
    from bot.app.client import required_intents

    intents = required_intents()
    assert not intents.message_content
    assert intents.guild_messages and intents.members and intents.guilds
    assert intents.value == (discord.Intents(guilds=True, guild_messages=True, members=True).value)


def test_no_cog_grows_past_three_hundred_lines():
    """A long cog hides feature logic that belongs in bot/features, below both adapters."""
    long = {
        p.name: n
        for p in (ROOT / "cogs").glob("*.py")
        if (n := len(p.read_text().splitlines())) > 300
    }
    assert not long, long
