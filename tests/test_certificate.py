"""Certificates in the pure core: codes, printed names, words, and the PDF read back."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime

import numpy
import pypdf
import pypdfium2
import pytest

from bot.catalog import default_prompts_dir
from bot.certificate import (
    CODE_ALPHABET,
    Certificate,
    certifies,
    cohort_dates,
    new_code,
    normalise_code,
    printed_name,
    render_pdf,
    verify_text,
)
from bot.course_file import load_course
from bot.errors import InvalidInput
from bot.localtime import zone
from bot.timetable import course_calendar
from bot.vocabulary import DISCORD

ISSUED = datetime(2026, 11, 24, 17, 0, 5, tzinfo=UTC)
AMARA = Certificate(
    code="K7QX4-M2ZPA",
    cohort_id=1,
    user_id=42,
    name="Amara N. Okafor",
    course_title="De-escalation in the Library",
    starts=date(2026, 10, 13),
    ends=date(2026, 11, 10),
    hours=15,
    instructor="Becky Russell",
    issued_at=ISSUED,
)


def test_codes_are_short_unambiguous_and_do_not_repeat():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        assert set(code.replace("-", "")) <= set(CODE_ALPHABET)
    assert not set("IO01") & set(CODE_ALPHABET) and len(CODE_ALPHABET) == 32


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("K7QX4-M2ZPA", "K7QX4-M2ZPA"),
        (" k7qx4 m2zpa ", "K7QX4-M2ZPA"),
        ("k7qx4m2zpa", "K7QX4-M2ZPA"),
        ("K7QX4–M2ZPA", "K7QX4-M2ZPA"),  # an en dash, as word processors type it
        ("K7QX4-M2ZP", None),  # too short
        ("K7QX4-M2ZPAA", None),
        ("K7QX4-M2ZP0", None),  # 0 is never in a code
        ("", None),
        ("'; DROP TABLE certificates; --", None),
    ],
)
def test_a_code_as_typed_is_read_or_refused(typed, stored):
    assert normalise_code(typed) == stored


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Amara N. Okafor", "Amara N. Okafor"),
        ("  Amara   Okafor\t", "Amara Okafor"),
        ("Zoë Łukaszewicz-Ørsted", "Zoë Łukaszewicz-Ørsted"),
        ("Дмитрий Иванов", "Дмитрий Иванов"),
        ("Ελένη", "Ελένη"),
        ("Zoe\u0308", "Zoë"),  # combining diaeresis: composed, one character
    ],
)
def test_printed_names_are_tidied(typed, printed):
    assert printed_name(typed) == printed


@pytest.mark.parametrize(
    ("typed", "phrase"),
    [
        ("", "Write the name"),
        ("   ", "Write the name"),
        ("x" * 101, "at most 100"),
        ("Amara\u200bOkafor", "invisible control character"),
        ("Amara\u202eOkafor", "invisible control character"),
        ("李明", "cannot print"),
    ],
)
def test_names_that_cannot_be_printed_are_refused_saying_why(typed, phrase):
    with pytest.raises(InvalidInput, match=phrase):
        printed_name(typed)


def test_a_cohorts_dates_are_its_first_post_and_the_course_end_in_its_zone():
    course, _ = load_course(default_prompts_dir() / "de-escalation.yaml")
    assert course is not None
    tz = zone("America/Los_Angeles")
    calendar = course_calendar(course, date(2026, 10, 13), tz)
    assert cohort_dates(calendar, tz) == (date(2026, 10, 13), date(2026, 11, 10))
    # Far east of UTC the course's 09:00 Pacific is already the next day.
    assert cohort_dates(calendar, zone("Pacific/Kiritimati")) == (
        date(2026, 10, 14),
        date(2026, 11, 11),
    )


def test_what_a_certificate_certifies_in_words():
    assert certifies(AMARA) == (
        "**Amara N. Okafor** completed **De-escalation in the Library** "
        "(13 October 2026 – 10 November 2026, 15 course hours), instructor Becky Russell."
    )
    no_hours = replace(AMARA, hours=None, name=None)
    assert certifies(no_hours).startswith("**a learner (who has not yet given the name to print)**")
    assert "course hours" not in certifies(no_hours)
    assert verify_text(AMARA.code, AMARA).splitlines()[2] == (
        "Issued 24 November 2026, on completing the course."
    )
    by_hand = replace(AMARA, issued_by=99)
    assert verify_text(AMARA.code, by_hand).endswith("by an instructor.")
    assert verify_text("AAAAA-BBBBB", None).startswith(
        "❌ No certificate has the code **AAAAA-BBBBB**"
    )


def test_a_printed_name_cannot_dress_up_what_an_employer_reads_in_verify():
    # The learner types the name; the employer reads it in /certificate verify as Markdown.
    forged = replace(AMARA, name="[Verified by Harvard](https://evil.example) ** x")
    shown = verify_text(forged.code, forged)
    assert "**\\[Verified by Harvard\\](https://evil.example) \\*\\* x** completed" in shown


def read_back(certificate: Certificate) -> tuple[str, pypdf.PdfReader]:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(certificate, DISCORD)))
    (page,) = reader.pages
    return page.extract_text(), reader


def test_the_pdf_read_back_has_every_field():
    text, reader = read_back(AMARA)
    assert text.splitlines() == [
        "Certificate of Completion",
        "This certifies that",
        "Amara N. Okafor",
        "has completed the course",
        "De-escalation in the Library",
        "13 October 2026 – 10 November 2026",
        "15 course hours · Instructor: Becky Russell",
        "Issued 24 November 2026",
        "Verification code: K7QX4-M2ZPA",
        "Anyone can check this code with /certificate verify in the course's Discord server.",
    ]
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Certificate of completion: De-escalation in the Library"
    assert meta.author == "Becky Russell" and meta.subject == "Verification code K7QX4-M2ZPA"
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)


def test_the_same_certificate_is_the_same_file():
    assert render_pdf(AMARA, DISCORD) == render_pdf(AMARA, DISCORD)


def test_a_name_in_other_scripts_and_a_long_title_print_whole_and_hours_are_optional():
    other = replace(
        AMARA,
        name="Дмитрий Łukaszewicz-Ørsted",
        course_title="Creating a Safe and Welcoming Workplace: " + "Audits and Action Plans " * 3,
        hours=None,
    )
    text, _ = read_back(other)
    lines = text.splitlines()
    assert "Дмитрий Łukaszewicz-Ørsted" in lines
    assert other.course_title.strip() in [line.strip() for line in lines]  # shrunk, one line
    assert "Instructor: Becky Russell" in lines and "course hours" not in text


def test_a_certificate_without_a_name_is_never_printed():
    with pytest.raises(ValueError, match="given their name"):
        render_pdf(replace(AMARA, name=None), DISCORD)


def test_the_certificate_looks_like_one(tmp_path):
    """Rendered to pixels: a navy double frame on white, a navy title, the name in black."""
    document = pypdfium2.PdfDocument(render_pdf(AMARA, DISCORD))
    image = document[0].render(scale=2).to_pil().convert("RGB")  # 1684 × 1190 for A4 at 144 dpi
    image.save(tmp_path / "certificate.png")
    width, height = image.size
    assert abs(width - 1684) <= 1 and abs(height - 1191) <= 1
    mm = width / 297

    def px(x_mm: float, y_mm: float) -> tuple[int, int, int]:
        return image.getpixel((int(x_mm * mm), int(y_mm * mm)))  # type: ignore[return-value]

    def band(y_from: float, y_to: float) -> list[tuple[int, int, int]]:
        box = (int(40 * mm), int(y_from * mm), int(257 * mm), int(y_to * mm))
        pixels = numpy.asarray(image.crop(box)).reshape(-1, 3)
        return [tuple(int(v) for v in p) for p in pixels]  # type: ignore[misc]

    navy = (31, 58, 95)
    near = lambda a, b: all(abs(x - y) <= 40 for x, y in zip(a, b, strict=True))  # noqa: E731
    assert near(px(10, 105), navy) and near(px(148, 10), navy)  # the outer frame
    assert near(px(14, 105), navy) and near(px(283, 105), navy)  # the inner frame
    assert px(5, 5) == (255, 255, 255) and px(148, 50) == (255, 255, 255)  # white page
    title = band(30, 46)
    assert sum(near(p, navy) for p in title) > 2000  # "Certificate of Completion" in navy
    name = band(70, 86)
    assert sum(max(p) < 60 for p in name) > 2000  # the name, in bold black
    assert not [p for p in name if p[2] - p[0] > 40]  # nothing blue in it
    code = band(166, 174)
    assert sum(max(p) < 60 for p in code) > 500  # the verification code, in bold
    empty = band(48, 55)  # between the title and "This certifies that"
    assert all(min(p) > 240 for p in empty)
