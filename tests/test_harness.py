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
from handoutgen.flowables import LARGE_MIN_TEXT_PT, MIN_TEXT_PT

# ------------------------------------------------------------ the floor ----

SOURCES = sorted((REPO / "handoutgen").rglob("*.py")) + [REPO / "tests" / "conftest.py",
                                                          REPO / "tests" / "visible.py"]


def _written(value: float) -> list[str]:
    """Where the number `value` is written (as a float) in handoutgen's sources and the checkers'."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, float) and node.value == value:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return found


@pytest.mark.parametrize("floor", [MIN_TEXT_PT, LARGE_MIN_TEXT_PT], ids=["normal", "large print"])
def test_the_text_floor_is_defined_once(floor):
    """MIN_TEXT_PT (and LARGE_MIN_TEXT_PT) is the only place the floor's number is written:
    the page engine's sizes and the tests' checks take it from there."""
    definitions = _written(floor)
    assert len(definitions) == 1 and definitions[0].startswith("handoutgen/flowables.py:"), definitions
    assert min(fit.SIZES) == fit.SIZES[-1] == MIN_TEXT_PT
    assert min(fit.sizes(large=True)) == fit.sizes(large=True)[-1] == LARGE_MIN_TEXT_PT
    assert conftest.FLOOR == MIN_TEXT_PT and conftest.LARGE_FLOOR == LARGE_MIN_TEXT_PT
    for function in (visible.visibility_problems, visible.assert_visible):
        assert inspect.signature(function).parameters["floor"].default == MIN_TEXT_PT


def test_the_floors_are_the_specs():
    """The values themselves, not only that each is written once: SPEC.md's "hard floor 12 pt"
    and large print's "floor 16". A floor lowered in flowables.py moves the engine and every
    check with it, so only this test says it moved."""
    assert MIN_TEXT_PT == 12.0
    assert LARGE_MIN_TEXT_PT == 16.0
    assert (conftest.FLOOR, conftest.LARGE_FLOOR) == (12.0, 16.0)
    assert fit.text_floor(False) == 12.0 and fit.text_floor(True) == 16.0
    assert fit.print_fit(False).floor == 12.0 and fit.print_fit(True).floor == 16.0
    assert fit.SIZES[0] == 14.0 and fit.sizes(large=True)[0] == 18.0  # SPEC: body 14 pt; large print 18


def test_large_print_pdfs_are_held_to_the_large_floor(tmp_path):
    """check_pdf reads the print size from the PDF (its subject) and holds large print to 16 pt:
    15.5 pt passes in a normal PDF and fails in a large-print one."""
    for subject, fails in (("Home exercise program", False), ("Home exercise program (large print)", True)):
        path = _one_line(tmp_path / "line.pdf", LARGE_MIN_TEXT_PT - 0.5, subject)
        try:
            if fails:
                with pytest.raises(AssertionError, match=f"smaller than {LARGE_MIN_TEXT_PT:g} pt"):
                    check_pdf(path, margin=36)
            else:
                check_pdf(path, margin=36)
        finally:
            path.unlink()


def _one_line(path: Path, size: float, subject: str = "") -> Path:
    canvas = Canvas(str(path), pagesize=(400, 200), invariant=1)
    canvas.setSubject(subject)
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


def _fine_print_pdf() -> bytes:
    """A PDF made by handoutgen's own page drawing (pdf.make_pdf), with a line at 9.5 pt."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from handoutgen import pdf

    line = Paragraph("Fine print under the floor.", ParagraphStyle("fine", fontName="Helvetica", fontSize=9.5))
    return pdf.make_pdf([pdf.Page(main=[line], bottom=[])], "letter", title="t", author="a",
                        subject="Home exercise program", font="Helvetica", margin=36)


def test_every_pdf_made_in_the_process_is_checked_wherever_it_goes():
    """A PDF streamed to standard output (`-o -`), served by the web page or written outside
    the test's folder leaves nothing in tmp_path: the fixture checks what pdf.make_pdf made."""
    result = conftest.run("render", SAMPLE, "--date", "2026-12-01", "-o", "-", root=REPO)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("%PDF-")  # streamed: no file anywhere
    assert [data[:5] for data, _ in conftest._MADE] == [b"%PDF-"]
    assert conftest._MADE[0][1] == conftest._margins_of(REPO / "brand.yaml")  # the brand's own margins
    conftest.check_made_pdfs()  # the sample passes
    assert conftest._MADE == []
    _fine_print_pdf()
    with pytest.raises(AssertionError, match="smaller than 12 pt"):
        conftest.check_made_pdfs()
    assert conftest._MADE == []  # checked, and forgotten: the fixture does not fail this test


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
