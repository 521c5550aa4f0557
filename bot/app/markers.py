"""Finding the bot's own post or DM again, after a crash between send and record.

Every post carries its delivery's marker (``cohort 3 · module:2``) in an
embed footer; every DM of a fan-out carries its marker as the last line, in
Discord's small subtext (``-# cohortbot · cohort 3 · nudge:2``). A claim
left behind by a dead process is settled by looking for that marker in the
channel (or the person's DM channel) before anything is sent again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import discord

MARKER_PREFIX = "cohortbot · "
MESSAGE_LIMIT = 2000  # characters in a message's content
SUBTEXT = "-# "  # Discord markdown: a small grey line


def footer(marker: str) -> str:
    return f"{MARKER_PREFIX}{marker}"


def carries(message: discord.Message, marker: str) -> bool:
    return any(embed.footer.text == footer(marker) for embed in message.embeds)


def marked_text(content: str, marker: str) -> str:
    """``content`` with ``marker`` as its last line, cut to fit one message if need be."""
    line = f"\n{SUBTEXT}{footer(marker)}"
    room = MESSAGE_LIMIT - len(line)
    if len(content) > room:
        content = content[: room - 1] + "…"
    return content + line


def text_carries(message: discord.Message, marker: str) -> bool:
    return message.content.endswith(f"\n{SUBTEXT}{footer(marker)}")


async def find_dm(
    user: discord.User | discord.Member, marker: str, since: datetime
) -> discord.Message | None:
    """The bot's DM to ``user`` carrying ``marker``, sent after ``since``.

    The bot may read its own DMs without the message-content intent.
    """
    channel = user.dm_channel or await user.create_dm()
    after = since - timedelta(minutes=1)  # clock skew between us and Discord
    async for message in channel.history(after=after, limit=200):
        if message.author.id == channel.me.id and text_carries(message, marker):
            return message
    return None


async def find_marked(
    channel: discord.abc.GuildChannel | discord.Thread, marker: str, since: datetime
) -> discord.Message | None:
    """The bot's message carrying ``marker`` posted after ``since`` in ``channel`` (or its threads)."""
    after = since - timedelta(minutes=1)  # clock skew between us and Discord
    if isinstance(channel, discord.ForumChannel):
        for thread in await _threads(channel):
            if thread.created_at is not None and thread.created_at < after:
                continue
            found = await _search(thread, marker, after)
            if found:
                return found
        return None
    if isinstance(channel, discord.TextChannel | discord.Thread):
        return await _search(channel, marker, after)
    return None


async def _threads(forum: discord.ForumChannel) -> list[discord.Thread]:
    threads = list(forum.threads)
    async for thread in forum.archived_threads(limit=100):
        threads.append(thread)
    return threads


async def _search(
    channel: discord.TextChannel | discord.Thread, marker: str, after: datetime
) -> discord.Message | None:
    me = channel.guild.me
    async for message in channel.history(after=after, limit=200):
        if message.author.id == me.id and carries(message, marker):
            return message
    return None
