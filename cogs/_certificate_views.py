"""Asking a learner, privately, how their name should be printed on a certificate.

A button in the certificate DM (``certname:<user id>``, rebuilt after a
restart as a ``DynamicItem``) and ``/certificate name`` open the same form
(answered by its custom id, so across a restart too);
its answer is kept and printed on every certificate still waiting for it,
which then comes back in the reply.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.app.forms import detached, submitted
from bot.app.tree import report, reported
from bot.certificate import NAME_LIMIT, Certificate, filename
from bot.errors import NotAllowed
from bot.features.certificates import pdfs, save_printed_name
from bot.vocabulary import DISCORD

if TYPE_CHECKING:
    from bot.app.client import CohortBot


def pdf_file(certificate: Certificate, pdf: bytes) -> discord.File:
    """A fresh attachment for each send: a File is read as it is sent, so a retry needs another."""
    return discord.File(io.BytesIO(pdf), filename=filename(certificate))


async def pdf_files(certificates: Sequence[Certificate]) -> list[discord.File]:
    """The named certificates as PDF attachments."""
    drawn = await pdfs(certificates, DISCORD)
    return [pdf_file(c, drawn[c.code]) for c in certificates if c.code in drawn]


class NameModal(discord.ui.Modal, title="Your name on the certificate"):
    """Only the form's shape: sent ``detached`` (bot/app/forms.py), it is answered by its
    custom id (:func:`save_name`), so a name typed across a restart is still saved."""

    def __init__(self, current: str | None) -> None:
        super().__init__(timeout=None, custom_id=FORM_ID.pattern)
        self.name: discord.ui.TextInput[NameModal] = discord.ui.TextInput(
            label="Your name as it should be printed",
            custom_id="printed_name",
            placeholder="e.g. Amara N. Okafor",
            default=current,
            max_length=NAME_LIMIT,
        )
        self.add_item(self.name)


FORM_ID = re.compile("certname-form")


async def save_name(interaction: discord.Interaction, typed: str) -> None:
    """Keep the printed name; the certificates that waited for it come back in the reply."""
    bot: CohortBot = interaction.client  # type: ignore[assignment]
    text, named = await save_printed_name(bot.store, bot.clock, interaction.user.id, typed)
    files = await pdf_files(named)  # at most a message's ten; /certificate get has all
    # In a DM the certificate stays in the conversation; in a server only you see it.
    private = interaction.guild is not None
    await interaction.response.send_message(text, files=files, ephemeral=private)


async def answer_name_form(interaction: discord.Interaction) -> None:
    """The name form submitted (``on_interaction``): saved, or a private refusal."""
    form = submitted(interaction, FORM_ID)
    if form is None:
        return
    try:
        await save_name(interaction, form[1].get("printed_name", ""))
    except Exception as error:
        await report(interaction, error)


class NameButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"certname:(?P<user>\d+)",
):
    """ "Set my printed name": for the person the certificate is for, and only for them."""

    def __init__(self, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Set the name for my certificate",
                emoji="🎓",
                style=discord.ButtonStyle.primary,
                custom_id=f"certname:{user_id}",
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> NameButton:
        return cls(int(match["user"]))

    @reported
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            raise NotAllowed("Only the person this certificate is for can set its name.")
        bot: CohortBot = interaction.client  # type: ignore[assignment]
        current = await bot.store.certificates.printed_name(self.user_id)
        await interaction.response.send_modal(detached(NameModal(current)))


def ask_name(user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(NameButton(user_id))
    return view
