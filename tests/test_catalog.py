"""A folder of course files: the good ones load, the broken ones only report."""

from __future__ import annotations

from pathlib import Path

from bot.catalog import course_files, default_prompts_dir, load_catalog, load_files

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (default_prompts_dir() / "de-escalation.yaml").read_text()


def test_the_default_folder_is_the_shipped_prompts():
    assert default_prompts_dir() == ROOT / "prompts"


def test_every_shipped_course_loads_by_id():
    catalog = load_catalog()
    assert sorted(catalog.courses) == ["de-escalation", "safe-workplace"]
    assert catalog.errors == []
    assert [p.severity for p in catalog.problems] == ["warning"]  # the session after the end
    for course_id, course in catalog.courses.items():
        assert course.id == course_id and course.source == ROOT / "prompts" / f"{course_id}.yaml"


def test_a_broken_file_contributes_its_problems_and_no_course(tmp_path):
    (tmp_path / "good.yaml").write_text(SAMPLE)
    (tmp_path / "bad.yaml").write_text(
        SAMPLE.replace("weekly_post: Tuesday", "weekly_post: Moonday")
    )
    catalog = load_catalog(tmp_path)
    assert list(catalog.courses) == ["good"]
    assert [(p.path.name, p.line) for p in catalog.errors] == [("bad.yaml", 7)]


def test_only_visible_yaml_files_are_course_files(tmp_path):
    for name in ("a.yaml", "b.yml", "README.md", ".#a.yaml", "notes.txt"):
        (tmp_path / name).write_text(SAMPLE)
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "c.yaml").write_text(SAMPLE)
    assert [p.name for p in course_files(tmp_path)] == ["a.yaml", "b.yml"]


def test_files_and_folders_can_be_named_together(tmp_path):
    (tmp_path / "one.yaml").write_text(SAMPLE)
    single = tmp_path / "elsewhere.yaml"
    assert course_files(single, tmp_path) == [single, tmp_path / "one.yaml"]


def test_two_files_for_one_course_id_keep_the_first(tmp_path):
    (tmp_path / "calm.yaml").write_text(SAMPLE)
    (tmp_path / "calm.yml").write_text(SAMPLE)
    catalog = load_catalog(tmp_path)
    assert catalog.courses["calm"].source == tmp_path / "calm.yaml"
    (duplicate,) = catalog.errors
    assert duplicate.path == tmp_path / "calm.yml" and duplicate.line == 1
    assert f"a course called 'calm' is already loaded from {tmp_path / 'calm.yaml'}" in str(
        duplicate
    )


def test_a_missing_file_is_a_problem(tmp_path):
    catalog = load_files([tmp_path / "absent.yaml"])
    assert catalog.courses == {}
    assert "cannot read the file" in catalog.errors[0].message
