"""The page engine: pages, packing, filling and the name guarantee (issue 11)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest

from conftest import SAMPLE, assert_user_error, edit, normalize, pdf_pages, picture_widths, run, write
from handoutgen import words
from handoutgen.pdf import MARGIN
from handoutgen.pipeline import needs_blank
from handoutgen.preview import tallest_empty_band

HANDOUT = f"handouts/{SAMPLE}.yaml"


def exercise(n: int, steps: int = 3, words: int = 9, picture: bool = True) -> str:
    """An inline exercise of realistic size: a purpose, steps, a dose, a picture."""
    step_lines = "".join(f"      - Step {k} of exercise {n}, " + " ".join(["move"] * words) + ".\n"
                         for k in range(1, steps + 1))
    image = f"    image: {'push-off.png' if n % 2 else 'calf-stretch.png'}\n" if picture else ""
    purpose = f"    purpose: Purpose of exercise {n}, which keeps your knee strong and steady.\n" if picture else ""
    return (f"  - name: Exercise {n}\n{image}{purpose}"
            f"    steps:\n{step_lines}    dosage: {{reps: {n + 4}, sets: 2}}\n")


def with_exercises(clinic: Path, count: int, **kw) -> None:
    """The sample handout with `count` more exercises before its sections."""
    path = clinic / HANDOUT
    extra = "".join(exercise(n, **kw) for n in range(1, count + 1))
    path.write_text(path.read_text().replace("sections:", extra + "sections:"))


def render(clinic: Path, out: Path, *args: str):
    return run("render", SAMPLE, "-o", str(out), "--date", "2026-12-01", *args, root=clinic)


def body_size(result) -> float:
    return float(re.search(r"([\d.]+) pt text", result.stdout).group(1))


def page_count(path: Path) -> int:
    return len(pypdf.PdfReader(str(path)).pages)


# ------------------------------------------------------------------ pages

def test_option_wins_over_handout_which_wins_over_brand(clinic, tmp_path):
    with_exercises(clinic, 4)
    out = tmp_path / "a.pdf"
    assert_user_error(render(clinic, out), "does not fit on one page", "`pages: 2` in the handout")
    edit(clinic / "brand.yaml", "page_size: letter", "page_size: letter\npages: 2")
    assert render(clinic, out).exit_code == 0 and page_count(out) == 2  # the brand's default
    edit(clinic / HANDOUT, "title:", "pages: 1\ntitle:")
    assert_user_error(render(clinic, out), "does not fit on one page")  # the handout's
    result = render(clinic, out, "--pages", "2")  # the option's
    assert result.exit_code == 0, result.output
    assert page_count(out) == 2
    assert "2 pages" in result.stdout


def test_pages_must_be_1_to_4(clinic, tmp_path):
    edit(clinic / HANDOUT, "title:", "pages: 5\ntitle:")
    assert_user_error(render(clinic, tmp_path / "a.pdf"), f"{HANDOUT}:1: pages: must be a whole number from 1 to 4")
    result = render(clinic, tmp_path / "a.pdf", "--pages", "0")
    assert result.exit_code == 2 and "--pages" in result.output


def test_14_pt_on_the_fewest_pages_first_then_smaller_on_n_pages(clinic, tmp_path):
    with_exercises(clinic, 1, steps=4, words=3, picture=False)
    one = tmp_path / "one.pdf"
    result = render(clinic, one, "--patient", "Jane Doe")
    assert result.exit_code == 0, result.output
    assert page_count(one) == 1 and body_size(result) < 14  # one page allowed: smaller text
    two = tmp_path / "two.pdf"
    result = render(clinic, two, "--patient", "Jane Doe", "--pages", "2")
    assert result.exit_code == 0, result.output
    assert page_count(two) == 2 and body_size(result) == 14  # two allowed: 14 pt on two
    four = tmp_path / "four.pdf"
    result = render(clinic, four, "--patient", "Jane Doe", "--pages", "4")
    assert page_count(four) == 2 and body_size(result) == 14  # never more pages than needed


def test_overflow_names_handout_amount_and_the_pages_that_would_do(clinic, tmp_path):
    with_exercises(clinic, 9, steps=4)
    result = render(clinic, tmp_path / "a.pdf", "--pages", "2")
    assert_user_error(result, f"{HANDOUT}: the handout does not fit on 2 pages:", "too long even with 12 pt text",
                      "`pages: 3` in the handout (or --pages 3) would allow it")
    assert not (tmp_path / "a.pdf").exists()
    many = tmp_path / "many.pdf"
    with_exercises(clinic, 40, steps=4)
    result = render(clinic, many, "--pages", "4")
    assert_user_error(result, "does not fit on 4 pages", "split it into two handouts")


def test_a_card_taller_than_a_page_continues_after_a_step_under_its_heading(clinic, tmp_path):
    with_exercises(clinic, 1, steps=40, words=14)
    out = tmp_path / "a.pdf"
    result = render(clinic, out, "--pages", "4")
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)  # every word visible, inside the margins (conftest)
    starts = [i for i, page in enumerate(pages) if "3. Exercise 1" in page]
    assert len(starts) >= 2, "the card continues on another page"
    assert all("3. Exercise 1, continued" in pages[i] for i in starts[1:])
    assert "3. Exercise 1, continued" not in pages[starts[0]]
    # Broken between two steps, never inside one: each step whole on one page, in order.
    where = [next(i for i, page in enumerate(pages) if f"Step {k} of exercise 1, " + " ".join(["move"] * 14) + "."
                  in page) for k in range(1, 41)]
    assert where == sorted(where) and len(set(where)) >= 2
    dose = next(i for i, page in enumerate(pages) if "Do 5 times. Do 2 sets." in page)
    assert dose == where[-1] or dose == where[-1] + 1


def test_a_step_taller_than_a_page_is_an_error_naming_the_exercise(clinic, tmp_path):
    with_exercises(clinic, 1, steps=1, words=900)
    result = render(clinic, tmp_path / "a.pdf", "--pages", "4")
    assert_user_error(result, f'{HANDOUT}: exercise 3 "Exercise 1"', "taller than a whole page")


def _headings(path: Path) -> dict[int, tuple[int, float, float]]:
    """Card number → (page, x, top) of its heading "N. Name"."""
    found = {}
    document = pdfium.PdfDocument(str(path))
    try:
        for index in range(len(document)):
            text = document[index].get_textpage()
            for match in re.finditer(r"(\d+)\. (Exercise \d+|Push-Off|Calf Stretch)", text.get_text_range()):
                number = int(match.group(1))
                left, _, _, top = text.get_charbox(match.start())
                found.setdefault(number, (index, left, top))
    finally:
        document.close()
    return found


def test_cards_flow_down_columns_in_reading_order_and_never_split(clinic, tmp_path):
    with_exercises(clinic, 5)
    out = tmp_path / "a.pdf"
    result = render(clinic, out, "--pages", "3")
    assert result.exit_code == 0, result.output
    headings = _headings(out)
    assert sorted(headings) == list(range(1, 8))
    # Reading order: page by page; on a page, down the left column, then the right, one run
    # of columns after another: a later card is lower, or in the right column of an earlier one's.
    for a in range(1, 8):
        for b in range(a + 1, 8):
            (page_a, x_a, top_a), (page_b, x_b, top_b) = headings[a], headings[b]
            assert page_a < page_b or (page_a == page_b and (top_b < top_a or x_a < 300 < x_b)), (a, b, headings)
    pages = pdf_pages(out)
    for n in range(1, 6):  # every line of a card on the page of its heading
        page = pages[headings[n + 2][0]]
        assert all(f"Step {k} of exercise {n}," in page for k in (1, 2, 3))


def test_later_pages_carry_the_running_header_safety_and_phone(clinic, tmp_path):
    with_exercises(clinic, 4)
    out = tmp_path / "a.pdf"
    result = render(clinic, out, "--pages", "2", "--patient", "Maria Lopez")
    assert result.exit_code == 0, result.output
    first, second = pdf_pages(out)
    safety = "Stop any exercise that causes sharp pain, and call us."
    assert safety in first and safety in second
    assert "314-941-3970" in first and "314-941-3970" in second
    assert "Page 1 of 2" in first and "turn over" in first
    running = "314-941-3970 · Maria Lopez Page 2 of 2"  # one line: the phone, whose pages, which page
    assert second.startswith(running)
    assert "Questions? Call us at 314-941-3970." in second  # the footer: once, on the last page
    assert "Questions? Call us at 314-941-3970." not in first


@pytest.mark.parametrize("extra, allowed", [(0, "1"), (4, "2"), (6, "3")])  # 1+1, 2+2, 3+blank+2
def test_kind_both_prints_the_handout_pages_then_the_log_on_a_sheet_of_its_own(clinic, tmp_path, extra, allowed):
    with_exercises(clinic, extra, steps=2)
    alone = tmp_path / "handout.pdf"
    assert render(clinic, alone, "--pages", allowed).exit_code == 0
    log = tmp_path / "log.pdf"
    assert render(clinic, log, "--pages", allowed, "--kind", "checklist").exit_code == 0
    handout, checklist = page_count(alone), page_count(log)
    out = tmp_path / "both.pdf"
    result = render(clinic, out, "--pages", allowed, "--kind", "both")
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    blank = needs_blank(handout, checklist)
    assert len(pages) == handout + blank + checklist
    assert all("Exercise log" not in page for page in pages[:handout])
    assert "Exercise log" in pages[handout + blank]
    if blank:  # the log starts on the front of a sheet; the side before it says why it is blank
        assert (handout + blank) % 2 == 0
        assert pages[handout] == normalize(words.BLANK_SIDE)
    assert blank == (handout % 2 == 1 and (handout > 1 or checklist > 1))


def test_only_a_one_page_handout_with_a_one_page_log_shares_a_sheet():
    assert not needs_blank(1, 1)  # handout in front, log on the back
    assert needs_blank(1, 2) and needs_blank(3, 1) and needs_blank(3, 2)
    assert not needs_blank(2, 1) and not needs_blank(2, 2) and not needs_blank(4, 2)


# ------------------------------------------------------------------ fill

def test_the_sample_fills_its_page_with_pictures_at_least_1_6_in_wide(clinic, tmp_path):
    out = tmp_path / "sample.pdf"
    result = render(clinic, out)
    assert result.exit_code == 0, result.output
    assert page_count(out) == 1 and body_size(result) == 14
    widths = sorted(picture_widths(out))
    pictures = widths[1:]  # the smallest is the logo
    assert len(pictures) == 2 and min(pictures) >= 1.6 * 72, widths
    assert tallest_empty_band(out.read_bytes(), MARGIN) <= 0.5 * 72


def test_one_exercise_gets_big_pictures_and_no_big_gaps(clinic, tmp_path):
    text = (clinic / HANDOUT).read_text()
    write(clinic / HANDOUT, re.sub(r"  - use: calf-stretch\n(    .*\n)*", "", text))
    out = tmp_path / "one.pdf"
    result = render(clinic, out)
    assert result.exit_code == 0, result.output
    assert "Calf Stretch" not in pdf_pages(out)[0]
    assert max(picture_widths(out)) >= 2.5 * 72  # the room left goes to the picture...
    assert tallest_empty_band(out.read_bytes(), MARGIN) <= 0.5 * 72  # ...and to the gaps


def test_check_report_prints_pages_size_picture_and_band(clinic):
    result = run("check", "--report", root=clinic)
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith(SAMPLE) and "handout " in line)
    cells = line.split()
    assert cells[2] == "1" and cells[3:5] == ["14", "pt"]
    assert float(cells[5]) >= 1.6 and cells[6] == "in"
    assert float(cells[7]) >= 1.6 and cells[8] == "in"
    assert float(cells[9]) <= 0.5


# ------------------------------------------------------------------ names

LONG_NAMES = [
    "Maria-Magdalena Fernández-Villanueva de la Cruz",
    "W" * 60,
    "W" * 29 + " " + "W" * 30,
    " ".join(["WWWWWWWWWWW"] * 5),
    "MARIA-MAGDALENA FERNANDEZ-VILLANUEVA DE LA CRUZ Y GONZALEZ-MM",
]


def _fullest_that_passes_check(clinic: Path) -> None:
    """Lengthen the sample's summary as far as `check` still passes: the page
    as full as a handout that passes `check` can be."""
    path = clinic / HANDOUT
    original = path.read_text()

    def with_words(count: int) -> bool:
        extra = " ".join(["Walk"] * count)
        path.write_text(original.replace("summary: >\n", f"summary: >\n  {extra}\n", 1) if count else original)
        return run("check", root=clinic).exit_code == 0

    low, high = 0, 256  # the sample passes; 256 more words never do
    assert with_words(low) and not with_words(high)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if with_words(mid) else (low, mid)
    with_words(low)


def test_a_handout_that_passes_check_renders_for_any_name_up_to_60(clinic, tmp_path):
    _fullest_that_passes_check(clinic)
    for n, name in enumerate(LONG_NAMES):
        out = tmp_path / f"named-{n}.pdf"
        result = render(clinic, out, "--patient", name[:60], "--therapist", name[:60])
        assert result.exit_code == 0, f"{name!r}: {result.output}"
        page = pdf_pages(out)[0]
        assert normalize(name[:60]).replace(" ", "") in page.replace(" ", "")


def test_a_handout_whose_page_has_no_room_for_long_names_fails_check(clinic, tmp_path):
    with_exercises(clinic, 2, steps=4, words=8, picture=False)
    assert render(clinic, tmp_path / "short.pdf", "--patient", "Jane Doe").exit_code == 0  # it fits...
    result = run("check", root=clinic)  # ...but not with two names of 60 letters
    assert_user_error(result, f"{HANDOUT}: the handout fits, but not with the longest names a therapist may "
                              "print on it (60 characters each)", "`pages: 2` in the handout")


def test_a_name_over_60_characters_is_refused_before_drawing(clinic, tmp_path):
    out = tmp_path / "a.pdf"
    name = "Maria-Magdalena Fernández-Villanueva de la Cruz y Gonzalez Ortiz"
    assert len(name) > 60
    result = render(clinic, out, "--patient", name)
    assert_user_error(result, "--patient: is 64 characters long; at most 60 fit the page")
    assert name not in result.output
    assert not out.exists()


# --------------------------------------------------------------- monotone

def test_removing_an_exercise_never_needs_more_room(clinic, tmp_path):
    with_exercises(clinic, 5)
    full = render(clinic, tmp_path / "full.pdf", "--pages", "3", "--patient", "Jane Doe")
    assert full.exit_code == 0, full.output
    full_pages = page_count(tmp_path / "full.pdf")
    text = (clinic / HANDOUT).read_text()
    for n in (1, 3, 5):
        entry = exercise(n)
        edit(clinic / HANDOUT, entry, "")
        out = tmp_path / f"without-{n}.pdf"
        less = render(clinic, out, "--pages", "3", "--patient", "Jane Doe")
        assert less.exit_code == 0, less.output
        assert body_size(less) > body_size(full) or (
            body_size(less) == body_size(full) and page_count(out) <= full_pages)
        (clinic / HANDOUT).write_text(text)


def test_build_and_preview_take_pages_too(clinic, tmp_path):
    with_exercises(clinic, 4)
    out = tmp_path / "out"
    result = run("build", "--out", str(out), "--jobs", "1", root=clinic)
    assert_user_error(result, "does not fit on one page", "`pages: 2`")
    result = run("build", "--out", str(out), "--jobs", "1", "--pages", "2", root=clinic)
    assert result.exit_code == 0, result.output
    assert page_count(out / f"{SAMPLE}.pdf") == 2
    again = run("build", "--out", str(out), "--jobs", "1", "--pages", "2", root=clinic)
    assert "0 rendered, 1 unchanged" in again.stdout  # the same option: nothing to do
    png = tmp_path / "two.png"
    result = run("preview", SAMPLE, "--pages", "2", "--dpi", "36", "-o", str(png), root=clinic)
    assert result.exit_code == 0, result.output
    width, height = (int(n) for n in re.search(r"(\d+)×(\d+) pixels", result.stdout).groups())
    assert width > 1.5 * height  # two letter pages side by side


def test_a_layout_without_running_header_still_has_the_phone_on_every_page(clinic, tmp_path):
    from handoutgen.layout import builtin_layouts_dir

    source = (builtin_layouts_dir() / "handout.xml.j2").read_text()
    custom = re.sub(r"\{\{ parts\.running\([^}]*\}\}\n", "", source)
    assert custom != source
    write(clinic / "layouts" / "handout.xml.j2", custom)
    shutil.copy(builtin_layouts_dir() / "_parts.xml.j2", clinic / "layouts" / "_parts.xml.j2")
    with_exercises(clinic, 4)
    out = tmp_path / "a.pdf"
    result = render(clinic, out, "--pages", "2")
    assert result.exit_code == 0, result.output
    second = pdf_pages(out)[1]
    assert second.startswith("More 4 Life Physical Therapy · 314-941-3970 Page 2 of 2")
