"""Who is who in the workspace, remembered briefly: ``users.info`` and user groups' members.

A report over a cohort asks, for each learner, their name, whether they are an admin
and which of the staff and instructor groups they are in. Asked of Slack each time,
that is up to three calls per learner per report; remembered for ``CACHE_FOR`` (by the
injected clock), it is one ``users.info`` per person and one ``usergroups.users.list``
per group, whatever the number of call sites.

Access checks read the same answers, so the window is also how stale a right may be:
someone taken out of the staff group (or made no longer an admin) loses staff rights
at the latest ``CACHE_FOR`` later, and at once when Slack tells the app
(``subteam_members_changed``, ``user_change``: ``slack-manifest.yaml`` subscribes to both
and ``forget_*`` drops the entry).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock

CACHE_FOR = timedelta(minutes=2)
T = TypeVar("T")


class Directory:
    def __init__(self, client: AsyncWebClient, clock: Clock, keep: timedelta = CACHE_FOR) -> None:
        self.client = client
        self.clock = clock
        self.keep = keep
        self._users: dict[str, tuple[datetime, dict[str, Any]]] = {}
        self._groups: dict[str, tuple[datetime, tuple[str, ...]]] = {}
        self._forgotten = 0  # how many times an event dropped an entry

    async def user(self, user: str) -> dict[str, Any]:
        """The ``user`` object of ``users.info`` (a refusal, e.g. ``user_not_found``, raises
        and is not remembered)."""

        async def ask() -> dict[str, Any]:
            return dict((await self.client.users_info(user=user))["user"])

        return await self._remembered(self._users, user, ask)

    async def members(self, group: str) -> tuple[str, ...]:
        """The user ids in a user group (``usergroups.users.list``), in Slack's order."""

        async def ask() -> tuple[str, ...]:
            return tuple((await self.client.usergroups_users_list(usergroup=group))["users"])

        return await self._remembered(self._groups, group, ask)

    async def _remembered(
        self, table: dict[str, tuple[datetime, T]], key: str, ask: Callable[[], Awaitable[T]]
    ) -> T:
        """``table[key]`` if asked within ``keep`` (by the clock), else asked afresh."""
        now = self.clock.now()
        hit = table.get(key)
        if hit is not None and hit[0] <= now < hit[0] + self.keep:
            return hit[1]
        forgotten = self._forgotten
        answer = await ask()
        if forgotten == self._forgotten:  # else an event came while asking: maybe stale
            table[key] = (now, answer)
        return answer

    def forget_user(self, user: str) -> None:
        self._forgotten += 1
        self._users.pop(user, None)

    def forget_group(self, group: str) -> None:
        self._forgotten += 1
        self._groups.pop(group, None)

    async def on_user_change(self, event: dict[str, Any]) -> None:
        user = event.get("user")
        if isinstance(user, dict) and user.get("id"):
            self.forget_user(str(user["id"]))

    async def on_subteam_members_changed(self, event: dict[str, Any]) -> None:
        if event.get("subteam_id"):
            self.forget_group(str(event["subteam_id"]))
