"""The Slack stand-in is faithful enough: the real slack-bolt `AsyncApp`, over Socket Mode
(`AsyncSocketModeHandler`), with its `AsyncWebClient` pointed at the stand-in through
`base_url` (what `SLACK_API_BASE` will set), gets what Slack would send it, and slack-sdk
reads the stand-in's answers and errors as it reads Slack's.

No sleeps for timing: each test awaits what a handler signals (an `asyncio.Event`), with a
bounded timeout as a failure guard only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import async_handler, builtin_async_handlers
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack_standin import APP_TOKEN, BOT_TOKEN, BOT_USER_ID, NotAllowed, SlackStandin

GUARD = 5.0  # seconds: a failure guard, never a wait for timing


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandin]:
    async with SlackStandin() as standin:
        yield standin


def web_client(slack: SlackStandin, **kw: Any) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base, **kw)


@pytest.fixture
async def app(slack: SlackStandin) -> AsyncIterator[AsyncApp]:
    """The real Bolt app, connected over Socket Mode to the stand-in."""
    bolt = AsyncApp(client=web_client(slack))
    handler = AsyncSocketModeHandler(bolt, APP_TOKEN)
    await handler.connect_async()
    yield bolt
    await handler.close_async()


class Seen:
    """What a handler saw, and an event to await it."""

    def __init__(self, count: int = 1) -> None:
        self.items: list[dict[str, Any]] = []
        self.count = count
        self._done = asyncio.Event()

    def add(self, item: dict[str, Any]) -> None:
        self.items.append(item)
        if len(self.items) >= self.count:
            self._done.set()

    async def wait(self) -> list[dict[str, Any]]:
        await asyncio.wait_for(self._done.wait(), GUARD)
        return self.items


async def test_a_slash_command_reaches_its_handler_and_is_acked_with_an_ephemeral_answer(
    slack: SlackStandin, app: AsyncApp
):
    seen = Seen()

    @app.command("/cohort")
    async def cohort(ack, command, respond):
        await ack(f"Working on `{command['text']}`")
        await respond("Done: nothing to show yet.")
        seen.add(command)

    learner = slack.person("learner1")
    answer = await learner.command("/cohort", "status")
    (command,) = await seen.wait()

    assert answer["text"] == "Working on `status`"
    assert command["user_id"] == learner.id and command["command"] == "/cohort"
    assert command["channel_id"] == slack.workspace.channel_named("cohort").id
    assert command["response_url"].startswith(slack.url) and command["trigger_id"]
    shown = slack.workspace.ephemeral_to(learner.user)
    assert sorted((e["via"], e["text"]) for e in shown) == [
        ("ack", "Working on `status`"),
        ("response_url", "Done: nothing to show yet."),
    ]
    assert slack.workspace.posted("cohort") == []  # nothing public


async def test_messages_thread_replies_edits_and_deletes_reach_the_message_listener(
    slack: SlackStandin, app: AsyncApp
):
    seen = Seen(count=4)

    @app.event("message")
    async def on_message(event):
        seen.add(event)

    first, second = slack.person("learner1"), slack.person("learner2")
    post = await first.post("cohort", "My thoughts on week 1")
    reply = await second.reply("cohort", post, "I agree")
    await second.edit("cohort", reply, "I agree, mostly")
    await second.delete("cohort", reply)
    events = await seen.wait()
    by_kind = {e.get("subtype", "new" if "thread_ts" not in e else "reply"): e for e in events}

    channel = slack.workspace.channel_named("cohort").id
    top = by_kind["new"]
    assert (top["user"], top["channel"], top["ts"]) == (first.id, channel, post.ts)
    assert top["text"] == "My thoughts on week 1"  # Slack always sends the text
    assert "thread_ts" not in top and "parent_user_id" not in top
    threaded = by_kind["reply"]
    assert (threaded["user"], threaded["ts"]) == (second.id, reply.ts)
    assert (threaded["thread_ts"], threaded["parent_user_id"]) == (post.ts, first.id)
    changed = by_kind["message_changed"]
    assert (
        changed["message"]["ts"] == reply.ts and changed["message"]["edited"]["user"] == second.id
    )
    deleted = by_kind["message_deleted"]
    assert (deleted["deleted_ts"], deleted["channel"]) == (reply.ts, channel)


async def test_the_apps_own_posts_come_back_as_events_from_its_bot(slack: SlackStandin):
    """Slack sends an app its own messages too (Bolt drops them by `bot_id`)."""
    seen = Seen()

    async def listener(client, message, raw):
        if message.get("type") == "events_api":
            seen.add(message)

    client = web_client(slack)
    bolt = AsyncApp(client=client)
    handler = AsyncSocketModeHandler(bolt, APP_TOKEN)
    handler.client.message_listeners.append(listener)
    await handler.connect_async()
    try:
        channel = slack.workspace.channel_named("cohort").id
        await client.chat_postMessage(channel=channel, text="Week 1 is open")
        (envelope,) = await seen.wait()
    finally:
        await handler.close_async()
    event = envelope["payload"]["event"]
    assert envelope["type"] == "events_api" and envelope["envelope_id"]
    assert (event["user"], event["bot_id"], event["channel"]) == (
        BOT_USER_ID,
        "B0COHORTBOT",
        channel,
    )


def remind_me_blocks(value: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "block_id": "intro", "text": {"type": "mrkdwn", "text": "Live 1"}},
        {
            "type": "actions",
            "block_id": "session",
            "elements": [
                {
                    "type": "button",
                    "action_id": "remind_me",
                    "text": {"type": "plain_text", "text": "Remind me"},
                    "value": value,
                }
            ],
        },
    ]


async def test_a_button_press_reaches_its_action_handler(slack: SlackStandin, app: AsyncApp):
    seen = Seen()

    @app.action("remind_me")
    async def remind_me(ack, body):
        await ack()
        seen.add(body)

    channel = slack.workspace.channel_named("cohort").id
    await app.client.chat_postMessage(
        channel=channel, text="Live 1", blocks=remind_me_blocks("c1:live-1")
    )
    (message,) = slack.workspace.posted(channel)
    learner = slack.person("learner3")
    await learner.press("cohort", message, "remind_me")
    (body,) = await seen.wait()

    assert body["type"] == "block_actions" and body["user"]["id"] == learner.id
    assert body["actions"][0]["value"] == "c1:live-1"
    assert body["actions"][0]["block_id"] == "session"
    assert body["container"]["message_ts"] == message.ts and body["channel"]["id"] == channel
    with pytest.raises(LookupError):
        await learner.press("cohort", message, "no_such_button")


async def test_a_button_in_an_ephemeral_answer_works_and_its_response_replaces_it(
    slack: SlackStandin, app: AsyncApp
):
    """The /forgetme shape: an ephemeral confirmation whose button's response replaces it."""
    pressed = Seen()
    confirm = [
        {
            "type": "actions",
            "block_id": "erase",
            "elements": [
                {
                    "type": "button",
                    "action_id": "forget_confirm",
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Erase"},
                    "value": "erase",
                }
            ],
        }
    ]

    @app.command("/forgetme")
    async def forgetme(ack):
        await ack(text="Erase everything stored about you?", blocks=confirm)

    @app.action("forget_confirm")
    async def forget_confirm(ack, body, respond):
        await ack()
        await respond(replace_original=True, text="Erased.")
        pressed.add(body)

    learner, outsider = slack.person("learner2"), slack.person("outsider")
    await learner.command("/forgetme")
    (shown,) = slack.workspace.ephemeral_to(learner.user)
    with pytest.raises(NotAllowed):  # nobody else sees, or can press, another's ephemeral
        await outsider.press("cohort", shown, "forget_confirm")
    await learner.press("cohort", shown, "forget_confirm")
    (body,) = await pressed.wait()

    assert body["container"]["is_ephemeral"] is True and "message" not in body
    assert body["container"]["message_ts"] == shown["ts"]
    assert [e["text"] for e in slack.workspace.ephemeral_to(learner.user)] == ["Erased."]


COHORT_MODAL = {
    "type": "modal",
    "callback_id": "cohort_create",
    "title": {"type": "plain_text", "text": "New cohort"},
    "submit": {"type": "plain_text", "text": "Create"},
    "blocks": [
        {
            "type": "input",
            "block_id": "start",
            "label": {"type": "plain_text", "text": "Start"},
            "element": {"type": "datepicker", "action_id": "date"},
        }
    ],
}


async def test_a_command_opens_a_modal_whose_submission_reaches_its_view_handler(
    slack: SlackStandin, app: AsyncApp
):
    submitted = Seen(count=2)

    @app.command("/cohort")
    async def cohort(ack, body, client):
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=COHORT_MODAL)

    @app.view("cohort_create")
    async def create(ack, view, body):
        date = view["state"]["values"]["start"]["date"]["selected_date"]
        if date < "2026-01-01":
            await ack(response_action="errors", errors={"start": "Pick a future date."})
        else:
            await ack()
        submitted.add(body)

    instructor = slack.person("instructor")
    await instructor.command("/cohort", "create")
    (opened,) = slack.workspace.views
    assert opened["user"] == instructor.id and opened["view"]["callback_id"] == "cohort_create"

    def picked(day: str) -> dict[str, Any]:
        return {"start": {"date": {"type": "datepicker", "selected_date": day}}}

    refused = await instructor.submit(opened["view"], picked("2025-10-14"))
    accepted = await instructor.submit(opened["view"], picked("2026-10-14"))
    bodies = await submitted.wait()

    assert refused == {"response_action": "errors", "errors": {"start": "Pick a future date."}}
    assert accepted == {}
    assert (
        bodies[1]["user"]["id"] == instructor.id and bodies[1]["view"]["id"] == opened["view"]["id"]
    )


async def test_a_trigger_opens_one_view_only(slack: SlackStandin):
    trigger = slack.new_trigger(slack.person("instructor").id)
    client = web_client(slack)
    await client.views_open(trigger_id=trigger, view=COHORT_MODAL)
    for bad in (trigger, "12.34.forged"):
        with pytest.raises(SlackApiError) as e:
            await client.views_open(trigger_id=bad, view=COHORT_MODAL)
        assert e.value.response["error"] in ("expired_trigger_id", "invalid_trigger_id")


async def test_a_post_with_metadata_is_found_again_in_the_history(slack: SlackStandin):
    client = web_client(slack)
    channel = slack.workspace.channel_named("cohort").id
    marker = {"event_type": "cohortbot_post", "event_payload": {"cohort": 7, "item": "week:1"}}
    sent = await client.chat_postMessage(channel=channel, text="Week 1", metadata=marker)
    learner = slack.person("learner1")
    await learner.post("cohort", "unrelated")  # no app is connected: the event is not delivered

    with_meta = await client.conversations_history(channel=channel, include_all_metadata=True)
    plain = await client.conversations_history(channel=channel)

    ours = [m for m in with_meta["messages"] if m.get("metadata") == marker]
    assert [m["ts"] for m in ours] == [sent["ts"]] and ours[0]["bot_id"]
    assert all("metadata" not in m for m in plain["messages"])
    assert with_meta["messages"][0]["user"] == learner.id  # newest first


async def test_history_and_replies_page_with_cursors_after_oldest(slack: SlackStandin):
    client = web_client(slack)
    channel = slack.workspace.channel_named("cohort").id
    tss = [(await client.chat_postMessage(channel=channel, text=f"m{i}"))["ts"] for i in range(5)]
    parent = tss[0]
    replies = [
        (await client.chat_postMessage(channel=channel, text=f"r{i}", thread_ts=parent))["ts"]
        for i in range(3)
    ]

    seen: list[str] = []
    cursor = None
    while True:
        page = await client.conversations_history(
            channel=channel, oldest=tss[1], limit=2, cursor=cursor
        )
        seen += [m["ts"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] == bool(cursor)
        if not cursor:
            break
    assert seen == tss[:1:-1]  # after oldest (exclusive), newest first; replies not in history

    thread = await client.conversations_replies(channel=channel, ts=parent, oldest=replies[0])
    assert [m["ts"] for m in thread["messages"]] == [parent, *replies[1:]]
    assert thread["messages"][0]["reply_count"] == 3
    with pytest.raises(SlackApiError) as e:
        await client.conversations_replies(channel=channel, ts="1.000001")
    assert e.value.response["error"] == "thread_not_found"


async def test_files_upload_v2_stores_the_file_and_shares_it_in_the_channel(slack: SlackStandin):
    client = web_client(slack)
    channel = slack.workspace.channel_named("cohort").id
    result = await client.files_upload_v2(
        channel=channel,
        filename="week-1.csv",
        content=b"user,status\nU1,met\n",
        title="Week 1 report",
        initial_comment="The week 1 report",
    )

    stored = slack.workspace.files[result["file"]["id"]]
    assert stored["content"] == b"user,status\nU1,met\n"
    assert (stored["name"], stored["title"], stored["channels"]) == (
        "week-1.csv",
        "Week 1 report",
        [channel],
    )
    (shared,) = slack.workspace.posted(channel)
    assert shared.text == "The week 1 report" and shared.files[0]["id"] == stored["id"]


async def test_a_429_with_retry_after_is_retried_by_the_rate_limit_handler(
    slack: SlackStandin, monkeypatch
):
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:  # record what slack-sdk would wait, skip it
        waits.append(seconds)

    monkeypatch.setattr(builtin_async_handlers, "asyncio", SimpleNamespace(sleep=no_wait))
    monkeypatch.setattr(async_handler, "asyncio", SimpleNamespace(sleep=no_wait))  # backoff
    slack.faults.rate_limit("chat.postMessage", times=1, retry_after=7)
    slack.faults.server_error("conversations.history", times=1)
    client = web_client(
        slack, retry_handlers=[AsyncRateLimitErrorRetryHandler(), AsyncServerErrorRetryHandler()]
    )
    channel = slack.workspace.channel_named("cohort").id

    sent = await client.chat_postMessage(channel=channel, text="Week 1")
    history = await client.conversations_history(channel=channel)

    assert sent["ok"] and [m.ts for m in slack.workspace.posted(channel)] == [sent["ts"]]
    assert [m["ts"] for m in history["messages"]] == [sent["ts"]]
    assert [name for name, _ in slack.calls].count("chat.postMessage") == 2
    assert [name for name, _ in slack.calls].count("conversations.history") == 2
    assert (
        len(waits) == 2 and 7 <= waits[0] < 8
    )  # Retry-After honoured (plus jitter), then a backoff


async def test_without_a_retry_handler_a_429_is_an_error_with_retry_after(slack: SlackStandin):
    slack.faults.rate_limit("chat.postMessage", retry_after=30)
    with pytest.raises(SlackApiError) as e:
        await web_client(slack).chat_postMessage(channel="C1", text="x")
    assert e.value.response.status_code == 429
    assert e.value.response["error"] == "ratelimited"
    assert e.value.response.headers["Retry-After"] == "30"


async def test_slacks_errors_surface_as_slack_api_errors(slack: SlackStandin):
    client = web_client(slack)
    ws = slack.workspace
    cohort, general = ws.channel_named("cohort"), ws.channel_named("general")

    async def error_of(call) -> dict[str, Any]:
        with pytest.raises(SlackApiError) as e:
            await call
        return dict(e.value.response.data)

    ws.bot_scopes.discard("chat:write")
    missing = await error_of(client.chat_postMessage(channel=cohort.id, text="x"))
    assert (missing["error"], missing["needed"]) == ("missing_scope", "chat:write")
    ws.bot_scopes.clear()
    ws.bot_scopes.add("chat:write")  # posting needs no read scope ...
    await client.chat_postMessage(channel=cohort.id, text="x")
    private = ws.channel_named("cohort-private")
    no_history = await error_of(client.conversations_history(channel=private.id))
    assert no_history["needed"] == "groups:history"  # ... reading does, by the channel's kind

    assert (await error_of(client.chat_postMessage(channel=general.id, text="x")))["error"] == (
        "not_in_channel"
    )
    assert (await error_of(client.chat_postMessage(channel="C404", text="x")))["error"] == (
        "channel_not_found"
    )
    cohort.is_archived = True
    assert (await error_of(client.chat_postMessage(channel=cohort.id, text="x")))["error"] == (
        "is_archived"
    )
    bad = AsyncWebClient(token="xoxb-wrong", base_url=slack.api_base)
    assert (await error_of(bad.auth_test()))["error"] == "invalid_auth"
    assert (await error_of(client.apps_connections_open(app_token=BOT_TOKEN)))["error"] == (
        "not_allowed_token_type"
    )


async def test_people_groups_channels_and_dms(slack: SlackStandin):
    client = web_client(slack)
    ws = slack.workspace
    learner, admin = ws.user_named("learner2"), ws.user_named("admin")
    cohort = ws.channel_named("cohort")

    assert (await client.auth_test())["user_id"] == BOT_USER_ID
    assert (await client.users_info(user=admin.id))["user"]["is_admin"] is True
    groups = {handle: gid for gid, (handle, _) in ws.usergroups.items()}
    listed = await client.usergroups_users_list(usergroup=groups["cohort-learners"])
    assert learner.id in listed["users"] and admin.id not in listed["users"]
    members = await client.conversations_members(channel=cohort.id, limit=3)
    assert len(members["members"]) == 3 and members["response_metadata"]["next_cursor"]
    info = await client.conversations_info(channel=cohort.id)
    assert (info["channel"]["is_private"], info["channel"]["is_member"]) == (False, True)

    dm = await client.conversations_open(users=learner.id)
    await client.chat_postMessage(channel=dm["channel"]["id"], text="Reminder: live 1 at 10:00")
    await client.chat_postEphemeral(channel=cohort.id, user=learner.id, text="Only you")
    assert [m.text for m in ws.dms(learner)] == ["Reminder: live 1 at 10:00"]
    assert [e["text"] for e in ws.ephemeral_to(learner)] == ["Only you"]

    learner.deleted = True
    with pytest.raises(SlackApiError) as e:
        await client.conversations_open(users=learner.id)
    assert e.value.response["error"] == "user_disabled"


async def test_after_a_disconnect_the_app_reconnects_and_still_hears_commands(
    slack: SlackStandin, app: AsyncApp
):
    seen = Seen()

    @app.command("/mydata")
    async def mydata(ack, command):
        await ack("Here is what is stored about you.")
        seen.add(command)

    await slack.socket.disconnect()
    await slack.socket.wait_connections(2)
    answer = await slack.person("learner1").command("/mydata")
    await seen.wait()

    assert answer["text"] == "Here is what is stored about you."
    assert [name for name, _ in slack.calls].count("apps.connections.open") == 2


async def test_channels_the_app_makes_invites_to_lists_and_archives(slack: SlackStandin):
    client = web_client(slack)
    made = (await client.conversations_create(name="hand-ins-amara-1-u01", is_private=True))[
        "channel"
    ]
    assert made["is_private"] and made["creator"] == BOT_USER_ID and made["is_member"]
    with pytest.raises(SlackApiError) as taken:
        await client.conversations_create(name="hand-ins-amara-1-u01", is_private=True)
    assert taken.value.response["error"] == "name_taken"
    with pytest.raises(SlackApiError) as bad:
        await client.conversations_create(name="Hand ins", is_private=True)
    assert bad.value.response["error"] == "invalid_name_specials"
    learner = slack.workspace.user_named("learner1").id
    await client.conversations_invite(channel=made["id"], users=learner)
    with pytest.raises(SlackApiError) as again:
        await client.conversations_invite(channel=made["id"], users=learner)
    assert again.value.response["error"] == "already_in_channel"
    listed = await client.conversations_list(types="private_channel", exclude_archived=True)
    names = {c["name"] for c in listed["channels"]}
    assert "hand-ins-amara-1-u01" in names and "cohort" not in names  # private ones only
    await client.conversations_archive(channel=made["id"])
    listed = await client.conversations_list(types="private_channel", exclude_archived=True)
    assert "hand-ins-amara-1-u01" not in {c["name"] for c in listed["channels"]}
    slack.workspace.bot_scopes.discard("groups:write")
    with pytest.raises(SlackApiError) as scope:
        await client.conversations_create(name="another", is_private=True)
    assert scope.value.response["needed"] == "groups:write"


async def test_group_and_user_changes_reach_the_app_as_events_and_calls_are_counted(
    slack: SlackStandin, app: AsyncApp
):
    seen = Seen(count=2)

    @app.event("subteam_members_changed")
    async def members_changed(event):
        seen.add(event)

    @app.event("user_change")
    async def user_change(event):
        seen.add(event)

    client = web_client(slack)
    staff = next(g for g, (h, _) in slack.workspace.usergroups.items() if h == "cohort-staff")
    await slack.set_usergroup("cohort-staff", ["learner1"])
    await slack.change_user("admin", is_admin=False)
    changed, user = await seen.wait()
    learner1, instructor = (slack.workspace.user_named(n).id for n in ("learner1", "instructor"))
    assert changed["subteam_id"] == staff
    assert (changed["added_users"], changed["removed_users"]) == ([learner1], [instructor])
    assert user["user"]["name"] == "admin" and user["user"]["is_admin"] is False
    assert (await client.usergroups_users_list(usergroup=staff))["users"] == [learner1]
    await slack.set_usergroup("cohort-staff", [], tell=False)  # changed, no event
    assert (await client.usergroups_users_list(usergroup=staff))["users"] == []
    assert slack.count("usergroups.users.list") == 2 and slack.count("users.info") == 0


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def test_blocks_and_views_over_slacks_limits_are_refused_as_slack_refuses_them(
    slack: SlackStandin,
):
    """Slack's documented limits (tests/slack_standin/limits.py): a section's text 3,000
    characters as sent (entities count whole), a header's 150, 50 blocks in a message, a
    button's label 75; a modal's title 24, an option's text 75. Messages: invalid_blocks,
    views: invalid_arguments, each with its [ERROR] line and JSON pointer."""
    client = web_client(slack)
    cohort = slack.workspace.channel_named("cohort").id

    async def refusal(call) -> dict[str, Any]:
        with pytest.raises(SlackApiError) as e:
            await call
        return dict(e.value.response.data)

    at_most = [section("&amp;" * 600), {"type": "header", "text": plain("h" * 150)}]
    await client.chat_postMessage(channel=cohort, text="ok", blocks=at_most)
    too_long = await refusal(
        client.chat_postMessage(channel=cohort, text="x", blocks=[section("x" * 2999 + "&lt;")])
    )
    assert too_long["error"] == "invalid_blocks"
    assert too_long["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    header = [{"type": "header", "text": plain("h" * 151)}]
    assert (await refusal(client.chat_postMessage(channel=cohort, text="x", blocks=header)))[
        "errors"
    ] == ["must be less than 151 characters [json-pointer:/blocks/0/text/text]"]
    many = [section("x")] * 51
    assert (
        await refusal(
            client.chat_postEphemeral(
                channel=cohort, user=slack.person("learner1").id, text="x", blocks=many
            )
        )
    )["error"] == "invalid_blocks"
    button = {"type": "button", "action_id": "a", "text": plain("b" * 76), "value": "v"}
    empty = [section(""), {"type": "actions", "elements": [button]}]
    assert (await refusal(client.chat_postMessage(channel=cohort, text="x", blocks=empty)))[
        "errors"
    ] == [
        "must be more than 0 characters [json-pointer:/blocks/0/text/text]",
        "must be less than 76 characters [json-pointer:/blocks/1/elements/0/text/text]",
    ]
    option = {"text": plain("o" * 76), "value": "v"}
    select = {"type": "static_select", "action_id": "s", "options": [option]}
    view = COHORT_MODAL | {
        "title": plain("Fall 2026 cohort of the course"),
        "blocks": [{"type": "input", "label": plain("Course"), "element": select}],
    }
    trigger = slack.new_trigger(slack.person("instructor").id)
    wrong_view = await refusal(client.views_open(trigger_id=trigger, view=view))
    assert wrong_view["error"] == "invalid_arguments"
    assert wrong_view["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]",
        "[ERROR] must be less than 76 characters"
        " [json-pointer:/view/blocks/0/element/options/0/text/text]",
    ]
    assert [r["via"] for r in slack.refused] == [
        "chat.postMessage",
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.postMessage",
        "views.open",
    ]


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


async def test_an_answer_over_slacks_limits_is_not_shown_and_a_long_text_is_noted(
    slack: SlackStandin, app: AsyncApp
):
    """A command's ack with blocks over the limits shows nothing (Slack shows an error); its
    response_url answers HTTP 400 invalid_blocks. A text past the 4,000 characters Slack
    advises is shown (Slack cuts only past 40,000), and noted in ``long_texts``."""
    answered = Seen()

    @app.command("/sessions")
    async def sessions(ack, respond):
        await ack(text="x", blocks=[section("x" * 3001)])
        refused = await respond(text="y", blocks=[section("y" * 3001)])
        await respond(text="z" * 4001)
        answered.add(refused)

    learner = slack.person("learner1")
    await learner.command("/sessions")
    (response,) = await answered.wait()

    assert (response.status_code, response.body) == (400, "invalid_blocks")
    assert sorted((r["via"], r["error"]) for r in slack.refused) == [
        ("ack", "invalid_blocks"),
        ("response_url", "invalid_blocks"),
    ]
    assert [e["text"] for e in slack.workspace.ephemeral_to(learner.user)] == ["z" * 4001]
    assert [(t["via"], len(t["text"])) for t in slack.long_texts] == [("response_url", 4001)]
