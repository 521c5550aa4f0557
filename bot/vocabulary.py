"""What each platform calls the things the shared texts name.

The features below both adapters write each text once. Where Discord and Slack name a
thing differently (a server is a workspace, a role a user group, a forum a channel), the
text takes the word from the platform's ``Vocabulary``: the adapter's ``Platform.words``,
or ``vocabulary(cohort.platform)`` where only the cohort is at hand. Discord's words are
the ones its texts always had.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.cohort import PlatformName


@dataclass(frozen=True)
class Vocabulary:
    name: str  # the platform, as its people call it
    home: str  # where a course team lives: a Discord server, a Slack workspace
    group: str  # what people are given for a cohort: a role, a user group
    discussion: str  # where a cohort talks, open for questions after the course
    hand_ins: str  # where a learner's hand-ins go (private unless the course shares them)
    locked: str  # what the archive does to the course's posts


DISCORD = Vocabulary(
    name="Discord",
    home="server",
    group="role",
    discussion="forum",
    hand_ins="thread",
    locked="locked and archived",
)
# Slack cannot lock threads: at the archive a closing notice goes up and the hand-in
# channels are archived (``bot.slack.platform.SlackPlatform.archive``).
SLACK = Vocabulary(
    name="Slack",
    home="workspace",
    group="user group",
    discussion="channel",
    hand_ins="channel",
    locked="archived",
)
VOCABULARIES = {PlatformName.DISCORD: DISCORD, PlatformName.SLACK: SLACK}


def vocabulary(platform: PlatformName) -> Vocabulary:
    return VOCABULARIES[platform]
