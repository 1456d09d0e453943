"""The test harness itself: the one text-size floor every PDF is checked
against, and a cache kept out of the developer's ~/.cache."""

from __future__ import annotations

import ast
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas

import conftest
import visible
from conftest import REPO, SAMPLE, check_pdf
from handoutgen import cache
from handoutgen import page as fit
from handoutgen.flowables import MIN_TEXT_PT

# ------------------------------------------------------------ the floor ----

SOURCES = sorted((REPO / "handoutgen").rglob("*.py")) + [REPO / "tests" / "conftest.py",
                                                          REPO / "tests" / "visible.py"]


def test_the_text_floor_is_defined_once():
    """MIN_TEXT_PT is the only place the floor's number is written: the page
    engine's sizes and the tests' checks take it from there."""
    definitions = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, float) and node.value == MIN_TEXT_PT:
                definitions.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert len(definitions) == 1 and definitions[0].startswith("handoutgen/flowables.py:"), definitions
    assert min(fit.SIZES) == fit.SIZES[-1] == MIN_TEXT_PT
    assert conftest.FLOOR == MIN_TEXT_PT
    for function in (visible.visibility_problems, visible.assert_visible):
        assert inspect.signature(function).parameters["floor"].default == MIN_TEXT_PT


def _one_line(path: Path, size: float) -> Path:
    canvas = Canvas(str(path), pagesize=(400, 200), invariant=1)
    canvas.setFont("Helvetica", size)
    canvas.drawString(60, 100, "Hold for five seconds.")
    canvas.save()
    return path


@pytest.mark.parametrize("below", [0.5, 0.1])
def test_every_pdf_a_test_writes_is_checked_against_the_floor(tmp_path, below):
    """check_pdf (which the autouse fixture runs on every PDF a test leaves in
    its folder) refuses text just under MIN_TEXT_PT and accepts it at the floor."""
    small = _one_line(tmp_path / "small.pdf", MIN_TEXT_PT - below)
    try:
        with pytest.raises(AssertionError, match=f"smaller than {MIN_TEXT_PT:g} pt"):
            check_pdf(small, margin=36)
    finally:
        small.unlink()  # else the autouse fixture fails this test after it
    check_pdf(_one_line(tmp_path / "floor.pdf", MIN_TEXT_PT), margin=36)


# ------------------------------------------------------------ the cache ----

def _under(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def test_the_tests_cache_is_not_the_developers():
    home_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    in_use = cache.cache_dir("images")
    assert os.environ.get("HANDOUTGEN_CACHE_DIR"), "conftest must set HANDOUTGEN_CACHE_DIR"
    assert _under(in_use, Path(os.environ["HANDOUTGEN_CACHE_DIR"]))
    assert not _under(in_use, home_cache / "handoutgen"), in_use


def test_a_render_in_the_tests_writes_nothing_under_home(tmp_path):
    """The command, run as the tests run it (their environment, any HOME),
    keeps its fonts and pictures in the session's cache."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"}
    env["HOME"] = str(home)
    done = subprocess.run([sys.executable, "-m", "handoutgen", "render", SAMPLE, "-o", str(tmp_path / "x.pdf"),
                           "--root", str(REPO)], capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (home / ".cache").exists(), sorted(str(p) for p in (home / ".cache").rglob("*"))
    assert any((Path(os.environ["HANDOUTGEN_CACHE_DIR"]) / "images").iterdir())


def test_a_cache_folder_set_by_ci_is_kept(tmp_path):
    """.ci/run sets HANDOUTGEN_CACHE_DIR itself: conftest keeps it."""
    env = dict(os.environ, HANDOUTGEN_CACHE_DIR=str(tmp_path / "ci-cache"))
    done = subprocess.run([sys.executable, "-c", "import os, conftest; print(os.environ['HANDOUTGEN_CACHE_DIR'])"],
                          capture_output=True, text=True, env=env, cwd=REPO / "tests", timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / "ci-cache")
