"""The dosage checklist prints the same pages alone (`--kind checklist`) as
inside `--kind both`, and takes one or two pages whatever --pages says
(README, "The dosage checklist": "A log of one or two pages").

Each render runs in a process of its own, as a therapist's commands do: in
this test session's process, what earlier tests rendered would decide what
the checklist looks like (the same input must give the same bytes whatever
ran before; the last test checks that rule inside one process).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from conftest import REPO, pdf_pages

PROGRAMS = REPO / "tests" / "programs"
DATE = "2026-12-01"
CHECKLIST_PAGES = 2  # README: "A log of one or two pages"
LOG = "Exercise log"  # on every page of the checklist (its title, then its running header), on no handout page
BLANK = "This side is blank"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("checklist-pages") / "clinic"
    shutil.copytree(PROGRAMS, root)
    return root


Page = tuple[str, tuple[float, ...]]  # a page's text and the sizes of its letters
_RENDERED: dict[tuple[str, int, str], tuple[list[Page], str]] = {}


def letter_sizes(path: Path) -> list[tuple[float, ...]]:
    """Each page's letter sizes, pt (the body size, the dose lines', the headings'...)."""
    document = pdfium.PdfDocument(str(path))
    try:
        sizes = []
        for index in range(len(document)):
            text = document[index].get_textpage()
            sizes.append(tuple(sorted({round(pdfium.raw.FPDFText_GetFontSize(text.raw, k), 2)
                                       for k in range(text.count_chars())})))
        return sizes
    finally:
        document.close()


def render(corpus: Path, name: str, pages: int, kind: str) -> tuple[list[Page], str]:
    """(each page's text and letter sizes, what the command said) of one render, in a fresh process."""
    key = (name, pages, kind)
    if key not in _RENDERED:
        out = corpus.parent / f"{name}-{pages}-{kind}.pdf"
        done = subprocess.run([sys.executable, "-m", "handoutgen", "render", name, "--root", str(corpus),
                               "--pages", str(pages), "--kind", kind, "--date", DATE, "-o", str(out)],
                              capture_output=True, text=True, cwd=REPO, env=dict(os.environ), timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        _RENDERED[key] = (list(zip(pdf_pages(out), letter_sizes(out), strict=True)), done.stdout.strip())
    return _RENDERED[key]


def checklist_part(pages: list[Page]) -> list[Page]:
    """The checklist's pages of a `--kind both` PDF: from its first page on, the blank side left out."""
    first = next(i for i, (text, _) in enumerate(pages) if LOG in text)
    assert not any(LOG in text for text, _ in pages[:first])
    return [page for page in pages[first:] if BLANK not in page[0]]


def _summary(said: str) -> str:
    found = re.search(r"\((\d+ pages?).*?([\d.]+ pt text)\)", said)
    return f"{found[1]}, {found[2]}" if found else said


# Where the two differ on the current code (the survey of the corpus, --pages 1 to 4), and one
# program where they agree. total-knee-replacement --pages 4 is the case first seen:
# 2 pages at 13.5 pt alone, 3 pages at 14 pt inside --kind both.
SAME_PAGES = [("total-knee-replacement", 4), ("total-knee-replacement", 3), ("ankle-sprain", 2),
              ("balance-falls-prevention", 2), ("low-back-pain", 3), ("frozen-shoulder", 2)]


@pytest.mark.parametrize(("name", "pages"), SAME_PAGES, ids=[f"{n}-p{p}" for n, p in SAME_PAGES])
def test_the_checklist_alone_prints_the_pages_it_prints_inside_both(corpus, name, pages):
    alone, said = render(corpus, name, pages, "checklist")
    both, _ = render(corpus, name, pages, "both")
    inside = checklist_part(both)
    assert len(alone) == len(inside), (f"--kind checklist: {_summary(said)}; inside --kind both: "
                                       f"{len(inside)} pages")
    for number, ((text_alone, sizes_alone), (text_inside, sizes_inside)) in enumerate(zip(alone, inside,
                                                                                            strict=True), 1):
        assert text_alone == text_inside, f"checklist page {number}: its words differ alone and inside --kind both"
        assert sizes_alone == sizes_inside, (f"checklist page {number}: letters of {sizes_alone} pt alone, "
                                             f"{sizes_inside} pt inside --kind both")


# The programs whose checklist takes three pages on the current code when --pages allows it.
AT_MOST_TWO = [("balance-falls-prevention", 4), ("general-strengthening", 3), ("patellofemoral-knee-pain", 4),
               ("shoulder-impingement", 3), ("total-knee-replacement", 4)]


@pytest.mark.parametrize("kind", ["checklist", "both"])
@pytest.mark.parametrize(("name", "pages"), AT_MOST_TWO, ids=[f"{n}-p{p}" for n, p in AT_MOST_TWO])
def test_a_checklist_never_takes_more_than_two_pages(corpus, name, pages, kind):
    printed, said = render(corpus, name, pages, kind)
    log = printed if kind == "checklist" else checklist_part(printed)
    assert 1 <= len(log) <= CHECKLIST_PAGES, (f"--pages {pages} --kind {kind}: the checklist takes {len(log)} "
                                              f"pages ({_summary(said)})")


def test_the_checklist_is_the_same_bytes_whatever_ran_before(corpus, tmp_path):
    """One process renders the checklist, then the handout, then the checklist again."""
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from click.testing import CliRunner
        from handoutgen.cli import cli
        root, out = sys.argv[1], Path(sys.argv[2])
        made = []
        for n, kind in enumerate(["checklist", "handout", "checklist"]):
            target = out / f"{n}-{kind}.pdf"
            result = CliRunner().invoke(cli, ["render", "total-knee-replacement", "--root", root, "--pages", "4",
                                              "--kind", kind, "--date", "2026-12-01", "-o", str(target)])
            assert result.exit_code == 0, result.output
            made.append(target.read_bytes())
        print("same" if made[0] == made[2] else "different")
    """)
    done = subprocess.run([sys.executable, "-c", script, str(corpus), str(tmp_path)], capture_output=True,
                          text=True, cwd=REPO, env=dict(os.environ), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "same", ("the checklist's PDF changed after a handout was rendered "
                                           "in the same process")


def test_more_pages_never_give_a_long_checklist_a_third_page(corpus, tmp_path):
    """Three weeks of ten exercises do not fit two pages: --pages 4 refuses them as --pages 2 does
    (README: too many exercises × days to fit two pages at 12 pt is an error), never prints three."""
    root = tmp_path / "clinic"
    shutil.copytree(corpus, root)
    path = root / "handouts" / "general-strengthening.yaml"
    two_weeks = "checklist: {days: 14, pain_score: false}"
    text = path.read_text(encoding="utf-8")
    assert two_weeks in text
    path.write_text(text.replace(two_weeks, two_weeks.replace("14", "21")), encoding="utf-8")
    said = {}
    for pages in (2, 4):
        out = tmp_path / f"log-{pages}.pdf"
        done = subprocess.run([sys.executable, "-m", "handoutgen", "render", "general-strengthening", "--root",
                               str(root), "--pages", str(pages), "--kind", "checklist", "--date", DATE, "-o", str(out)],
                              capture_output=True, text=True, cwd=REPO, env=dict(os.environ), timeout=300)
        said[pages] = (done.returncode, len(pdf_pages(out)) if out.exists() else 0)
        assert said[pages][1] <= CHECKLIST_PAGES, f"--pages {pages}: the checklist takes {said[pages][1]} pages"
    assert said[2] == said[4], f"(exit code, pages) by --pages: {said}"


def test_a_style_made_from_another_keeps_its_own_paragraphs():
    """The root cause: a style made with parent= (the checklist's dose line, from the card's)
    copies its parent's attributes, and must not share its parent's paragraphs."""
    from reportlab.lib.styles import ParagraphStyle

    from handoutgen.flowables import paragraph

    parent = ParagraphStyle("card-dose", fontSize=14, leading=17)
    made = paragraph("20 reps · 3× a day", parent)
    child = ParagraphStyle("log-dose", parent=parent, fontSize=12.04, leading=13.85)
    again = paragraph("20 reps · 3× a day", child)
    assert again is not made, "the child style was given its parent's paragraph (its cached style key)"
    assert again.style.fontSize == 12.04


def _exercise_names(handout: str) -> list[str]:
    import yaml

    names = []
    for entry in yaml.safe_load((PROGRAMS / "handouts" / f"{handout}.yaml").read_text())["exercises"]:
        if "use" in entry:  # from the library, by id
            entry = yaml.safe_load((PROGRAMS / "exercises" / f"{entry['use']}.yaml").read_text())
        if "name" in entry:  # not a section heading
            names.append(entry["name"])
    return names


# Programs whose logs fit their pages without leaving an exercise row alone (the others' only
# way to save a page is such a split: ankle-sprain and general-strengthening in large print).
ORPHAN_FREE = [(name, False) for name in sorted(p.stem for p in (PROGRAMS / "handouts").glob("*.yaml"))] + [
    (name, True) for name in ("frozen-shoulder", "plantar-fasciitis", "total-hip-replacement", "hand-wrist",
                              "rotator-cuff-repair-early", "neck-pain", "shoulder-impingement")]


@pytest.mark.parametrize(("name", "large"), ORPHAN_FREE)
def test_a_week_split_between_pages_leaves_no_exercise_alone(corpus, tmp_path, name, large):
    """A part of a week holding one exercise reads as a week of its own (issue 20's review
    found 13): a split keeps two exercise rows on each side when the pages allow it."""
    out = tmp_path / "log.pdf"
    args = ["render", name, "--kind", "checklist", "--date", DATE, "-o", str(out)]
    subprocess.run([sys.executable, "-m", "handoutgen", *args, "--root", str(corpus)]
                   + (["--large-print"] if large else []), check=True, capture_output=True)
    names = _exercise_names(name)
    for number, text in enumerate(pdf_pages(out), 1):
        parts = re.split(r"Week \d+(?: \(continued\))?", text)[1:]  # each part of a week on the page
        for part in parts:
            shown = [n for n in names if n in part]
            assert len(shown) >= min(2, len(names)), (number, shown, part[:120])
