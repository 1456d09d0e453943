"""The corpus of real-sized programs (tests/programs/) through the page engine.

Every program prints, every word of it present and visible (conftest's
check_pdf runs on every PDF written here), and the engine's promises hold
on real content: cards never split, fewer exercises never need more room.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import REPO, normalize, pdf_pages, run
from handoutgen import page, pipeline
from handoutgen.clinic import Clinic
from handoutgen.dosage import compact, sentence
from handoutgen.errors import HandoutError
from handoutgen.flowables import Fit
from handoutgen.page import distribute, measure
from handoutgen.pipeline import Discharge, Renderer
from handoutgen.resolve import Library, resolve_handout

PROGRAMS = REPO / "tests" / "programs"
NAMES = sorted(p.stem for p in (PROGRAMS / "handouts").glob("*.yaml"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "clinic"
    shutil.copytree(PROGRAMS, root)
    return root


def test_the_corpus_is_real_sized():
    counts = [len(yaml.safe_load((PROGRAMS / "handouts" / f"{n}.yaml").read_text())["exercises"]) for n in NAMES]
    assert len(NAMES) >= 10 and min(counts) >= 3 and max(counts) == 10


def _strings(clinic: Clinic, name: str) -> list[str]:
    """Every text of the program as printed: names, purposes, steps, notes, cautions, doses, sections."""
    resolved = resolve_handout(clinic, clinic.handout_path(name), Library(clinic))
    out = [resolved.model.title]
    for ex in resolved.exercises:
        out += [ex.name, *ex.steps, *ex.cautions] + [t for t in (ex.purpose, ex.note, ex.equipment) if t]
        if ex.dose is not None:
            # The checklist's row says the days a week in its own words ("Any 3 days each week").
            weekly = ex.dose.days_per_week is not None and ex.dose.days_per_week < 7
            out += [sentence(ex.dose), compact(ex.dose, week=not weekly)]
    for section in resolved.model.sections:
        out += [section.heading, *(section.items or []), *((section.text or "").split("\n\n"))]
    out += (resolved.model.summary or "").split("\n\n")
    return [s for s in out if s]


@pytest.mark.parametrize("name", NAMES)
def test_every_program_prints_every_word_visibly_on_at_most_four_pages(corpus, tmp_path, name):
    out = tmp_path / f"{name}.pdf"
    result = run("render", name, "--pages", "4", "--kind", "both", "--date", "2026-12-01",
                 "--patient", "Maria-Magdalena Fernández-Villanueva de la Cruz", "-o", str(out), root=corpus)
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)  # also checks every word is visible (conftest.check_pdf)
    text = normalize(" ".join(pages))
    for string in _strings(Clinic.open(corpus), name):
        assert normalize(string) in text, f"{string!r} is missing"
    assert any("Exercise log" in page for page in pages) and "Bring this sheet" in pages[-1]


def _fits_by_size(clinic: Path, name: str, drop: int | None = None) -> dict[float, int]:
    """Pages the engine needs for the handout at each body size (most compact setting)."""
    path = clinic / "handouts" / f"{name}.yaml"
    data = yaml.safe_load(path.read_text())
    if drop is not None:
        del data["exercises"][drop]
    scratch = clinic / "handouts" / f"scratch-{name}.yaml"
    scratch.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    seen = {}

    def capture(markup, ctx, height, max_pages=1, worst=None):
        engine = measure.Engine(markup, None, ctx, height)
        for size in page.SIZES:
            trial = engine.trial(Fit(size, page.PICTURES[0], page.SPACINGS[0]))
            seen[size] = len(distribute.pages(trial, multi=True))
        raise page.DoesNotFit(0, 1, None)  # measured: no need to draw

    original = pipeline.fit_pages
    pipeline.fit_pages = capture
    try:
        with pytest.raises(HandoutError):  # capture's DoesNotFit, as the user sees it
            Renderer(Clinic.open(clinic)).render(scratch, Discharge(patient="Jane Doe"))
    finally:
        pipeline.fit_pages = original
        scratch.unlink()
    return seen


@pytest.mark.parametrize("name", ["total-knee-replacement", "shoulder-impingement", "general-strengthening"])
def test_a_program_with_one_exercise_less_never_needs_more_pages(corpus, name):
    full = _fits_by_size(corpus, name)
    count = len(yaml.safe_load((corpus / "handouts" / f"{name}.yaml").read_text())["exercises"])
    for drop in range(count):
        less = _fits_by_size(corpus, name, drop)
        assert all(less[size] <= full[size] for size in page.SIZES), (drop, less, full)


def test_report_with_two_pages_shows_how_each_program_was_laid_out(corpus):
    result = run("check", "--report", "--pages", "2", root=corpus)
    rows = [line.split() for line in result.stdout.splitlines()[1:] if line and not line[0].isdigit()]
    laid_out = {row[0] for row in rows}
    failed = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(laid_out) + len(failed) == len(NAMES)
    for row in rows:
        assert row[2] in ("1", "2") and 12 <= float(row[3]) <= 14
    for line in failed:  # too long for two pages: says so, and what would do
        assert "does not fit on 2 pages" in line or "longest names" in line
        assert "`pages: 3`" in line
