"""``cohortbot run`` with Slack tokens: the Slack app, and the Discord bot beside it when
``DISCORD_TOKEN`` is set too (one process, one database, one event loop, one scheduler,
one course library and reload).

The start fails as the Discord one does: one line on stderr naming the setting, and the
same exit statuses (2 settings, 3 refused, 4 unreachable).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.features.course_files import Courses
from bot.features.scheduler import WakeUps
from bot.settings import Settings
from bot.slack.app import DEFAULT_API_BASE, SlackBot

EXIT_LOGIN_REFUSED = 3
EXIT_UNREACHABLE = 4
# Slack's libraries log whole payloads (with what people wrote) at DEBUG: never below WARNING.
CHATTY = ("slack_bolt", "slack_sdk")


def quiet_slack_libraries() -> None:
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)


async def serve(
    settings: Settings,
    alongside: Callable[[], Awaitable[None]] | None,
    beside: WakeUps | None = None,
    courses: Courses | None = None,
) -> None:
    assert settings.slack is not None
    slack = SlackBot(
        settings.slack,
        database=settings.store_target,
        prompts_dir=settings.prompts_dir,
        beside=beside,
        courses=courses,
    )
    try:
        await slack.start()
        if alongside is not None:
            await alongside()
        else:
            await asyncio.Event().wait()  # until the process is stopped
    finally:
        await slack.close()


def run_slack(
    settings: Settings,
    alongside: Callable[[], Awaitable[None]] | None = None,
    beside: WakeUps | None = None,
    courses: Courses | None = None,
) -> int:
    assert settings.slack is not None
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)-8s %(name)s %(message)s"
        )
    quiet_slack_libraries()
    try:
        asyncio.run(serve(settings, alongside, beside, courses))
    except SlackApiError as error:
        if error.response.get("error") in ("invalid_auth", "not_authed", "account_inactive"):
            return fail(
                "Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth Token"
                " from your app's OAuth & Permissions page into .env",
                EXIT_LOGIN_REFUSED,
            )
        if error.response.get("error") == "not_allowed_token_type":
            return fail(
                "Slack refused SLACK_APP_TOKEN: it must be an app-level token (xapp-)",
                EXIT_LOGIN_REFUSED,
            )
        raise
    except (aiohttp.ClientConnectionError, OSError) as error:
        base = settings.slack.api_base or DEFAULT_API_BASE
        return fail(
            f"cannot reach Slack at {base}: {error}; check the network or SLACK_API_BASE",
            EXIT_UNREACHABLE,
        )
    except KeyboardInterrupt:
        return 0
    return 0


def fail(message: str, status: int) -> int:
    print(f"cohortbot: {message}", file=sys.stderr)
    return status
