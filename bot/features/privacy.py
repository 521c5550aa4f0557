"""What the bot keeps about a person, in words a learner understands (``/mydata``)."""

from __future__ import annotations

from typing import Any

from bot.vocabulary import Vocabulary

# What each table's rows are, in words a learner understands. A table not named
# here (a later feature's) is still shown, by its name, and still erased. ``{hand_ins}``:
# the platform's word for where hand-ins go (``Vocabulary.hand_ins``).
IN_WORDS = {
    "activity": "messages you wrote in course channels: when, where, which week, post or reply"
    " (never what you wrote)",
    "excusals": "weeks an instructor excused you from",
    "learner_prefs": "your choice about nudges and reminders",
    "delivery_recipients": "direct messages I sent you, or tried to (nudges, reminders)",
    "rsvps": "live sessions you asked to be reminded of",
    "attendance": "live sessions you checked in to",
    "certificates": "certificates of completion issued to you: what each certifies, its code"
    " (kept after the participation purge, as proof)",
    "printed_names": "the name you want printed on your certificates",
    "recording_views": "session recordings you said you watched",
    "submissions": "assignments you handed in: which week, when, where, whether reviewed"
    " (never what you handed in)",
    "assignment_threads": "the private {hand_ins} your hand-ins go to",
}


def in_words(found: dict[str, list[dict[str, Any]]], words: Vocabulary) -> str:
    """``/mydata``'s answer, in the words of the platform it is asked on."""
    if not found:
        return "I keep nothing about you."
    lines = ["This is everything I keep about you, in every cohort:"]
    for table, rows in found.items():
        said = IN_WORDS[table].format(hand_ins=words.hand_ins) if table in IN_WORDS else None
        lines.append(f"• {len(rows)} × {said or f'records in {table!r}'}")
    lines.append("The attached file has every record as stored. `/forgetme` erases all of it.")
    return "\n".join(lines)
