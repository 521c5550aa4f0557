"""Posting a rendered ``Post`` where a cohort lives: a forum post, or a message with a thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

from bot.app.deliveries import Sent
from bot.app.markers import find_marked, footer
from bot.app.permissions import posting_needs, refusal, require
from bot.errors import UserError
from bot.render import Post

TAG_LIMIT = 20  # Discord's maximum number of tags on a forum


async def channel_named(
    client: discord.Client, channel_id: int
) -> discord.abc.GuildChannel | discord.Thread:
    channel = client.get_channel(channel_id)
    if channel is None:
        try:
            fetched = await client.fetch_channel(channel_id)
        except discord.NotFound:
            raise UserError(f"the channel <#{channel_id}> no longer exists") from None
        channel = fetched
    if not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        raise UserError(f"<#{channel_id}> is not a server channel")
    return channel


async def fetched_place(
    client: discord.Client, channel_id: int
) -> discord.TextChannel | discord.Thread | None:
    """A text channel or thread by id, fetched when not cached (Discord drops a thread it
    auto-archived from the cache); None if it is gone or is neither."""
    try:
        channel = await channel_named(client, channel_id)
    except UserError:
        return None
    return channel if isinstance(channel, discord.TextChannel | discord.Thread) else None


def embed_for(post: Post, marker: str) -> discord.Embed:
    embed = discord.Embed(title=post.title, description=post.body)
    embed.set_footer(text=footer(marker))
    return embed


async def publish(
    channel: discord.abc.GuildChannel | discord.Thread,
    post: Post,
    marker: str,
    *,
    tag: str | None = None,
    view: discord.ui.View | None = None,
) -> Sent:
    """A forum post in a forum; elsewhere a message, with a thread when ``tag`` names a week."""
    needs = posting_needs(channel)
    require(channel, needs)
    try:
        return await _publish(channel, post, marker, tag, view)
    except discord.Forbidden as error:
        raise refusal(channel, error, needs) from error


async def _publish(
    channel: discord.abc.GuildChannel | discord.Thread,
    post: Post,
    marker: str,
    tag: str | None,
    view: discord.ui.View | None,
) -> Sent:
    embed = embed_for(post, marker)
    extra: dict[str, Any] = {"view": view} if view is not None else {}
    if isinstance(channel, discord.ForumChannel):
        tags = [found] if tag and (found := await forum_tag(channel, tag)) else []
        created = await channel.create_thread(
            name=post.title, embed=embed, applied_tags=tags, **extra
        )
        thread, message = created.thread, created.message
    elif isinstance(channel, discord.TextChannel | discord.Thread):
        message = await channel.send(embed=embed, **extra)
        if tag is None or isinstance(channel, discord.Thread):
            return Sent(channel.id, message.id)
        thread = await message.create_thread(name=post.title)
    else:
        raise UserError(f"I can only post in forum or text channels, not in {channel.mention}")
    for more in post.more:
        await thread.send(more)
    return Sent(thread.id, message.id, thread_id=thread.id)


async def forum_tag(forum: discord.ForumChannel, name: str) -> discord.ForumTag | None:
    """The forum's tag called ``name``, created if missing and the bot may."""
    for existing in forum.available_tags:
        if existing.name == name:
            return existing
    me = forum.guild.me
    if not forum.permissions_for(me).manage_channels or len(forum.available_tags) >= TAG_LIMIT:
        return None
    return await forum.create_tag(name=name)


async def find_published(
    channel: discord.abc.GuildChannel | discord.Thread, marker: str, since: datetime
) -> Sent | None:
    """The post ``publish`` made for ``marker``, if a crash hid it from the database."""
    message = await find_marked(channel, marker, since)
    if message is None:
        return None
    if isinstance(message.channel, discord.Thread) and isinstance(channel, discord.ForumChannel):
        return Sent(message.channel.id, message.id, thread_id=message.channel.id)
    if message.thread is not None:
        return Sent(message.thread.id, message.id, thread_id=message.thread.id)
    return Sent(message.channel.id, message.id)
