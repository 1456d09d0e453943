"""The linter (ruff) and the type checker (mypy) pass, so CI fails on them:
they run as part of the README's test command, with the settings in
pyproject.toml and the versions in requirements.lock."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    result = _run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    result = _run(sys.executable, "-m", "mypy", "--cache-dir", str(REPO / ".mypy_cache"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readmes_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r"^python3 -m venv .venv && .*pytest$", readme, re.MULTILINE)
    assert command is not None, "the README gives no test command"
    assert command.group(0) in ci.splitlines()
    assert "-c requirements.lock" in command.group(0)  # CI installs the exact versions
