"""Issue 20: paper goes to the exercises. The page engine's promises, on the
corpus of real programs (tests/programs/) and the sample: the fewest pages at
the size chosen, small furniture, the dose said once, large print that always
prints (one column, pictures at least 2 in), a card taller than a page that
continues after a step. Every PDF written here is also checked by conftest:
every word visible, inside the margins, nothing under the floor."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import yaml

from conftest import REPO, SAMPLE, edit, normalize, pdf_pages, picture_widths, run
from handoutgen import pipeline
from handoutgen.clinic import Clinic
from handoutgen.flowables import LARGE_MIN_TEXT_PT
from handoutgen.page import distribute, engine, measure
from handoutgen.pipeline import Discharge, Renderer
from handoutgen.resolve import Library, resolve_handout

PROGRAMS = REPO / "tests" / "programs"
NAMES = sorted(p.stem for p in (PROGRAMS / "handouts").glob("*.yaml"))
LONG_NAME = "Maria-Magdalena Fernández-Villanueva de la Cruz y Montenegro"  # 60 characters
EXERCISES = {n: len(yaml.safe_load((PROGRAMS / "handouts" / f"{n}.yaml").read_text())["exercises"]) for n in NAMES}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "clinic"
    shutil.copytree(PROGRAMS, root)
    return root


_REPORTS: dict[tuple, str] = {}


def _report(clinic: Path, *args: str) -> str:
    """check --report's output, once a module per clinic and options (the corpus is not changed)."""
    key = (clinic, args)
    if key not in _REPORTS:
        _REPORTS[key] = run("check", "--report", *args, root=clinic).stdout
    return _REPORTS[key]


def report(clinic: Path, *args: str) -> dict[str, list[str]]:
    """check --report's handout rows, by handout: [pages, size, widest, smallest, band]."""
    rows = {}
    for line in _report(clinic, *args).splitlines()[1:]:
        cells = line.split()
        if len(cells) > 2 and cells[1] == "handout":
            rows[cells[0]] = [cells[2], cells[3], cells[5], cells[7], cells[9]]
    return rows


def bands(clinic: Path, *args: str) -> dict[tuple[str, str], float]:
    """The report's tallest empty band (holes under a shorter column included), in, by (handout, kind)."""
    out = {}
    for line in _report(clinic, *args).splitlines()[1:]:
        cells = line.split()
        if len(cells) > 2 and cells[1] in ("handout", "checklist"):
            out[cells[0], cells[1]] = float(cells[-3])  # "... 0.14 in 2.7" (the grade: "-" for a checklist)
    return out


@pytest.mark.parametrize("options", [("--pages", "2"), ("--pages", "3"), ("--large-print",)])
def test_no_page_but_the_last_keeps_an_empty_band_taller_than_0_75_in(corpus, options):
    """Holes under a shorter column count (Rendered.holes_pt). Of a handout: a checklist's
    week moves whole rather than leave one exercise alone (test_checklist_pages.py), and
    the room that leaves is shared between its blocks."""
    found = {name: band for (name, kind), band in bands(corpus, *options).items() if kind == "handout"}
    assert len(found) >= len(NAMES) - 2  # at --pages 2, two programs need 3
    assert {name: band for name, band in found.items() if band > 0.75} == {}


def _card_bottoms(path: Path, page: int) -> list[float]:
    """The bottom edge of each card's border on a page (the tall stroked rectangles), pt."""
    document = pdfium.PdfDocument(str(path))
    try:
        bottoms = []
        for obj in document[page].get_objects(max_depth=4):
            if obj.type == pdfium.raw.FPDF_PAGEOBJ_PATH:
                left, bottom, right, top = obj.get_bounds()
                if top - bottom > 72 and 200 < right - left < 300:  # a half-width card
                    bottoms.append(round(bottom, 1))
        return bottoms
    finally:
        document.close()


def test_the_cards_of_a_two_column_row_end_level(corpus, tmp_path):
    out = tmp_path / "frozen.pdf"
    run("render", "frozen-shoulder", "--pages", "2", "-o", str(out), root=corpus)
    for page in (0, 1):
        bottoms = _card_bottoms(out, page)
        assert len(bottoms) == 2 and bottoms[0] == bottoms[1], (page, bottoms)


def test_the_corpus_at_two_pages_prints_up_to_seven_exercises_on_two_pages_at_14_pt(corpus):
    rows = report(corpus, "--pages", "2")
    for name, count in EXERCISES.items():
        if count <= 7:
            assert name in rows and int(rows[name][0]) <= 2 and float(rows[name][1]) == 14, (name, rows.get(name))


def test_the_corpus_at_three_pages_prints_every_program_at_14_pt(corpus):
    rows = report(corpus, "--pages", "3")
    assert set(rows) == set(NAMES)
    for name, (pages, size, *_) in rows.items():
        assert int(pages) <= 3 and float(size) == 14, (name, pages, size)


def test_the_three_exercise_program_fits_one_page(corpus):
    rows = report(corpus, "--pages", "1")
    small = [name for name, count in EXERCISES.items() if count == 3]
    assert small and all(name in rows and rows[name][0] == "1" and float(rows[name][1]) >= 12 for name in small)


def _laid_out(clinic: Path, name: str, limit: int, large: bool = False) -> tuple[int, int] | None:
    """(pages used, the fewest pages the chosen size needs), or None if it does not fit."""
    seen = []
    original = pipeline.fit_pages

    def spy(markup, ctx, height, max_pages=1, worst=None):
        fitted = original(markup, ctx, height, max_pages, worst)
        fresh = measure.Engine(markup, None, ctx, height)  # measured afresh, as a first render
        seen.append((len(fitted.pages), len(distribute.paginate(fresh.trial(engine.compact_fit(fresh, fitted.body))))))
        return fitted

    pipeline.fit_pages = spy
    try:
        Renderer(Clinic.open(clinic)).render(clinic / "handouts" / f"{name}.yaml",
                                             Discharge(patient="Jane Doe", pages=limit, large_print=large))
    except pipeline.HandoutError:
        return None
    finally:
        pipeline.fit_pages = original
    return seen[0]


@pytest.mark.parametrize("name", NAMES)
def test_no_needless_page_for_any_program_and_any_page_limit(corpus, name):
    """Fewer pages always beat more generous spacing: the pages used are the fewest
    the chosen size needs, whatever the limit allows."""
    for limit in range(1, 5):
        laid = _laid_out(corpus, name, limit)
        if laid is not None:
            used, fewest = laid
            assert used == fewest, (name, limit, used, fewest)


def test_large_print_prints_every_program_at_16_pt_or_more_with_no_refusal(corpus):
    rows = report(corpus, "--large-print")
    assert set(rows) == set(NAMES), "large print refused a program"
    for name, (_pages, size, _, smallest, _) in rows.items():
        assert float(size) >= LARGE_MIN_TEXT_PT, (name, size)
        assert smallest == "-" or float(smallest) >= 2.0, (name, smallest)
    assert sum(float(size) == 18 for _, size, *_ in rows.values()) >= len(NAMES) - 2


def _headings(path: Path, clinic: Path, name: str) -> list[tuple[int, str, float, float]]:
    """(page, heading, left, top) of every card heading "N. Name" of the program."""
    resolved = resolve_handout(Clinic.open(clinic), clinic / "handouts" / f"{name}.yaml", Library(Clinic.open(clinic)))
    headings = [f"{n}. {ex.name}" for n, ex in enumerate(resolved.exercises, 1)]
    found = []
    document = pdfium.PdfDocument(str(path))
    try:
        for index in range(len(document)):
            text = document[index].get_textpage()
            whole = text.get_text_range()
            for heading in headings:
                at = whole.find(heading[:12])
                if at >= 0:
                    left, _, _, top = text.get_charbox(at)
                    found.append((index, heading, left, top))
    finally:
        document.close()
    assert {h for _, h, _, _ in found} == set(headings)
    return found


@pytest.mark.parametrize("name", ["general-strengthening", "shoulder-impingement", "hand-wrist"])
def test_large_print_reads_down_one_column_with_pictures_at_least_2_in(corpus, tmp_path, name):
    out = tmp_path / f"{name}.pdf"
    result = run("render", name, "--large-print", "--date", "2026-12-01", "-o", str(out), root=corpus)
    assert result.exit_code == 0, result.output
    lefts = [left for _, _, left, _ in _headings(out, corpus, name)]
    assert max(lefts) - min(lefts) < 6, lefts  # every card's heading at the left edge (its digit's ink): one column
    logo = min(picture_widths(out))
    assert all(width >= 2 * 72 - 0.5 for width in picture_widths(out) if width != logo)


def test_large_print_honours_pages_and_says_how_many_would_do(corpus, tmp_path):
    out = tmp_path / "a.pdf"
    result = run("render", "general-strengthening", "--large-print", "--pages", "1", "-o", str(out), root=corpus)
    assert result.exit_code == 1 and "does not fit on one page" in result.output
    needed = int(re.search(r"--pages (\d) would allow it", result.output).group(1))
    result = run("render", "general-strengthening", "--large-print", "--pages", str(needed), "-o", str(out),
                 root=corpus)
    assert result.exit_code == 0, result.output
    assert len(pdf_pages(out)) == needed


def test_normal_print_refuses_more_than_four_pages(corpus, tmp_path):
    result = run("render", "neck-pain", "--pages", "6", "-o", str(tmp_path / "a.pdf"), root=corpus)
    assert result.exit_code == 1 and "--pages: at most 4 pages in normal print" in result.output


def test_a_card_taller_than_a_page_in_large_print_continues_after_a_step(clinic, tmp_path):
    path = clinic / "handouts" / f"{SAMPLE}.yaml"
    steps = "".join(f"      - Step {k}, hold the chair, lift one heel slowly, then lower it, breathing out.\n"
                    for k in range(1, 31))
    edit(path, "sections:", f"  - name: Tendon Gliding\n    steps:\n{steps}    dosage: {{reps: 5, sets: 2}}\nsections:")
    out = tmp_path / "large.pdf"
    result = run("render", SAMPLE, "--large-print", "--date", "2026-12-01", "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)  # every word visible (conftest), at 16 pt or more
    starts = [i for i, page in enumerate(pages) if "3. Tendon Gliding" in page]
    assert len(starts) >= 2
    assert all("3. Tendon Gliding, continued" in pages[i] for i in starts[1:])
    where = [next(i for i, page in enumerate(pages)
                  if f"Step {k}, hold the chair, lift one heel slowly, then lower it, breathing out." in page)
             for k in range(1, 31)]
    assert where == sorted(where) and where[0] == starts[0] and where[-1] == starts[-1]
    assert "Do 5 times. Do 2 sets." in pages[starts[-1]]


def _lines_of(path: Path, page: int, needle: str) -> list[int]:
    """The lines (a baseline each, pt) the characters of `needle` sit on, on `page`: glyph
    boxes closer than 8 pt in height are on one line (descenders and accents differ)."""
    lines: list[int] = []
    for bottom in sorted(_baselines(path, page, needle)):
        if not lines or bottom - lines[-1] > 8:
            lines.append(bottom)
    return lines


def _baselines(path: Path, page: int, needle: str) -> list[int]:
    """The baseline (rounded pt) of each character of `needle` but spaces, where it
    first appears on `page`."""
    document = pdfium.PdfDocument(str(path))
    try:
        text = document[page].get_textpage()
        whole = text.get_text_range()
        flat = whole.replace("\r\n", " ").replace("\n", " ")
        start = normalize(flat).find(needle)
        assert start >= 0, (needle, flat[:300])
        # Map the index in the folded text back: count non-space characters.
        wanted = sum(not c.isspace() for c in normalize(flat)[:start])
        seen, lines = 0, []
        for index, char in enumerate(whole):
            if char.isspace():
                continue
            if wanted <= seen < wanted + sum(not c.isspace() for c in needle):
                lines.append(round(text.get_charbox(index)[1]))
            seen += 1
        return lines
    finally:
        document.close()


def test_the_running_header_is_one_line_with_a_60_character_name(corpus, tmp_path):
    out = tmp_path / "a.pdf"
    result = run("render", "total-knee-replacement", "--pages", "3", "--patient", LONG_NAME, "-o", str(out),
                 root=corpus)
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert len(pages) >= 2
    for index in range(1, len(pages)):
        assert pages[index].startswith(f"(608) 555-0172 · {LONG_NAME} Page {index + 1} of {len(pages)}")
        assert len(_lines_of(out, index, f"(608) 555-0172 · {LONG_NAME}")) == 1


def test_a_60_character_clinic_name_takes_one_or_two_lines(clinic, tmp_path):
    name = "Saint Marys Regional Outpatient Physical Therapy and Rehab Care"[:60]
    edit(clinic / "brand.yaml", "clinic: More 4 Life Physical Therapy", f"clinic: {name}")
    edit(clinic / "brand.yaml", "page_size: letter", "page_size: a4")
    out = tmp_path / "a.pdf"
    result = run("render", SAMPLE, "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    assert 1 <= len(_lines_of(out, 0, name)) <= 2


def test_the_sample_stays_one_page_at_14_pt_with_pictures_of_1_6_in_and_a_60_character_name(clinic, tmp_path):
    out = tmp_path / "a.pdf"
    result = run("render", SAMPLE, "--patient", LONG_NAME, "--therapist", "Sam Lee, PT", "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    assert "(1 page," in result.stdout and "14 pt text" in result.stdout
    pictures = sorted(picture_widths(out))[1:]  # the smallest is the logo
    assert len(pictures) == 2 and min(pictures) >= 1.6 * 72
    assert LONG_NAME in pdf_pages(out)[0]


def test_the_names_line_is_one_line_and_never_breaks_inside_a_name(clinic, tmp_path):
    out = tmp_path / "a.pdf"
    result = run("render", SAMPLE, "--patient", "Mary Ann Smith-Jones", "--therapist", "Sam Lee, PT",
                 "--date", "2026-12-01", "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    assert len(_lines_of(out, 0, "For: Mary Ann Smith-Jones Therapist: Sam Lee, PT Date: December 1, 2026")) == 1


def test_the_card_says_the_dose_once(corpus, tmp_path):
    out = tmp_path / "a.pdf"
    assert run("render", "neck-pain", "--pages", "2", "-o", str(out), root=corpus).exit_code == 0
    text = " ".join(pdf_pages(out))
    assert text.count("Do 10 times. Hold each one for 5 seconds. Do the whole exercise 4 times a day.") == 1
    assert "10 reps · hold 5 s" not in text  # the compact line is the checklist's


def test_the_footer_prints_once_on_the_last_page(corpus, tmp_path):
    out = tmp_path / "a.pdf"
    assert run("render", "ankle-sprain", "--pages", "2", "-o", str(out), root=corpus).exit_code == 0
    pages = pdf_pages(out)
    footer = "2150 Fish Hatchery Road"
    assert [footer in page for page in pages] == [False] * (len(pages) - 1) + [True]
    assert all("Some soreness is normal" in page and "555-0172" in page for page in pages)


def test_a_phone_number_never_breaks_across_lines(clinic, tmp_path):
    phone = "+34 952 771 408"
    edit(clinic / "brand.yaml", "phone: 314-941-3970", f'phone: "{phone}"')
    safety = ("Deje cualquier ejercicio que le cause un dolor agudo y llame a la clínica al " + phone +
              " o a su médico.")
    text = (clinic / "brand.yaml").read_text()
    (clinic / "brand.yaml").write_text(re.sub(r"(?m)^safety:.*$", f"safety: {safety}", text))
    for width in ("0.375 in", "0.5 in", "0.75 in", "1 in"):  # wherever the line happens to end
        edit(clinic / "brand.yaml", "page_size: letter", f"page_size: letter\nmargins: {width}")
        out = tmp_path / "a.pdf"
        result = run("render", SAMPLE, "-o", str(out), root=clinic)
        assert result.exit_code == 0, result.output
        assert phone in pdf_pages(out)[0]
        digits = sum(not c.isspace() for c in phone)
        boxes = sorted(_baselines(out, 0, "llame a la clínica al " + phone)[-digits:])
        assert boxes[-1] - boxes[0] <= 8, width
        edit(clinic / "brand.yaml", f"page_size: letter\nmargins: {width}", "page_size: letter")
