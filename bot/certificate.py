"""Certificates of completion: the record, its verification code, the words, and the PDF.

Pure: plain data in, text or PDF bytes out; the store keeps the records, the
cog decides who gets one. The PDF is drawn with fpdf2 in DejaVu (the fonts
matplotlib ships), so a name in Latin, Greek or Cyrillic letters prints as
written; a name the font cannot draw is refused before anything is printed.
"""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput
from bot.render import plain
from bot.timetable import Calendar
from bot.vocabulary import Vocabulary

# No I, O, 0 or 1: a code read aloud or copied from paper is not mistaken.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 32**10 = 2**50 codes: not guessable, short enough to type
NAME_LIMIT = 100


def new_code() -> str:
    """A fresh verification code, e.g. ``K7QX4-M2ZPA`` (from the OS's secure random source)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(text: str) -> str | None:
    """A code as typed (any case, spaces or dashes) in its stored form; None if it cannot be one."""
    raw = re.sub(r"[\s\-–—]", "", text).upper()
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return f"{raw[:5]}-{raw[5:]}"


@dataclass(frozen=True)
class Certificate:
    """One learner's certificate for one cohort, with what it certifies as it was issued."""

    code: str
    cohort_id: int
    user_id: int
    name: str | None  # as the learner wants it printed; None until they have said
    course_title: str
    starts: date  # the cohort's first week opens (local date)
    ends: date  # the course ends (local date)
    hours: float | None
    instructor: str
    issued_at: datetime  # UTC
    issued_by: int | None = None  # an instructor's override; None: the course's completion rule

    @property
    def override(self) -> bool:
        return self.issued_by is not None


def cohort_dates(calendar: Calendar, tz: ZoneInfo) -> tuple[date, date]:
    """The cohort's first and last day as a certificate states them (in the cohort's zone)."""
    return calendar.weeks[0].opens.astimezone(tz).date(), calendar.ends.astimezone(tz).date()


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def date_range(starts: date, ends: date) -> str:
    return f"{long_date(starts)} – {long_date(ends)}"


def hours_text(hours: float) -> str:
    return f"{hours:g} course hour{'' if hours == 1 else 's'}"


def filename(certificate: Certificate) -> str:
    return f"certificate-{certificate.code}.pdf"


# -- the printed name ------------------------------------------------------------------------

_FONTS = Path("fonts") / "ttf"


def font_path(bold: bool = False) -> Path:
    import matplotlib  # its data folder holds DejaVu; the charts use matplotlib already

    return Path(matplotlib.get_data_path()) / _FONTS / f"DejaVuSans{'-Bold' if bold else ''}.ttf"


@functools.cache
def _printable() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    regular, bold = (set(TTFont(font_path(b)).getBestCmap()) for b in (False, True))
    return frozenset(regular & bold)


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` the certificate's font cannot draw (a PDF shows them blank)."""
    return sorted({c for c in text if not c.isspace() and ord(c) not in _printable()})


def printed_name(text: str) -> str:
    """A name as typed for a certificate, tidied; InvalidInput says what is wrong with it."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise InvalidInput("Write the name as it should appear on your certificate.")
    if len(name) > NAME_LIMIT:
        raise InvalidInput(f"That name has {len(name)} characters; at most {NAME_LIMIT} fit.")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise InvalidInput("The name has an invisible control character; type it again.")
    missing = unprintable(name)
    if missing:
        shown = " ".join(missing[:10])
        raise InvalidInput(
            f"The certificate's font cannot print {shown}. Write the name in Latin, Greek or"
            " Cyrillic letters, or ask an instructor."
        )
    return name


# -- words -----------------------------------------------------------------------------------


def certifies(certificate: Certificate) -> str:
    """What a certificate says, in one paragraph (for /certificate verify and the DM)."""
    # The name is the learner's own typing: shown as written, so it cannot dress up (a masked
    # link, bold) what an employer reads in /certificate verify.
    who = (
        plain(certificate.name)
        if certificate.name
        else "a learner (who has not yet given the name to print)"
    )
    parts = [
        f"**{who}** completed **{certificate.course_title}**",
        f"({date_range(certificate.starts, certificate.ends)}",
    ]
    if certificate.hours is not None:
        parts[-1] += f", {hours_text(certificate.hours)}"
    parts[-1] += f"), instructor {certificate.instructor}."
    return " ".join(parts)


def verify_text(code: str, certificate: Certificate | None) -> str:
    if certificate is None:
        return (
            f"❌ No certificate has the code **{code}**. Check it letter by letter: codes use"
            " A–Z without I and O, and the digits 2–9."
        )
    how = "by an instructor" if certificate.override else "on completing the course"
    return (
        f"✅ **{certificate.code}** is a real certificate of completion.\n"
        f"{certifies(certificate)}\n"
        f"Issued {long_date(certificate.issued_at.date())}, {how}."
    )


# -- the PDF ---------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = 297, 210  # A4 landscape, in millimetres
MARGIN = 20


def render_pdf(certificate: Certificate, words: Vocabulary) -> bytes:
    """The certificate as a one-page A4 landscape PDF; ``words``: the platform's, where it
    sends the reader to verify it (the course's Discord server, its Slack workspace)."""
    from fpdf import FPDF

    if certificate.name is None:
        raise ValueError("a certificate is printed only once the learner has given their name")
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_creation_date(certificate.issued_at)  # the same certificate, the same file
    pdf.set_title(f"Certificate of completion: {certificate.course_title}")
    pdf.set_author(certificate.instructor)
    pdf.set_subject(f"Verification code {certificate.code}")
    pdf.set_creator("cohortbot")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(font_path()))
    pdf.add_font("DejaVu", "B", str(font_path(bold=True)))
    pdf.add_page()

    navy = (31, 58, 95)
    pdf.set_draw_color(*navy)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, PAGE_WIDTH - 20, PAGE_HEIGHT - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, PAGE_WIDTH - 28, PAGE_HEIGHT - 28)

    def line(text: str, size: float, y: float, *, bold: bool = False, colour=(0, 0, 0)) -> None:
        style = "B" if bold else ""
        pdf.set_font("DejaVu", style, size)
        while pdf.get_string_width(text) > PAGE_WIDTH - 2 * MARGIN - 10 and size > 8:
            size -= 1  # a long name or title shrinks to fit on one line
            pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(*colour)
        pdf.set_xy(MARGIN, y)
        pdf.cell(PAGE_WIDTH - 2 * MARGIN, size * 0.5, text, align="C")

    line("Certificate of Completion", 32, 32, bold=True, colour=navy)
    line("This certifies that", 14, 58)
    line(certificate.name, 28, 72, bold=True)
    line("has completed the course", 14, 94)
    line(certificate.course_title, 22, 106, bold=True, colour=navy)
    line(date_range(certificate.starts, certificate.ends), 13, 126)
    details = [f"Instructor: {certificate.instructor}"]
    if certificate.hours is not None:
        details.insert(0, hours_text(certificate.hours).capitalize())
    line(" · ".join(details), 13, 136)
    line(f"Issued {long_date(certificate.issued_at.date())}", 11, 160)
    line(f"Verification code: {certificate.code}", 13, 168, bold=True)
    line(
        "Anyone can check this code with /certificate verify in the course's"
        f" {words.name} {words.home}.",
        9,
        178,
        colour=(90, 90, 90),
    )
    return bytes(pdf.output())
