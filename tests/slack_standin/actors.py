"""People in the workspace, doing what tests need them to do: post, reply, edit, delete,
run a slash command, press a button, submit a modal. Each verb changes the workspace as
Slack would and delivers what Slack would send the app; it returns once the app acked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.slack_standin import payloads
from tests.slack_standin.workspace import BOT_USER_ID, Conversation, Message, User

if TYPE_CHECKING:
    from tests.slack_standin.server import SlackStandin


class NotAllowed(Exception):
    """What the Slack client would not let this person do (post where they are not a member)."""


@dataclass
class Person:
    standin: SlackStandin
    user: User

    @property
    def id(self) -> str:
        return self.user.id

    def _conv(self, channel: Conversation | str) -> Conversation:
        ws = self.standin.workspace
        conv = ws.channel_named(channel) if isinstance(channel, str) else channel
        if self.id not in conv.members:
            raise NotAllowed(f"{self.user.name} is not in #{conv.name}")
        return conv

    async def _deliver_if_bot_in(self, conv: Conversation, event: dict[str, Any]) -> None:
        # The app hears a conversation's messages only where its bot user is a member, and
        # only once it has connected (before that, the stand-in keeps no queue for it).
        if BOT_USER_ID in conv.members and self.standin.socket.opened:
            await self.standin.deliver_event(event)

    async def post(self, channel: Conversation | str, text: str) -> Message:
        """A top-level message."""
        conv = self._conv(channel)
        msg = Message(self.standin.workspace.next_ts(), self.id, text)
        conv.messages.append(msg)
        await self._deliver_if_bot_in(conv, payloads.message_event(conv, msg, None))
        return msg

    async def reply(self, channel: Conversation | str, parent: Message | str, text: str) -> Message:
        """A reply in the thread of `parent` (a top-level message or its ts)."""
        conv = self._conv(channel)
        parent_ts = parent if isinstance(parent, str) else parent.ts
        top = next(m for m in conv.messages if m.ts == parent_ts)
        msg = Message(self.standin.workspace.next_ts(), self.id, text, thread_ts=top.ts)
        top.thread_ts = top.ts
        top.replies.append(msg)
        await self._deliver_if_bot_in(conv, payloads.message_event(conv, msg, top))
        return msg

    async def edit(self, channel: Conversation | str, msg: Message, text: str) -> None:
        conv = self._conv(channel)
        previous = msg.to_api()
        msg.text = text
        msg.edited_ts = self.standin.workspace.next_ts()
        event = payloads.message_changed_event(conv, msg, previous, msg.edited_ts)
        await self._deliver_if_bot_in(conv, event)

    async def delete(self, channel: Conversation | str, msg: Message) -> None:
        """Deletes a message; a thread's parent with replies stays as a tombstone, as in Slack."""
        conv = self._conv(channel)
        event = payloads.message_deleted_event(conv, msg, self.standin.workspace.next_ts())
        if msg in conv.messages and msg.replies:
            msg.subtype, msg.user, msg.text = "tombstone", "USLACKBOT", "This message was deleted."
        elif msg in conv.messages:
            conv.messages.remove(msg)
        else:
            for top in conv.messages:
                if msg in top.replies:
                    top.replies.remove(msg)
        await self._deliver_if_bot_in(conv, event)

    async def command(self, command: str, text: str = "", channel: Conversation | str = "cohort"):
        """Runs a slash command; returns the ack's payload (what the app answered at once)
        and records what Slack shows of it (ephemeral unless `response_type` is in_channel).
        Slack lets anyone run a command anywhere, so no membership check here."""
        ws = self.standin.workspace
        conv = ws.channel_named(channel) if isinstance(channel, str) else channel
        payload = payloads.slash_command(
            self.user,
            conv,
            command,
            text,
            self.standin.new_response_url(self.id, conv.id),
            self.standin.new_trigger(self.id),
        )
        ack = await self.standin.socket.deliver(
            "slash_commands", payload, accepts_response_payload=True
        )
        answer = ack.get("payload") or {}
        if self.standin.within_limits(answer, "ack"):  # else Slack shows an error, not it
            self.standin.show(answer, self.id, conv.id, "ack")
        return answer

    async def press(
        self, channel: Conversation | str, msg: Message | dict[str, Any], action_id: str
    ):
        """Presses the button `action_id` in a message's blocks (a `Message`, or an entry
        of `Workspace.ephemeral` shown to this person); returns the ack's payload."""
        ws = self.standin.workspace
        conv = ws.channel_named(channel) if isinstance(channel, str) else channel
        if isinstance(msg, dict):
            if msg["user"] != self.id or msg not in ws.ephemeral:
                raise NotAllowed(f"{self.user.name} does not see this ephemeral message")
            blocks, target = msg.get("blocks"), {"ephemeral": msg}
        else:
            blocks, target = msg.blocks, {"message_ts": msg.ts}
        for block in blocks or []:
            for element in [*block.get("elements", []), block.get("accessory") or {}]:
                if element.get("action_id") == action_id and element.get("type") == "button":
                    payload = payloads.block_actions(
                        self.user,
                        conv,
                        msg,
                        element,
                        block.get("block_id", ""),
                        self.standin.new_trigger(self.id),
                        self.standin.new_response_url(self.id, conv.id, **target),
                        ws.next_ts(),
                    )
                    ack = await self.standin.socket.deliver(
                        "interactive", payload, accepts_response_payload=False
                    )
                    return ack.get("payload") or {}
        raise LookupError(f"no button {action_id!r} in that message")

    async def submit(self, view: dict[str, Any], values: dict[str, dict[str, Any]]):
        """Submits a modal the app opened for this person; returns the ack's payload
        (`response_action` "errors", "update", "clear"…, or {} to close it)."""
        opened = [v["view"] for v in self.standin.workspace.views if v["user"] == self.id]
        if view["id"] not in {v["id"] for v in opened}:
            raise NotAllowed(f"view {view['id']} was not opened for {self.user.name}")
        payload = payloads.view_submission(
            self.user, view, values, self.standin.new_trigger(self.id)
        )
        ack = await self.standin.socket.deliver(
            "interactive", payload, accepts_response_payload=True
        )
        answer = ack.get("payload") or {}
        self.standin.within_limits(answer, "view_submission ack")
        return answer
