"""scripts/run and scripts/test install into .venv once, and again when pyproject.toml changes.

Run on a copy of the scripts in a scratch checkout whose .venv holds stand-ins: a
``python`` that records every ``pip install`` (and runs anything else for real), and
tools that do nothing. No network, no real install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    for name in ("run", "test", "_venv.sh"):
        shutil.copy2(SCRIPTS / name, tmp_path / "scripts" / name)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "cohortbot"\n')
    bin_ = tmp_path / ".venv" / "bin"
    bin_.mkdir(parents=True)
    fakes = {
        "python": f'if [ "$1" = -m ]; then echo "$*" >>"$(dirname "$0")/../pip.log"; exit 0; fi\n'
        f'exec {sys.executable} "$@"\n',
        "cohortbot": 'echo "cohortbot $*"\n',
        "ruff": "true\n",
        "mypy": "true\n",
        "pytest": "true\n",
    }
    for name, body in fakes.items():
        (bin_ / name).write_text("#!/usr/bin/env bash\n" + body)
        (bin_ / name).chmod(0o755)
    return tmp_path


def run(checkout: Path, script: str, *arguments: str) -> str:
    # The install step is what is under test: no PostgreSQL provisioning here (it has its own).
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"COHORTBOT_SKIP_POSTGRES": "1"}
    done = subprocess.run(
        [str(checkout / "scripts" / script), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    return done.stdout


def installs(checkout: Path) -> list[str]:
    log = checkout / ".venv" / "pip.log"
    return [line.split(" -e ")[-1] for line in log.read_text().splitlines()] if log.exists() else []


def test_run_installs_once_and_again_when_pyproject_changes(checkout):
    assert run(checkout, "run", "check") == "cohortbot check\n"
    assert run(checkout, "run", "check") == "cohortbot check\n"
    assert installs(checkout) == ["."]
    with (checkout / "pyproject.toml").open("a") as pyproject:
        pyproject.write('dependencies = ["something-new"]\n')
    run(checkout, "run", "check")
    run(checkout, "run", "check")
    assert installs(checkout) == [".", "."]


def test_test_installs_the_dev_extra_once_and_run_then_needs_nothing(checkout):
    run(checkout, "test")
    run(checkout, "test")
    run(checkout, "run", "check")  # the dev install includes the package
    assert installs(checkout) == [".[dev]"]


def test_run_alone_does_not_stand_for_the_dev_extra(checkout):
    run(checkout, "run", "check")
    run(checkout, "test")
    assert installs(checkout) == [".", ".[dev]"]


def without_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "env_file, runs",
    [
        ("", "cohortbot demo"),
        ("DISCORD_TOKEN=\nSLACK_BOT_TOKEN=\n", "cohortbot demo"),
        ("DISCORD_TOKEN=abc\n", "cohortbot run"),
        # README, Slack step 2: both Slack tokens in .env, then ./scripts/run
        ("SLACK_BOT_TOKEN=xoxb-1\nSLACK_APP_TOKEN=xapp-1\n", "cohortbot run"),
        # one Slack token alone: `cohortbot run` says which one is missing (exit 2), no demo
        ("SLACK_APP_TOKEN=xapp-1\n", "cohortbot run"),
    ],
)
def test_run_connects_with_any_platform_token_in_env_file_else_plays_the_demo(
    checkout, monkeypatch, env_file, runs
):
    (checkout / ".env").write_text(env_file)
    without_tokens(monkeypatch)
    assert run(checkout, "run").splitlines()[-1] == runs


def test_run_connects_with_slack_tokens_in_the_environment(checkout, monkeypatch):
    without_tokens(monkeypatch)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert run(checkout, "run").splitlines()[-1] == "cohortbot run"
