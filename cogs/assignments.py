"""Assignments: handing in from the week's post, and /assignment list and review for staff.

The work is posted in a private thread for the learner and the instructors; the
store keeps who, which week, when, where and whether it was reviewed, never what.
The rules and words are bot/assignments.py.
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
from bot.assignments import Submission
from bot.cohort import Cohort
from bot.errors import InvalidInput, NotAllowed, NotFound, UserError
from bot.participation import plain
from bot.render import MESSAGE_LIMIT
from cogs._assignment_buttons import HandInForm, SubmitButton, hand_in_values
from cogs._common import CohortName, instructor_cohort, staff_group
from cogs.participation import Week, learners_of

if TYPE_CHECKING:
    from bot.app.client import CohortBot


class Assignments(commands.Cog):
    assignment = staff_group("assignment", "Assignments handed in (instructors)")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        bot.add_dynamic_items(SubmitButton)

    async def cohort_week(self, cohort_id: int, week: int) -> Cohort:
        """The cohort, if it still exists and the week sets an assignment."""
        cohort = await self.bot.store.cohorts.get(cohort_id)
        if cohort is None:
            raise NotFound("that cohort no longer exists")
        self.require_assignment(cohort, week)
        cohort.require_running()
        return cohort

    def require_assignment(self, cohort: Cohort, week: int) -> None:
        course = self.bot.library.get(cohort.course_id)
        if week > len(course.weeks):
            raise InvalidInput(f"{cohort.name}'s course has weeks 1 to {len(course.weeks)}.")
        if course.week(week).assignment is None:
            raise InvalidInput(f"Week {week} of {cohort.name} has no assignment.")

    def is_late(self, cohort: Cohort, week: int) -> bool:
        """Late or on time; refused once the consultation window has closed."""
        calendar = cohort.calendar(self.bot.library.get(cohort.course_id))
        return words.hand_in_is_late(calendar, week, self.bot.clock.now())

    # -- handing in --------------------------------------------------------------------

    async def open_form(self, interaction: discord.Interaction, cohort_id: int, week: int) -> None:
        cohort = await self.cohort_week(cohort_id, week)
        if not is_learner(interaction.user, cohort):
            raise NotAllowed(f"Handing in is for learners of {cohort.name}.")
        self.is_late(cohort, week)  # says so when hand-ins have closed
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
        cohort = await self.cohort_week(cohort_id, week)
        member = interaction.user
        if not isinstance(member, discord.Member) or not is_learner(member, cohort):
            raise NotAllowed(f"Handing in is for learners of {cohort.name}.")
        given_link, given_note = words.hand_in(link, note)
        late = self.is_late(cohort, week)
        await interaction.response.defer(ephemeral=True, thinking=True)
        thread = await self.learner_thread(cohort, member)
        text = words.submission_post(member.mention, week, given_link, given_note, late)
        message = await thread.send(text, allowed_mentions=discord.AllowedMentions(users=[member]))
        # Posted, then recorded: a crash between the two leaves the post in the thread,
        # and handing in again reuses the thread and records the new post.
        now = self.bot.clock.now()
        submission = Submission(cohort.id, member.id, week, now, late, thread.id, message.id)
        await self.bot.store.assignments.record(submission)
        said = "Handed in" + (" (late, and accepted)" if late else "")
        shared = self.bot.library.get(cohort.course_id).assignments_shared
        who = (
            "your classmates can read it too" if shared else "only you and your instructors see it"
        )
        await interaction.followup.send(
            f"{said}: week {week}, in your thread {thread.mention}. Add files there if"
            f" you like; {who}.",
            ephemeral=True,
        )

    async def learner_thread(self, cohort: Cohort, member: discord.Member) -> discord.Thread:
        """The learner's private hand-in thread: the one remembered, or a new one."""
        known = await self.bot.store.assignments.thread(cohort.id, member.id)
        if known is not None:
            found = await fetched_place(self.bot, known)  # auto-archived: not cached
            if isinstance(found, discord.Thread):
                return found
        place = self.hand_in_place(cohort)
        shared = self.bot.library.get(cohort.course_id).assignments_shared
        kind = discord.ChannelType.public_thread if shared else discord.ChannelType.private_thread
        thread = await place.create_thread(
            name=words.thread_name(member.display_name), type=kind, invitable=False
        )
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
        self.require_assignment(found, week)
        guild = interaction.guild
        assert guild is not None  # find_cohort holds only in a server
        submissions = await self.bot.store.assignments.for_week(found.id, week)
        learners = learners_of(guild, found)
        whole = words.listing(guild.id, week, learners, submissions)
        text = words.listing(guild.id, week, learners, submissions, room=MESSAGE_LIMIT)
        files = []
        if text != whole:  # too long for a message: everything in a file
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
        self.require_assignment(found, week)
        submission = await self.bot.store.assignments.get(found.id, member.id, week)
        if submission is None:
            raise NotFound(f"{member.display_name} has not handed in week {week}.")
        now = self.bot.clock.now()
        await self.bot.store.assignments.review(found.id, member.id, week, interaction.user.id, now)
        course = self.bot.library.get(found.course_id)
        link = words.where(found.guild_id, submission)
        try:
            await member.send(words.feedback_dm(course.title, week, feedback, link))
            told = "and DMed them"
        except discord.HTTPException:
            told = "but their DMs are closed: tell them in their thread"
        await interaction.response.send_message(
            f"Week {week} of {plain(member.display_name)} is marked reviewed, {told}.",
            ephemeral=True,
        )


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Assignments(bot))
