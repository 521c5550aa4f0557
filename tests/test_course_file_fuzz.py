"""Whatever an instructor's editor does to a course file, checking it never crashes.

Hypothesis mutates the valid samples (lines dropped, duplicated, swapped,
re-indented, values replaced, text cut short) and checks that loading either
accepts the file or reports located problems.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import default_prompts_dir
from bot.course_file import parse_course

SAMPLES = [p.read_text() for p in sorted(default_prompts_dir().glob("*.yaml"))]
NOISE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["", ":", "- ", "[", "{", "'", '"', "&a", "*a", "!!python/object", "10:00", "no", "2025-02-30",
     "x" * 5000, "  ", "\t", "---", "...", "#", "|", ">", "any", "all", "yes",
     "[discussion, session]", "[assignment, assignment]", "{meets: all}"]
)  # fmt: skip


@st.composite
def mutated(draw) -> str:
    lines = draw(st.sampled_from(SAMPLES)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        action = draw(
            st.sampled_from(["drop", "dup", "swap", "indent", "value", "insert", "chars", "cut"])
        )
        if action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "indent":
            lines[i] = " " * draw(st.integers(0, 9)) + lines[i].lstrip()
        elif action == "value":
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {draw(NOISE)}"
        elif action == "insert":
            lines.insert(i, draw(NOISE))
        elif action == "chars":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(NOISE) + lines[i][at:]
        else:
            lines = lines[:i]
    return "\n".join(lines)


@settings(max_examples=200, deadline=None)
@given(mutated())
def test_check_never_raises_and_every_problem_is_located(text):
    course, problems = parse_course(text, Path("c.yaml"))
    last_line = len(text.splitlines()) + 1  # PyYAML may point just past the end
    for problem in problems:
        assert 1 <= problem.line <= last_line, str(problem)
        assert problem.message.strip()
        assert str(problem).startswith(f"c.yaml:{problem.line}: ")
    errors = [p for p in problems if p.severity == "error"]
    assert (course is not None) == (not errors), [str(p) for p in problems]
