"""The one error policy for every slash command and component."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bot.errors import UserError

log = logging.getLogger(__name__)


def explain(error: BaseException) -> str | None:
    """The message for an expected error, or None when it is a bug."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserError):
        return str(error)
    if isinstance(error, app_commands.TransformerError):
        return f"{error.value!r} is not a valid {error.type.name.lower()} here."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    if isinstance(error, discord.Forbidden):
        return (
            f"Discord refused: {error.text or 'missing permissions'}. Check my role's permissions."
        )
    return None


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


async def report(interaction: discord.Interaction, error: BaseException) -> None:
    """Expected errors become a short private reply; bugs are logged with a reference id."""
    message = explain(error)
    if message is None:
        reference = uuid.uuid4().hex[:8]
        log.error("unexpected error (ref %s) in %s", reference, _where(interaction), exc_info=error)
        message = (
            f"Sorry, something went wrong on my side. It has been logged as **{reference}**;"
            " please quote that to your server's admins."
        )
    try:
        await reply_privately(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell %s about an error", interaction.user.id)


def _where(interaction: discord.Interaction) -> str:
    command = interaction.command
    return f"/{command.qualified_name}" if command else f"component {interaction.data!r}"


Callback = Callable[[Any, discord.Interaction], Coroutine[Any, Any, None]]


def reported(callback: Callback) -> Callback:
    """The same error policy for buttons, whose errors never reach the command tree."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction) -> None:
        try:
            await callback(self, interaction)
        except Exception as error:
            await report(interaction, error)

    return wrapper


class CohortTree(app_commands.CommandTree):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report(interaction, error)
