"""Large print (issue 13, part 4): body 18 pt, never under 16, on up to 2 pages or more.

Every PDF written here is also checked by conftest against the large-print
floor (16 pt), which it reads from the PDF's subject."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf

from conftest import SAMPLE, assert_user_error, edit, normalize, pdf_pages, picture_widths, run, words
from handoutgen.flowables import LARGE_MIN_TEXT_PT, MIN_TEXT_PT
from handoutgen.page import SIZES, sizes
from visible import text_sizes, visibility_problems

HANDOUT = f"handouts/{SAMPLE}.yaml"
# Body text of the sample: the summary, a purpose, a step, the section's items.
BODY = ["Walking hurts", "Steadies your foot", "Push off the ball", "Understand the root"]


def render(clinic: Path, out: Path, *args: str):
    return run("render", SAMPLE, "-o", str(out), "--date", "2026-12-01", *args, root=clinic)


def body_size(result) -> float:
    return float(re.search(r"([\d.]+) pt text", result.stdout).group(1))


def size_of(path: Path, start: str) -> float:
    """The size of the run of text that starts with `start` (the first found)."""
    for page in text_sizes(path):
        for text, size in page:
            if normalize(text).startswith(start):
                return size
    raise AssertionError(f"{start!r} not found in {path}")


def is_large(path: Path) -> bool:
    return "large print" in str(pypdf.PdfReader(str(path)).metadata.get("/Subject", ""))


def test_the_ladder_is_one_function_of_the_print_size_with_one_floor_each():
    assert sizes() == SIZES == (14.0, 13.5, 13.0, 12.5, 12.0) and SIZES[-1] == MIN_TEXT_PT
    assert sizes(large=True) == (18.0, 17.5, 17.0, 16.5, 16.0) and sizes(True)[-1] == LARGE_MIN_TEXT_PT


def test_the_sample_in_large_print_is_18_pt_on_two_pages_with_every_word(clinic, tmp_path):
    normal, large = tmp_path / "normal.pdf", tmp_path / "large.pdf"
    assert render(clinic, normal).exit_code == 0
    result = render(clinic, large, "--large-print")
    assert result.exit_code == 0, result.output
    assert body_size(result) == 18 and "2 pages" in result.stdout
    pages = pdf_pages(large)  # checked against the 16 pt floor
    assert len(pages) <= 2 and is_large(large) and not is_large(normal)
    for start in BODY:  # measured from the PDF
        assert size_of(large, start) >= 18 - 0.01, start
        assert abs(size_of(normal, start) - 14) < 0.01, start
    missing = set(words(pdf_pages(normal)[0])) - set(words(" ".join(pages)))
    assert not missing, missing
    # Headings bigger than the text, the title bigger than the headings.
    title, heading = size_of(large, "Relieve Knee Arthritis"), size_of(large, "1. Push-Off")
    assert title > heading > 18 + 1, (title, heading)
    # The header's words and the dose box grow with the text.
    assert size_of(large, "314-941-3970") > size_of(normal, "314-941-3970")
    assert size_of(large, "Do 10 times") >= 18 - 0.01
    # Pictures (not the logo, the smallest) at least as large as in normal print, none tiny.
    big, small = sorted(picture_widths(large))[1:], sorted(picture_widths(normal))[1:]
    assert len(big) == 2 and min(big) >= 1.6 * 72 and sum(big) >= sum(small) * 0.9, (big, small)


def test_the_checker_holds_large_print_to_the_16_pt_floor(clinic, tmp_path):
    """The floor conftest applies to large print is one the normal sample fails: it can fail."""
    normal = tmp_path / "normal.pdf"
    assert render(clinic, normal).exit_code == 0
    assert not visibility_problems(normal, floor=MIN_TEXT_PT)
    assert any("smaller than 16 pt" in p for p in visibility_problems(normal, floor=LARGE_MIN_TEXT_PT))


def test_checklist_in_large_print_stays_readable(clinic, tmp_path):
    out = tmp_path / "both.pdf"
    result = render(clinic, out, "--large-print", "--kind", "both")
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)  # every word at 16 pt or more
    assert any("Push-Off and Balance" in p and "Pain (0–10)" in p for p in pages[2:])
    assert size_of(out, "Push-Off and Balance") >= LARGE_MIN_TEXT_PT


def test_large_print_in_the_handout_and_in_the_brand(clinic, tmp_path):
    out = tmp_path / "a.pdf"
    edit(clinic / HANDOUT, "title:", "large_print: true\ntitle:")
    result = render(clinic, out)
    assert result.exit_code == 0 and body_size(result) == 18 and is_large(out), result.output
    edit(clinic / HANDOUT, "large_print: true\n", "")
    edit(clinic / "brand.yaml", "page_size: letter", "page_size: letter\nlarge_print: true")
    result = render(clinic, out)
    assert result.exit_code == 0 and body_size(result) == 18 and is_large(out), result.output
    assert len(pdf_pages(out)) == 2  # the brand's page limit of 1 is raised to 2


def test_the_option_wins_over_the_handout_which_wins_over_the_brand(clinic, tmp_path):
    out = tmp_path / "a.pdf"
    edit(clinic / "brand.yaml", "page_size: letter", "page_size: letter\nlarge_print: true")
    result = render(clinic, out, "--normal-print")
    assert result.exit_code == 0 and body_size(result) == 14 and not is_large(out), result.output
    edit(clinic / HANDOUT, "title:", "large_print: false\ntitle:")
    result = render(clinic, out)
    assert result.exit_code == 0 and body_size(result) == 14 and not is_large(out), result.output
    result = render(clinic, out, "--large-print")
    assert result.exit_code == 0 and body_size(result) == 18 and is_large(out), result.output


def test_large_print_must_be_true_or_false(clinic, tmp_path):
    edit(clinic / HANDOUT, "title:", "large_print: maybe\ntitle:")
    result = render(clinic, tmp_path / "a.pdf")
    assert_user_error(result, f"{HANDOUT}:1: large_print:")


def test_a_program_too_long_for_large_print_names_16_pt_and_the_pages_that_would_do(clinic, tmp_path):
    text = (clinic / HANDOUT).read_text()
    more = "".join(f"  - name: Exercise {n}\n    image: push-off.png\n    steps:\n"
                   + "".join(f"      - Step {k} of exercise {n}, move slowly and keep your knee over your toes.\n"
                             for k in range(1, 4))
                   + "    dosage: {reps: 8, sets: 2}\n" for n in range(1, 3))
    (clinic / HANDOUT).write_text(text.replace("\nsections:", "\n" + more + "sections:", 1))
    out = tmp_path / "a.pdf"
    result = render(clinic, out, "--pages", "2")
    assert result.exit_code == 0, result.output  # fits in normal print
    result = render(clinic, out, "--large-print", "--pages", "2")  # honoured: an error naming what would do
    assert_user_error(result, "the handout does not fit on 2 pages", "too long even with 16 pt text")
    needed = re.search(r"--pages (\d) would allow it", result.output)
    assert needed, result.output
    result = render(clinic, out, "--large-print", "--pages", needed.group(1))
    assert result.exit_code == 0, result.output
    assert len(pdf_pages(out)) == int(needed.group(1)) and body_size(result) >= LARGE_MIN_TEXT_PT
    result = render(clinic, out, "--large-print")  # without --pages: the pages it needs, up to 8
    assert result.exit_code == 0, result.output
    assert len(pdf_pages(out)) <= int(needed.group(1)) and body_size(result) == 18


def test_check_and_build_in_large_print(clinic):
    result = run("check", "--report", "--large-print", root=clinic)
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith(SAMPLE) and "handout " in line)
    assert line.split()[2:5] == ["2", "18", "pt"], line
    result = run("build", "--large-print", root=clinic)
    assert result.exit_code == 0, result.output
    pdf = clinic / "out" / f"{SAMPLE}.pdf"
    assert is_large(pdf) and len(pdf_pages(pdf)) == 2
    assert size_of(pdf, BODY[0]) >= 18 - 0.01
    result = run("build", root=clinic)  # another print size: built again, in normal print
    assert result.exit_code == 0, result.output
    assert not is_large(pdf) and len(pdf_pages(pdf)) == 1
