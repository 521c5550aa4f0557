"""Certificates of completion: issued at the consultation end or by an instructor, by DM.

The rules, words and PDF are bot/certificate.py; the records bot/store/certificates.py;
asking for the printed name cogs/_certificate_views.py.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.deliveries import describe
from bot.app.fanout import FanoutResult, send_dms
from bot.app.forms import detached
from bot.app.permissions import is_learner
from bot.certificate import (
    Certificate,
    long_date,
)
from bot.cohort import Cohort
from bot.errors import NotFound
from bot.features import certificates as shared
from bot.features.certificates import DM_KEY, CertificateIssuing
from bot.features.participation import ParticipationFeature
from bot.participation import fit, plain, plural
from bot.vocabulary import DISCORD
from cogs._certificate_views import (
    NameButton,
    NameModal,
    answer_name_form,
    ask_name,
    pdf_file,
    pdf_files,
    pdfs,
)
from cogs._common import CohortName, find_cohort, instructor_cohort, staff_group
from cogs._platform import DiscordPlatform

if TYPE_CHECKING:
    from bot.app.client import CohortBot


class Certificates(commands.Cog):
    certificate = app_commands.Group(
        name="certificate", description="Your certificates of completion, and checking one"
    )
    # Discord hides commands per top-level name, so staff's are a group of their own.
    certificates = staff_group("certificates", "The cohort's certificates of completion (staff)")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        platform = DiscordPlatform(bot)
        participation = ParticipationFeature(
            platform, bot.store, bot.library, bot.clock, bot.tracker.flush
        )
        self.issuing = CertificateIssuing(
            platform, bot.store, bot.library, bot.clock, participation, self.send_to
        )
        self.issuing.register(bot.deliveries)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(NameButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(NameButton)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await answer_name_form(interaction)

    # -- issuing -------------------------------------------------------------------------

    async def certificate_for(
        self, cohort: Cohort, user_id: int, issued_by: int | None
    ) -> tuple[Certificate, bool]:
        return await self.issuing.certificate_for(cohort, user_id, issued_by)

    async def send(
        self,
        cohort: Cohort,
        members: Sequence[discord.Member],
        certificates: dict[int, Certificate],
    ) -> FanoutResult:
        """Each member's certificate by DM (or the question of their printed name), once."""
        drawn = await pdfs([certificates[m.id] for m in members], DISCORD)

        def message(user: discord.User | discord.Member) -> dict[str, Any]:
            certificate = certificates[user.id]
            head = f"Congratulations! You completed **{certificate.course_title}** ({cohort.name})."
            if certificate.code in drawn:
                return {
                    "content": f"{head} Your certificate of completion is attached; its "
                    f"verification code is **{certificate.code}**. `/certificate get` fetches "
                    "it again.",
                    "file": pdf_file(certificate, drawn[certificate.code]),  # new on a retry
                }
            return {
                "content": f"{head} Before I print your certificate: how should your name "
                "appear on it? (Discord names are often not the name an employer knows.) "
                "Press the button; I ask only once, and `/certificate name` changes it later.",
                "view": ask_name(user.id),
            }

        return await send_dms(
            self.bot.store,
            self.bot.clock,
            cohort.id,
            DM_KEY,
            members,
            message,
            pacer=self.bot.pacer,
        )

    async def send_to(
        self, cohort: Cohort, user_ids: list[int], certificates: dict[int, Certificate]
    ) -> FanoutResult:
        """The shared issuing's DMs: to these members of the cohort's server."""
        guild = self.bot.get_guild(cohort.guild_id)
        if guild is None:
            raise NotFound(f"I am no longer in the server of cohort {cohort.name}.")
        members = [m for i in user_ids if (m := guild.get_member(i))]
        return await self.send(cohort, members, certificates)

    # -- staff ---------------------------------------------------------------------------

    @certificates.command(name="issue", description="Issue a learner's certificate by hand")
    @app_commands.describe(cohort="The cohort", member="The learner who gets the certificate")
    async def issue(
        self, interaction: discord.Interaction, cohort: CohortName, member: discord.Member
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        if not is_learner(member, found):
            raise NotFound(f"{member.display_name} is not a learner in {found.name}.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        certificate, new = await self.certificate_for(found, member.id, interaction.user.id)
        text = shared.issued_by_hand(plain(member.display_name), found, certificate, new)
        try:
            result = await self.send(found, [member], {member.id: certificate})
        except discord.HTTPException as error:  # recorded, not sent: running it again sends it
            text += f" I could not DM it ({describe(error)}): run this again to retry."
            await interaction.followup.send(text, ephemeral=True)
            return
        await interaction.followup.send(text + shared.dm_outcome(result), ephemeral=True)

    @certificates.command(name="list", description="The cohort's certificates of completion")
    @app_commands.describe(cohort="The cohort")
    async def list_(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        certificates = await self.bot.store.certificates.in_cohort(found.id)
        lines = [_listed(c) for c in certificates]
        count = plural(len(certificates), "certificate", "certificates")
        head = f"{count} of completion in {found.name}."
        body = fit(lines, 3900, "\n", lambda n: f"… and {n} more: see the file")
        files = []
        if body != "\n".join(lines):
            data = io.BytesIO("\n".join([head, *lines]).encode("utf-8"))
            files.append(discord.File(data, filename="certificates.txt"))
        embed = discord.Embed(title=f"Certificates: {found.name}", description=body or None)
        await interaction.response.send_message(head, embed=embed, files=files, ephemeral=True)

    # -- anyone --------------------------------------------------------------------------

    @certificate.command(name="get", description="Your certificates of completion, again")
    @app_commands.describe(cohort="Which cohort (default: all your certificates)")
    async def get(self, interaction: discord.Interaction, cohort: CohortName | None = None) -> None:
        named = await find_cohort(self.bot, interaction, cohort) if cohort is not None else None
        mine = await shared.mine(self.bot.store, interaction.user.id, named.id if named else None)
        if shared.waiting_for_a_name(mine):
            await interaction.response.send_message(
                shared.WAITING, view=ask_name(interaction.user.id), ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        files = await pdf_files(mine[: shared.SHOWN])
        await interaction.followup.send(shared.listing(mine), files=files, ephemeral=True)

    @certificate.command(name="name", description="The name printed on your certificates")
    async def name(self, interaction: discord.Interaction) -> None:
        current = await self.bot.store.certificates.printed_name(interaction.user.id)
        await interaction.response.send_modal(detached(NameModal(current)))

    @certificate.command(name="verify", description="Check a certificate's verification code")
    @app_commands.describe(code="The code printed on the certificate, e.g. K7QX4-M2ZPA")
    async def verify(
        self, interaction: discord.Interaction, code: app_commands.Range[str, 1, 40]
    ) -> None:
        await interaction.response.send_message(
            await shared.verify(self.bot.store, code), ephemeral=True
        )


def _listed(certificate: Certificate) -> str:
    name = plain(certificate.name) if certificate.name else "*(name not given yet)*"
    how = f"by <@{certificate.issued_by}>" if certificate.issued_by else "on completion"
    issued = long_date(certificate.issued_at.date())
    return f"`{certificate.code}` {name} (<@{certificate.user_id}>), issued {issued} {how}"


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Certificates(bot))
