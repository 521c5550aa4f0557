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
CORE = sorted(
    p for p in (ROOT / "bot").rglob("*.py") if "app" not in p.relative_to(ROOT / "bot").parts
)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def test_every_core_module_imports_with_discord_blocked():
    modules = [module_name(p) for p in CORE if p.name != "cli.py"]
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'discord' or name.startswith('discord.'):\n"
        "            raise ImportError('the core must not import discord: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for name in {modules!r}:\n"
        "    __import__(name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert len(modules) > 8


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
