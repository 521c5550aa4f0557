"""Certificates of completion on Slack: issued by the shared rules
(``bot.features.certificates``), sent by DM.

The DM carries the fan-out's marker as metadata, and the PDF follows in its thread
(``files_upload_v2``). A crash between the two leaves the message, which says that
``/certificate get`` fetches the certificate again: it is never sent twice. Someone who has
not given their printed name gets a button instead; it opens a modal (asked once), and the
certificates that waited come by DM when it is saved.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.certificate import (
    Certificate,
    filename,
    long_date,
    printed_name,
)
from bot.cohort import Cohort
from bot.errors import InvalidInput, NotFound, UserError
from bot.features import certificates as shared
from bot.features.certificates import DM_KEY, CertificateIssuing, pdfs
from bot.features.fanout import FanoutResult, send_dms
from bot.participation import Learner, fit, plain
from bot.slack import blocks
from bot.slack.deadline import answer_form
from bot.slack.files import dm_file
from bot.slack.modals import _input
from bot.slack.platform import SlackMessenger, SlackPlatform, say

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

log = logging.getLogger(__name__)
NAME_BUTTON = "cohortbot_certname"
NAME_FORM = "cohortbot_certname_form"


def issuing(bot: SlackBot) -> CertificateIssuing:
    from bot.slack.commands import participation

    async def send_to(
        cohort: Cohort, user_ids: list[int], certificates: dict[int, Certificate]
    ) -> FanoutResult:
        return await send(bot, cohort, user_ids, certificates)

    return CertificateIssuing(
        bot.platform, bot.store, bot.library, bot.clock, participation(bot), send_to
    )


def name_button(user: str) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "certname",
        "elements": [
            {
                "type": "button",
                "action_id": NAME_BUTTON,
                "style": "primary",
                "text": {"type": "plain_text", "text": "Set the name for my certificate"},
                "value": user,
            }
        ],
    }


class CertificateMessenger(SlackMessenger):
    def __init__(
        self,
        platform: SlackPlatform,
        cohort: Cohort,
        certificates: dict[int, Certificate],
        drawn: dict[str, bytes],
    ) -> None:
        super().__init__(platform, lambda _: "")
        self.cohort, self.certificates, self.drawn = cohort, certificates, drawn

    def cost(self, person: Learner) -> int:
        return 3  # conversations.open, chat.postMessage, the upload

    async def _post(self, channel: str, person: Learner, tag: str) -> None:
        certificate = self.certificates[person.user_id]
        client = self._platform.client
        head = f"Congratulations! You completed *{certificate.course_title}* ({self.cohort.name})."
        if certificate.code not in self.drawn:
            text = blocks.mrkdwn(
                f"{head} Before I print your certificate: how should your name appear on it?"
                " (Slack names are often not the name an employer knows.) Press the button; I"
                " ask only once, and `/certificate name` changes it later."
            )
            user = await self._platform.slack_id(person.user_id)
            await client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=[
                    {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                    name_button(user),
                ],
                metadata=blocks.metadata(tag),
            )
            return
        text = (
            f"{head} Your certificate of completion is in this thread; its verification code"
            f" is *{certificate.code}*. `/certificate get` fetches it again."
        )
        posted = await client.chat_postMessage(
            channel=channel, text=blocks.mrkdwn(text), metadata=blocks.metadata(tag)
        )
        try:
            await client.files_upload_v2(
                channel=channel,
                thread_ts=posted["ts"],
                filename=filename(certificate),
                content=self.drawn[certificate.code],
                title=f"Certificate {certificate.code}",
            )
        except Exception as error:  # the marked DM went: recorded as sent, never sent twice
            log.warning(
                "certificate %s: the DM went, its PDF did not (%s); /certificate get fetches it",
                certificate.code,
                type(error).__name__,
            )


async def send(
    bot: SlackBot, cohort: Cohort, user_ids: list[int], certificates: dict[int, Certificate]
) -> FanoutResult:
    """Each person's certificate by DM (or the question of their printed name), once."""
    people = await bot.platform.people(cohort, user_ids)
    drawn = await pdfs([certificates[p.user_id] for p in people], bot.platform.words)
    messenger = CertificateMessenger(bot.platform, cohort, certificates, drawn)
    return await send_dms(
        bot.store, bot.clock, cohort.id, DM_KEY, people, messenger, pacer=bot.platform.pacer
    )


async def dm_pdfs(bot: SlackBot, user: str, certificates: list[Certificate], text: str) -> None:
    """The named certificates' PDFs in the person's DM with the bot."""
    drawn = await pdfs(certificates, bot.platform.words)
    channel = (await bot.client.conversations_open(users=user))["channel"]["id"]
    await say(bot.client, channel, text)
    for certificate in certificates:
        if certificate.code in drawn:
            await bot.client.files_upload_v2(
                channel=channel,
                filename=filename(certificate),
                content=drawn[certificate.code],
                title=f"Certificate {certificate.code}",
            )


# -- /certificate get|name|verify (anyone) -------------------------------------------------


async def certificate_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    sub, *rest = words or [""]
    user = command["user_id"]
    if sub == "verify":
        if not rest:
            raise InvalidInput("usage: `/certificate verify <code>`, e.g. K7QX4-M2ZPA")
        return await shared.verify(bot.store, rest[0])
    if sub == "name":
        await open_name_form(bot, command["trigger_id"], user)
        return None
    if sub != "get":
        raise InvalidInput(
            "usage: `/certificate get`, `/certificate name`, `/certificate verify <code>`"
        )
    number = await bot.platform.known_number(user)  # a stranger has none, and no row is made
    mine = await shared.mine(bot.store, number)
    if shared.waiting_for_a_name(mine):
        text = shared.WAITING
        return {
            "text": text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                name_button(user),
            ],
        }
    listed = shared.listing(mine)
    await dm_pdfs(bot, user, mine[: shared.SHOWN], f"Your certificates of completion:\n{listed}")
    return f"{listed}\n(The PDFs are in your DMs with me.)"


async def open_name_form(bot: SlackBot, trigger_id: str, user: str) -> None:
    number = await bot.platform.known_number(user)
    current = await bot.store.certificates.printed_name(number) if number is not None else None
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": 80}
    if current:
        element["initial_value"] = current
    field = _input("printed_name", "Your name as it should be printed", element)
    await bot.client.views_open(
        trigger_id=trigger_id, view=blocks.modal(NAME_FORM, "Name on certificate", "Save", [field])
    )


async def save_name(bot: SlackBot, user: str, typed: str) -> None:
    """Keep the printed name; the certificates that waited for it come by DM."""
    number = await bot.platform.number(user)
    text, named = await shared.save_printed_name(bot.store, bot.clock, number, typed)
    await dm_pdfs(bot, user, named, text)


def register(bot: SlackBot) -> None:
    @bot.app.action(NAME_BUTTON)
    async def pressed(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user = body["user"]["id"]
        if action.get("value") != user:
            # Only that person sees the button (it is in their DM): told privately, by DM.
            dm = await bot.client.conversations_open(users=user)
            await bot.client.chat_postMessage(
                channel=dm["channel"]["id"],
                text="Only the person this certificate is for can set its name.",
            )
            return
        await open_name_form(bot, body["trigger_id"], user)

    @bot.app.view(NAME_FORM)
    async def submitted(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await answer_form(bot, ack, view, named(bot, body["user"]["id"], view))


async def named(bot: SlackBot, user: str, view: dict[str, Any]) -> dict[str, Any]:
    """The name form's answer: an error in it, or (the name kept, waiting PDFs sent) it closes."""
    typed = view["state"]["values"].get("printed_name", {}).get("value", {}).get("value")
    try:
        printed_name(typed or "")
    except UserError as error:
        return {"response_action": "errors", "errors": {"printed_name": str(error)}}
    await save_name(bot, user, typed or "")
    return {}


# -- /certificates list|issue (staff) -------------------------------------------------------


async def certificates_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    from bot.slack.commands import arguments, workspace_cohort

    sub, *rest = words or [""]
    if sub not in ("list", "issue"):
        raise InvalidInput(
            "usage: `/certificates list <cohort>`, `/certificates issue <cohort> @learner`"
        )
    cohort = await workspace_cohort(bot, arguments(rest, "cohort")[0], command["user_id"])
    if sub == "list":
        return await listing(bot, command["user_id"], cohort)
    _, mention = arguments(rest, "cohort", "@learner")
    learner = blocks.mentioned(mention)
    if learner not in await bot.platform.learner_ids(cohort):
        raise NotFound(f"<@{learner}> is not a learner in {cohort.name}.")
    number = await bot.platform.number(learner)
    issuer = await bot.platform.number(command["user_id"])
    certificate, new = await issuing(bot).certificate_for(cohort, number, issuer)
    text = shared.issued_by_hand(f"<@{learner}>", cohort, certificate, new)
    result = await send(bot, cohort, [number], {number: certificate})
    return text + shared.dm_outcome(result)


async def listing(bot: SlackBot, user: str, cohort: Cohort) -> str:
    """The cohort's certificates in one answer as Slack counts it (``blocks.fitting``); when
    they do not all fit, "… and N more: see the file", and the whole list by DM (as on
    Discord, ``certificates.txt``)."""
    from bot.slack.commands import IN_YOUR_DMS

    found = await bot.store.certificates.in_cohort(cohort.id)
    lines = [await listed(bot, c) for c in found]
    head = (
        f"{len(found)} certificate{'s' if len(found) != 1 else ''} of completion in {cohort.name}."
    )

    async def shown(room: int) -> str:
        body = fit(lines, room - len(head) - 1, "\n", lambda n: f"… and {n} more: see the file")
        return "\n".join(part for part in (head, body) if part)

    text = await blocks.fitting(shown, lambda made: made + IN_YOUR_DMS)
    if text == "\n".join([head, *lines]):
        return text
    whole = [head, *[await listed(bot, c, in_file=True) for c in found]]
    await dm_file(
        bot.client,
        user,
        filename="certificates.txt",
        content="\n".join(whole).encode("utf-8"),
        title=f"Certificates of completion in {cohort.name}",
    )
    return text + IN_YOUR_DMS


async def listed(bot: SlackBot, certificate: Certificate, in_file: bool = False) -> str:
    """One certificate's line; in a file (not Markdown), the printed name as typed."""
    if certificate.name is None:
        name = "(name not given yet)" if in_file else "_(name not given yet)_"
    else:
        name = certificate.name if in_file else plain(certificate.name)
    issuer = await bot.platform.slack_id(certificate.issued_by) if certificate.issued_by else None
    how = f"by <@{issuer}>" if issuer else "on completion"
    user = await bot.platform.slack_id(certificate.user_id)
    return f"`{certificate.code}` {name} (<@{user}>), issued {long_date(certificate.issued_at.date())} {how}"
