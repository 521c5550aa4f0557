"""Block Kit's documented size limits, checked where Slack checks them.

From Slack's reference (docs.slack.dev/reference/block-kit): a message holds at most 50
blocks and a modal 100; a text object's text is 1 to 3,000 characters; a section's text
3,000 and each of its fields 2,000 (10 fields); a header's 150; an input's label and hint
2,000; a button's label 75 and value 2,000; an option's text 75 and value 150 (100 options);
a placeholder 150; a modal's title, submit and close 24 each, its private_metadata 3,000;
any block_id, action_id or callback_id 255. Slack counts the characters it is sent (an
``&amp;`` is five).

A message over them is refused with ``invalid_blocks`` (chat.postMessage, .update,
.postEphemeral), a view with ``invalid_arguments`` (views.open, .update), each with Slack's
``[ERROR] … [json-pointer:…]`` lines; a response_url answers HTTP 400 ``invalid_blocks``;
a command's ack or a form's ``update`` with such content is not shown.

A message's ``text`` is cut by Slack past 40,000 characters (the stand-in refuses it,
``msg_too_long``), and Slack advises at most 4,000: a longer one is shown, and recorded
in ``SlackStandin.long_texts`` for the tests to see.
"""

from __future__ import annotations

from typing import Any

from tests.slack_standin.api import ApiError

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
TEXT = 3000  # any text object
ADVISED_TEXT = 4000  # a message's top-level text, as Slack advises

PLAIN = {"header": 150, "button": 75, "option": 75, "placeholder": 150, "title": 24}


class OverLimit(ApiError):
    """Slack's refusal of blocks or a view over its limits."""

    def __init__(self, error: str, problems: list[str]) -> None:
        messages = [f"[ERROR] {p}" for p in problems]
        super().__init__(error, errors=problems, response_metadata={"messages": messages})
        self.problems = problems


class _Check:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def most(self, value: Any, limit: int, at: str, least: int = 0) -> None:
        if value is None:
            return
        size = len(value) if isinstance(value, (str, list)) else 0
        if size > limit:
            unit = "items allowed" if isinstance(value, list) else "characters"
            self.problems.append(f"must be less than {limit + 1} {unit} [json-pointer:{at}]")
        elif size < least:
            self.problems.append(f"must be more than {least - 1} characters [json-pointer:{at}]")

    def text(self, obj: Any, at: str, limit: int = TEXT, plain: bool = False) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
            self.problems.append(f"must provide an object [json-pointer:{at}]")
            return
        if plain and obj["type"] != "plain_text":
            self.problems.append(f"must be a plain_text object [json-pointer:{at}/type]")
        self.most(str(obj.get("text", "")), limit, f"{at}/text", least=1)

    def element(self, element: dict[str, Any], at: str) -> None:
        self.most(element.get("action_id"), 255, f"{at}/action_id")
        self.text(element.get("placeholder"), f"{at}/placeholder", PLAIN["placeholder"], True)
        kind = element.get("type")
        if kind == "button":
            self.text(element.get("text"), f"{at}/text", PLAIN["button"], True)
            self.most(element.get("value"), 2000, f"{at}/value")
            self.most(element.get("url"), 3000, f"{at}/url")
        if kind in ("static_select", "multi_static_select", "radio_buttons", "checkboxes"):
            options = element.get("options") or []
            self.most(options, 100, f"{at}/options")
            for i, option in enumerate(options):
                self.text(option.get("text"), f"{at}/options/{i}/text", PLAIN["option"])
                self.most(option.get("value"), 150, f"{at}/options/{i}/value")
                self.text(option.get("description"), f"{at}/options/{i}/description", 75)
        if kind == "plain_text_input":
            length = element.get("max_length")
            if isinstance(length, int) and length > 3000:
                self.problems.append(f"must be less than 3001 [json-pointer:{at}/max_length]")

    def block(self, block: dict[str, Any], at: str) -> None:
        self.most(block.get("block_id"), 255, f"{at}/block_id")
        kind = block.get("type")
        if kind == "section":
            self.text(block.get("text"), f"{at}/text")
            fields = block.get("fields")
            self.most(fields, 10, f"{at}/fields")
            for i, field in enumerate(fields or []):
                self.text(field, f"{at}/fields/{i}", 2000)
            if block.get("accessory"):
                self.element(block["accessory"], f"{at}/accessory")
        elif kind == "header":
            self.text(block.get("text"), f"{at}/text", PLAIN["header"], True)
        elif kind == "context":
            self.most(block.get("elements"), 10, f"{at}/elements")
            for i, element in enumerate(block.get("elements") or []):
                if element.get("type") in ("plain_text", "mrkdwn"):
                    self.text(element, f"{at}/elements/{i}")
        elif kind == "actions":
            self.most(block.get("elements"), 25, f"{at}/elements")
            for i, element in enumerate(block.get("elements") or []):
                self.element(element, f"{at}/elements/{i}")
        elif kind == "input":
            self.text(block.get("label"), f"{at}/label", 2000, True)
            self.text(block.get("hint"), f"{at}/hint", 2000, True)
            self.element(block.get("element") or {}, f"{at}/element")

    def blocks(self, blocks: Any, at: str, limit: int) -> None:
        if not isinstance(blocks, list):
            self.problems.append(f"must provide an array [json-pointer:{at}]")
            return
        self.most(blocks, limit, at)
        for i, block in enumerate(blocks):
            self.block(block, f"{at}/{i}")


def check_blocks(blocks: Any) -> None:
    """A message's blocks: ``invalid_blocks`` when over a limit."""
    if blocks is None:
        return
    check = _Check()
    check.blocks(blocks, "/blocks", MESSAGE_BLOCKS)
    if check.problems:
        raise OverLimit("invalid_blocks", check.problems)


def check_view(view: dict[str, Any]) -> None:
    """A modal: ``invalid_arguments`` when over a limit."""
    check = _Check()
    for part in ("title", "submit", "close"):
        check.text(view.get(part), f"/view/{part}", PLAIN["title"], True)
    check.most(view.get("private_metadata"), 3000, "/view/private_metadata")
    check.most(view.get("callback_id"), 255, "/view/callback_id")
    check.blocks(view.get("blocks", []), "/view/blocks", MODAL_BLOCKS)
    if check.problems:
        raise OverLimit("invalid_arguments", check.problems)
