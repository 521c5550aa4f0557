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

from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock

CACHE_FOR = timedelta(minutes=2)


class Directory:
    def __init__(self, client: AsyncWebClient, clock: Clock, keep: timedelta = CACHE_FOR) -> None:
        self.client = client
        self.clock = clock
        self.keep = keep
        self._users: dict[str, tuple[datetime, dict[str, Any]]] = {}
        self._groups: dict[str, tuple[datetime, tuple[str, ...]]] = {}

    def _fresh(self, fetched: datetime) -> bool:
        return fetched <= self.clock.now() < fetched + self.keep

    async def user(self, user: str) -> dict[str, Any]:
        """The ``user`` object of ``users.info`` (a refusal, e.g. ``user_not_found``, raises
        and is not remembered)."""
        hit = self._users.get(user)
        if hit is not None and self._fresh(hit[0]):
            return hit[1]
        fetched = self.clock.now()
        info = dict((await self.client.users_info(user=user))["user"])
        self._users[user] = (fetched, info)
        return info

    async def members(self, group: str) -> tuple[str, ...]:
        """The user ids in a user group (``usergroups.users.list``), in Slack's order."""
        hit = self._groups.get(group)
        if hit is not None and self._fresh(hit[0]):
            return hit[1]
        fetched = self.clock.now()
        users = tuple((await self.client.usergroups_users_list(usergroup=group))["users"])
        self._groups[group] = (fetched, users)
        return users

    def forget_user(self, user: str) -> None:
        self._users.pop(user, None)

    def forget_group(self, group: str) -> None:
        self._groups.pop(group, None)

    async def on_user_change(self, event: dict[str, Any]) -> None:
        user = event.get("user")
        if isinstance(user, dict) and user.get("id"):
            self.forget_user(str(user["id"]))

    async def on_subteam_members_changed(self, event: dict[str, Any]) -> None:
        if event.get("subteam_id"):
            self.forget_group(str(event["subteam_id"]))
