"""Assignments: handing in from the week's post, and /assignment list and review for staff.

The work is posted in a private thread for the learner and the instructors; the
store keeps who, which week, when, where and whether it was reviewed, never what.
The rules are bot/features/assignments.py, the words bot/assignments.py.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import assignments as words
from bot.app.forms import detached
from bot.app.permissions import is_learner, require
from bot.app.posting import fetched_place
from bot.app.tree import report
from bot.cohort import Cohort
from bot.errors import NotAllowed, UserError
from bot.features.assignments import AssignmentFeature
from bot.features.platform import Sent
from bot.participation import plain
from bot.render import MESSAGE_LIMIT
from cogs._assignment_buttons import HandInForm, SubmitButton, hand_in_values
from cogs._common import CohortName, instructor_cohort, staff_group
from cogs._platform import DiscordPlatform
from cogs.participation import Week, learners_of

if TYPE_CHECKING:
    from bot.app.client import CohortBot


class Assignments(commands.Cog):
    assignment = staff_group("assignment", "Assignments handed in (instructors)")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.feature = AssignmentFeature(DiscordPlatform(bot), bot.store, bot.library, bot.clock)
        bot.add_dynamic_items(SubmitButton)

    # -- handing in --------------------------------------------------------------------

    async def open_form(self, interaction: discord.Interaction, cohort_id: int, week: int) -> None:
        cohort = await self.feature.open_week(cohort_id, week)
        if not is_learner(interaction.user, cohort):
            raise NotAllowed(f"Handing in is for learners of {cohort.name}.")
        await interaction.response.send_modal(detached(HandInForm(cohort_id, week)))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A hand-in form submitted (see ``HandInForm``: answered by its custom id)."""
        form = hand_in_values(interaction)
        if form is None:
            return
        try:
            await self.hand_in(interaction, *form)
        except Exception as error:
            await report(interaction, error)

    async def hand_in(
        self, interaction: discord.Interaction, cohort_id: int, week: int, link: str, note: str
    ) -> None:
        cohort = await self.feature.open_week(cohort_id, week)
        member = interaction.user
        if not isinstance(member, discord.Member) or not is_learner(member, cohort):
            raise NotAllowed(f"Handing in is for learners of {cohort.name}.")
        threads: list[discord.Thread] = []

        async def post(text: str) -> Sent:
            await interaction.response.defer(ephemeral=True, thinking=True)
            thread = await self.learner_thread(cohort, member)
            threads.append(thread)
            mentions = discord.AllowedMentions(users=[member])
            message = await thread.send(text, allowed_mentions=mentions)
            return Sent(thread.id, message.id)

        submission = await self.feature.hand_in(
            cohort, member.id, member.mention, week, link, note, post
        )
        told = self.feature.handed_in(cohort, submission, f"your thread {threads[0].mention}")
        await interaction.followup.send(told, ephemeral=True)

    async def learner_thread(self, cohort: Cohort, member: discord.Member) -> discord.Thread:
        """The learner's private hand-in thread: the one remembered, or a new one."""
        known = await self.bot.store.assignments.thread(cohort.id, member.id)
        if known is not None:
            found = await fetched_place(self.bot, known)  # auto-archived: not cached
            if isinstance(found, discord.Thread):
                return found
        place = self.hand_in_place(cohort)
        name = words.thread_name(member.display_name)
        thread = await self.unrecorded_thread(cohort, place, name)
        if thread is None:
            shared = self.feature.shared(cohort)
            kind = (
                discord.ChannelType.public_thread if shared else discord.ChannelType.private_thread
            )
            thread = await place.create_thread(name=name, type=kind, invitable=False)
        await self.bot.store.assignments.set_thread(cohort.id, member.id, thread.id)
        await thread.add_user(member)
        role = member.guild.get_role(cohort.instructor_role_id or 0)
        creator = member.guild.get_member(cohort.created_by)
        staff = {m.id: m for m in (role.members if role else [])}
        if creator is not None:
            staff[creator.id] = creator
        for instructor in staff.values():
            await thread.add_user(instructor)
        return thread

    async def unrecorded_thread(
        self, cohort: Cohort, place: discord.TextChannel, name: str
    ) -> discord.Thread | None:
        """A thread the bot made for a hand-in and died before recording (nobody was added
        to it yet, so whoever of that name hands in next may have it); else None."""
        recorded = set(await self.bot.store.assignments.threads(cohort.id))
        for thread in await place.guild.active_threads():
            mine = thread.owner_id == place.guild.me.id and thread.parent_id == place.id
            if mine and thread.name == name and thread.id not in recorded:
                return thread
        return None

    def hand_in_place(self, cohort: Cohort) -> discord.TextChannel:
        """A text channel for hand-in threads: the cohort's own, or else (a forum cannot hold
        private threads) its announcements channel. Private threads, unless the course file
        shares hand-ins (``assignments: {shared: yes}``)."""
        for channel_id in (cohort.channel_id, cohort.announcements_channel_id):
            channel = self.bot.get_channel(channel_id) if channel_id else None
            if isinstance(channel, discord.TextChannel):
                require(channel, ("create_private_threads", "send_messages_in_threads"))
                return channel
        raise UserError(
            f"{cohort.name} has no text channel for private hand-in threads (a forum cannot hold"
            " them): ask your instructor to set an announcements channel."
        )

    # -- staff ---------------------------------------------------------------------------

    @assignment.command(name="list", description="Who handed in a week's assignment, and who not")
    @app_commands.describe(cohort="The cohort", week="The week")
    async def list_week(
        self, interaction: discord.Interaction, cohort: CohortName, week: Week
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        guild = interaction.guild
        assert guild is not None  # find_cohort holds only in a server
        learners = learners_of(guild, found)
        text, whole = await self.feature.listing(found, week, learners, MESSAGE_LIMIT)
        files = []
        if whole is not None:  # too long for a message: everything in a file
            data = io.BytesIO(whole.encode("utf-8"))
            files.append(discord.File(data, filename=f"week-{week}-hand-ins.txt"))
        await interaction.response.send_message(text, files=files, ephemeral=True)

    @assignment.command(name="review", description="Mark a hand-in reviewed and DM the feedback")
    @app_commands.describe(
        cohort="The cohort", member="The learner", week="The week", feedback="Sent to them by DM"
    )
    async def review(
        self,
        interaction: discord.Interaction,
        cohort: CohortName,
        member: discord.Member,
        week: Week,
        feedback: app_commands.Range[str, 1, 1500] | None = None,
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        dm = await self.feature.review(
            found, member.id, member.display_name, week, interaction.user.id, feedback
        )
        await interaction.response.defer(ephemeral=True, thinking=True)  # a DM can be slow
        try:
            await member.send(dm)
            told = "and DMed them"
        except discord.HTTPException:
            told = "but their DMs are closed: tell them in their thread"
        await interaction.followup.send(
            f"Week {week} of {plain(member.display_name)} is marked reviewed, {told}.",
            ephemeral=True,
        )


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Assignments(bot))
