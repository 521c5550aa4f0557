"""Files for one person (a CSV, a chart, an ``.ics``, a whole list, their data): into their
DM with the bot by ``files_upload_v2``, as Discord attaches them to an answer only they see."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import mrkdwn


async def dm_file(
    client: AsyncWebClient,
    user: str,
    *,
    filename: str,
    content: bytes,
    title: str,
    comment: str | None = None,
) -> None:
    """``content`` as ``filename`` in ``user``'s DM, with ``comment`` (Markdown) above it."""
    dm = await client.conversations_open(users=user)
    extra: dict[str, Any] = {"initial_comment": mrkdwn(comment)} if comment else {}
    await client.files_upload_v2(
        channel=dm["channel"]["id"], filename=filename, content=content, title=title, **extra
    )
