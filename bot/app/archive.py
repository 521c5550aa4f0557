"""The archive: every thread a cohort's posts opened, locked and archived.

The threads come from the store (each post that opened one recorded it, and each
learner's hand-in thread) and,
for a record a crash lost, from Discord's own listings of the cohort's
channel, active and archived, recognised by the marker in their first post.
Each is fetched by id through the API, never read from the client's cache:
Discord drops a thread it auto-archived from the cache, and such a thread is
archived but not locked.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.app.markers import footer
from bot.app.permissions import MissingPermissions, missing
from bot.cohort import Cohort
from bot.store import Store


async def archive_cohort(
    client: discord.Client, store: Store, cohort: Cohort, now: datetime
) -> int:
    """Lock and archive each of the cohort's threads; how many needed it."""
    known = set(await store.deliveries.threads(cohort.id))
    for thread_id, key in await _unrecorded(client, cohort, known):
        await store.deliveries.add_thread(cohort.id, key, thread_id, now)
        known.add(thread_id)
    known |= set(await store.assignments.threads(cohort.id))  # learners' hand-in threads
    closed = 0
    for thread_id in sorted(known):
        try:
            thread = await client.fetch_channel(thread_id)
        except discord.NotFound:
            continue  # deleted by someone: nothing left to lock
        if not isinstance(thread, discord.Thread):
            continue
        if not (thread.archived and thread.locked):
            await _close(thread)
            closed += 1
        await store.deliveries.thread_closed(thread_id, now)
    return closed


async def _close(thread: discord.Thread) -> None:
    if names := missing(thread, ("manage_threads",)):
        raise MissingPermissions(thread, names)
    if thread.archived:
        # Discord edits an archived thread only as it unarchives it.
        await thread.edit(archived=False, locked=True)
    await thread.edit(archived=True, locked=True)


async def _unrecorded(
    client: discord.Client, cohort: Cohort, known: set[int]
) -> list[tuple[int, str]]:
    """(thread id, item key) of the bot's threads in the cohort's channel the store lacks."""
    channel = client.get_channel(cohort.channel_id)
    if not isinstance(channel, discord.ForumChannel | discord.TextChannel):
        return []
    me = channel.guild.me
    threads = [t for t in await channel.guild.active_threads() if t.parent_id == channel.id]
    threads += [t async for t in channel.archived_threads(limit=None)]
    found = []
    for thread in threads:
        if thread.id in known or thread.owner_id != me.id:
            continue
        key = await _marked_key(channel, thread, cohort)
        if key is not None:
            found.append((thread.id, key))
    return found


async def _marked_key(
    channel: discord.ForumChannel | discord.TextChannel, thread: discord.Thread, cohort: Cohort
) -> str | None:
    """The item key in the marker of the post that opened ``thread``, if it is this cohort's."""
    # A forum post's starter is the thread's first message; a text channel's thread starts
    # on a message in the channel with the thread's id.
    starter: discord.Message | None = None
    try:
        if isinstance(channel, discord.ForumChannel):
            starter = await anext(aiter(thread.history(limit=1, oldest_first=True)), None)
        else:
            starter = await channel.fetch_message(thread.id)
    except discord.NotFound:
        return None
    if starter is None:
        return None
    prefix = footer(f"{cohort.marker} · ")
    for embed in starter.embeds:
        text = embed.footer.text or ""
        if starter.author.id == thread.owner_id and text.startswith(prefix):
            return text.removeprefix(prefix)
    return None
