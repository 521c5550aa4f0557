"""Which permissions the bot needs where (named as Discord's settings name them), and who asks.

Who may do what is ``bot.access``; this module only translates Discord members and roles.
"""

from __future__ import annotations

import discord

from bot import access
from bot.access import RoleFacts, Standing
from bot.cohort import Cohort
from bot.errors import UserError

POST_IN_FORUM = (
    "view_channel",
    "send_messages",
    "send_messages_in_threads",
    "embed_links",
    "read_message_history",
)
POST_IN_TEXT = (*POST_IN_FORUM, "create_public_threads")
SEND_MESSAGES = ("view_channel", "send_messages", "embed_links")
POST_IN_THREAD = ("view_channel", "send_messages_in_threads", "embed_links")


def label(permission: str) -> str:
    """``send_messages_in_threads`` -> ``Send Messages in Threads``."""
    small = {"in", "of", "and"}
    return " ".join(w if w in small else w.capitalize() for w in permission.split("_"))


def missing(
    channel: discord.abc.GuildChannel | discord.Thread, needed: tuple[str, ...]
) -> list[str]:
    granted = channel.permissions_for(channel.guild.me)
    return [p for p in needed if not getattr(granted, p)]


class MissingPermissions(UserError):
    def __init__(
        self,
        channel: discord.abc.GuildChannel | discord.Thread,
        names: list[str] | tuple[str, ...],
        *,
        refused: bool = False,
    ) -> None:
        listed = ", ".join(f"**{label(n)}**" for n in names)
        what = (
            f"Discord refused my post there (Missing Permissions); I need {listed}"
            if refused
            else f"I am missing {listed} there"
        )
        super().__init__(
            f"I can't post in {channel.mention}: {what}. "
            "Grant my role these permissions in the channel's settings."
        )
        self.names = list(names)


MISSING_PERMISSIONS = 50013  # Discord's error code


def refusal(
    channel: discord.abc.GuildChannel | discord.Thread,
    error: discord.Forbidden,
    needed: tuple[str, ...],
) -> UserError | discord.Forbidden:
    """Discord's 403 in words naming the permissions, when it is about permissions."""
    if error.code != MISSING_PERMISSIONS:
        return error
    return MissingPermissions(channel, missing(channel, needed) or needed, refused=True)


def require(channel: discord.abc.GuildChannel | discord.Thread, needed: tuple[str, ...]) -> None:
    if names := missing(channel, needed):
        raise MissingPermissions(channel, names)


def posting_needs(channel: discord.abc.GuildChannel | discord.Thread) -> tuple[str, ...]:
    if isinstance(channel, discord.Thread):
        return POST_IN_THREAD
    return POST_IN_FORUM if isinstance(channel, discord.ForumChannel) else POST_IN_TEXT


def standing(member: discord.Member | discord.User) -> Standing | None:
    """What ``bot.access`` needs to know about who is asking (None outside a server)."""
    if not isinstance(member, discord.Member):
        return None
    return Standing(
        role_ids=frozenset(role.id for role in member.roles),
        manages_server=member.guild_permissions.manage_guild,
    )


def role_facts(role: discord.Role) -> RoleFacts:
    return RoleFacts(
        id=role.id,
        mention=role.mention,
        everyone=role.is_default(),
        managed=role.managed,
        manages_server=role.permissions.manage_guild or role.permissions.administrator,
    )


def is_instructor(
    member: discord.Member | discord.User, cohort: Cohort, staff_role_id: int | None
) -> bool:
    return access.is_instructor(standing(member), cohort.instructor_role_id, staff_role_id)


def require_instructor(
    member: discord.Member | discord.User, cohort: Cohort, staff_role_id: int | None
) -> None:
    access.require_instructor(
        standing(member), cohort.name, cohort.instructor_role_id, staff_role_id
    )


def is_learner(member: discord.Member | discord.User, cohort: Cohort) -> bool:
    return (
        isinstance(member, discord.Member) and member.get_role(cohort.learner_role_id) is not None
    )
