"""Issue 15, item 6: layout details, measured in the PDF: the text of step 10 starts where
step 9's does; a clinic name that fits on one line at a slightly smaller size keeps to one
line (the header stays two lines); a date never breaks across lines."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from conftest import SAMPLE, edit, run, write

STEPS = 12
PATIENT = "Jane Doe"
THERAPIST = "Sam WWWWWWWWWWWWW"  # puts the date at the end of the band's line: it broke after "2,"


def places(pdf: Path, needle: str, page: int = 0) -> list[tuple[float, float]]:
    """(left, baseline-ish bottom) of each character of the first `needle` on the page."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        text = document[page].get_textpage()
        found = text.search(needle, match_case=True).get_next()
        assert found is not None, f"{needle!r} not on page {page + 1}"
        start, count = found
        boxes = [text.get_charbox(i) for i in range(start, start + count)]
        chars = [text.get_text_range(i, 1) for i in range(start, start + count)]
        return [(box[0], round(box[1])) for box, char in zip(boxes, chars, strict=True) if char.strip()]
    finally:
        document.close()


def lines_of(pdf: Path, needle: str) -> int:
    """How many lines the text takes: letters of one line share their baseline (±3 pt:
    descenders differ, and the bottom of a box is its ink)."""
    bottoms = sorted({bottom for _, bottom in places(pdf, needle)})
    lines = 1
    for before, after in zip(bottoms, bottoms[1:], strict=False):
        lines += after - before > 6
    return lines


def render(clinic: Path, tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "out.pdf"
    result = run("render", SAMPLE, "-o", str(out), *args, root=clinic)
    assert result.exit_code == 0, result.output
    return out


def test_the_text_of_step_ten_starts_where_step_nine_does(clinic, tmp_path):
    steps = "".join(f"      - Kappa{n:02d} is a step of its own.\n" for n in range(1, STEPS + 1))
    write(clinic / "handouts" / f"{SAMPLE}.yaml",
          "title: Many Steps\npages: 2\nexercises:\n  - name: Long Routine\n    steps:\n" + steps +
          "    dosage: {reps: 10}\n")
    pdf = render(clinic, tmp_path)
    lefts = [places(pdf, f"Kappa{n:02d}")[0][0] for n in range(1, STEPS + 1)]
    assert max(lefts) - min(lefts) < 0.5, lefts
    numbers = [places(pdf, f"{n}.")[0][0] for n in (9, 10)]
    assert numbers[1] < lefts[0] - 3  # "10." hangs left of the text, with a gap


def test_a_long_clinic_name_keeps_to_one_line(clinic, tmp_path):
    name = "Northside Family Physical Therapy"  # 329 pt at the name's 20 pt: a little too wide
    edit(clinic / "brand.yaml", "clinic: More 4 Life Physical Therapy", f"clinic: {name}")
    pdf = render(clinic, tmp_path)
    assert lines_of(pdf, name) == 1
    assert lines_of(pdf, "St. Louis Holistic Pain Relief Specialist") == 1
    name_bottom = places(pdf, name)[0][1]
    tagline_bottom = places(pdf, "St. Louis Holistic")[0][1]
    assert 0 < name_bottom - tagline_bottom < 30  # the tagline is the next line: two lines in all


def test_a_name_too_long_for_one_line_wraps_at_its_size(clinic, tmp_path):
    name = "Northside Family Physical Therapy and Sports Rehabilitation"
    edit(clinic / "brand.yaml", "clinic: More 4 Life Physical Therapy", f"clinic: {name}")
    pdf = render(clinic, tmp_path)
    assert lines_of(pdf, name) == 2  # it wraps rather than shrink below NAME_SHRINK


def test_a_date_never_breaks(clinic, tmp_path):
    pdf = render(clinic, tmp_path, "--patient", PATIENT, "--therapist", THERAPIST, "--date", "2026-12-02")
    assert lines_of(pdf, "December 2, 2026") == 1
