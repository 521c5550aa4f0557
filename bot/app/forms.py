"""Forms (modals) answered by their custom id, not by an object kept in memory.

discord.py keeps an open modal in memory under its custom id until it is
submitted: one opened before a restart is then dropped without a word, and two
people with the same form open share one entry. A form built with
``detached`` is not kept; the cog's ``on_interaction`` listener reads what was
typed with :func:`submitted` and answers it.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import discord

M = TypeVar("M", bound=discord.ui.Modal)


def detached(form: M) -> M:
    """The form, not kept by discord.py when sent: its submission reaches ``on_interaction``."""
    form.stop()  # send_modal keeps only a modal that has not finished
    return form


def submitted(
    interaction: discord.Interaction, custom_id: re.Pattern[str]
) -> tuple[re.Match[str], dict[str, str]] | None:
    """(the custom id's match, each text input's value by its id) when the interaction
    submits a form whose custom id matches; else None."""
    if interaction.type is not discord.InteractionType.modal_submit or not interaction.data:
        return None
    data: dict[str, Any] = dict(interaction.data)
    match = custom_id.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return None
    values: dict[str, str] = {}
    stack: list[Any] = list(data.get("components", []))
    while stack:  # rows (or labels) hold the text inputs
        component = stack.pop()
        stack += component.get("components", [])
        if "component" in component:
            stack.append(component["component"])
        if "value" in component:
            values[component["custom_id"]] = str(component["value"])
    return match, values
