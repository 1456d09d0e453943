"""The visibility checker (visible.py) finds words a reader cannot see, and
passes a clean page and the sample handout.

The faulty pages stay in memory, never in tmp_path as *.pdf: the autouse
fixture checks every PDF a test leaves there.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pypdf
import pytest
import yaml
from PIL import Image
from pypdf.generic import ContentStream, FloatObject, NameObject
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from conftest import SAMPLE, check_pdf, run, write
from handoutgen.pdf import MARGIN
from visible import assert_visible, visibility_problems

LETTER = (612.0, 792.0)


def _pdf(*pages) -> bytes:
    """A PDF with one page per function, each drawing on a canvas."""
    buffer = BytesIO()
    canv = Canvas(buffer, pagesize=LETTER, invariant=1)
    for draw in pages:
        canv.setFont("Helvetica", 14)
        draw(canv)
        canv.showPage()
    canv.save()
    return buffer.getvalue()


def _clean(c: Canvas) -> None:
    c.drawString(72, 700, "A heading well inside the margins")
    c.setFillColorRGB(0.9, 0.95, 1)
    c.rect(72, 560, 300, 100, stroke=0, fill=1)  # a panel, text inside it
    c.setFillColorRGB(0, 0, 0)
    c.rect(72, 560, 300, 100, stroke=1, fill=0)  # a card border
    c.drawString(82, 630, "Text inside its card")
    c.drawString(82, 610, "and a second line below it")
    c.setLineWidth(2)
    c.line(72, 540, 540, 540)  # a rule, text above and below it
    c.drawString(72, 545, "Above the rule")
    c.drawString(72, 524, "Below the rule")
    c.drawImage(ImageReader(Image.new("RGB", (8, 8), "orange")), 400, 560, 100, 100)
    c.drawString(400, 540 - 30, "Beside the picture")
    c.setFont("Helvetica", 12)
    c.drawString(72, 400, "Exactly twelve point text")
    c.setFont("Helvetica", 14)
    c.drawString(36.5, 40, "Close to the corner but inside")


def _one(problems: list[str], *fragments: str) -> str:
    """The one problem reported, which must name every fragment."""
    assert len(problems) == 1, "\n".join(problems) or "no problem reported"
    for fragment in fragments:
        assert fragment in problems[0], f"{fragment!r} not in {problems[0]!r}"
    return problems[0]


def test_a_clean_page_passes():
    assert visibility_problems(_pdf(_clean)) == []
    assert_visible(_pdf(_clean))


def test_a_string_drawn_off_the_page_is_reported():
    def draw(c):
        _clean(c)
        c.drawString(100, -200, "Questions? Call us")  # the footer moved 300 pt down
    _one(visibility_problems(_pdf(draw), margin=36), "page 1", "'Questions? Call us'", "outside the 36 pt margins",
         "bottom edge", "(100.")


def test_a_string_in_the_margin_is_reported_and_the_margin_is_the_callers():
    def draw(c):
        _clean(c)
        c.drawString(20, 300, "In the margin")
    problem = _one(visibility_problems(_pdf(draw), margin=36), "'In the margin'", "left edge", "< 36.0")
    assert "right edge" not in problem
    assert visibility_problems(_pdf(draw), margin=18) == []
    _one(visibility_problems(_pdf(_clean), margin=72), "'Close to the corner but inside'")


def test_a_string_off_the_right_edge_is_reported():
    def draw(c):
        c.drawString(500, 400, "This sentence runs off the sheet")
    _one(visibility_problems(_pdf(draw), margin=36), "right edge", "> 576.0")


@pytest.mark.parametrize("stroke, fill, what", [(1, 0, "an outlined shape"), (0, 1, "a filled shape"),
                                                (1, 1, "a filled and outlined shape")])
def test_a_string_crossing_a_boxs_edge_is_reported(stroke, fill, what):
    def draw(c):
        c.setFillColorRGB(0.9, 0.95, 1)
        c.rect(100, 300, 150, 60, stroke=stroke, fill=fill)
        c.setFillColorRGB(0, 0, 0)
        c.drawString(110, 320, "A paragraph too wide for its card")
    problem = _one(visibility_problems(_pdf(draw)), "page 1", "'A paragraph too wide for its card'",
                   f"crosses the edge of {what} (100.0, 300.0)–(250.0, 360.0)")
    assert "characters 'A paragraph" not in problem  # only the letters that cross are named


def test_a_line_leaving_its_card_between_two_words_is_reported():
    def draw(c):
        c.drawString(110, 320, "Stays inside then leaves")
        # The card's right border runs down the middle of the word space.
        right = 110 + c.stringWidth("Stays inside", "Helvetica", 14) + c.stringWidth(" ", "Helvetica", 14) / 2
        c.rect(100, 300, right - 100, 60)
    _one(visibility_problems(_pdf(draw)), "'Stays inside then leaves' runs out of an outlined shape",
         "characters 'Stays inside' inside it", "'then leaves' outside")


def test_a_string_inside_a_thick_border_crosses_its_inner_edge():
    def draw(c):
        c.setLineWidth(10)
        c.rect(100, 300, 150, 60)
        c.drawString(102, 320, "Touching")  # inside the path, but on the stroke's inner half
    _one(visibility_problems(_pdf(draw)), "crosses the edge of an outlined shape")


def test_a_rule_through_a_line_of_text_is_reported():
    def draw(c):
        c.drawString(72, 400, "Struck through")
        c.line(72, 404, 540, 404)
    _one(visibility_problems(_pdf(draw)), "'Struck through' lies on a 1.0 pt line (72.0, 404.0)–(540.0, 404.0)")


def test_a_grid_of_rules_in_one_path_is_checked_rule_by_rule():
    def draw(c):
        c.setLineWidth(0.8)
        c.lines([(72, y, 540, y) for y in (300, 330, 360)] + [(x, 300, x, 360) for x in (72, 200, 540)])
        c.drawString(80, 310, "In its cell")  # clear of every rule
        c.drawString(180, 340, "Across a rule")  # across the rule at x = 200
    _one(visibility_problems(_pdf(draw)), "'Across a rule' lies on a 0.8 pt line (200.0, 300.0)–(200.0, 360.0)")


def test_text_on_a_picture_is_reported():
    def draw(c):
        c.drawImage(ImageReader(Image.new("RGB", (8, 8), "white")), 100, 300, 200, 100)
        c.drawString(120, 350, "Caption on the picture")
    _one(visibility_problems(_pdf(draw)), "'Caption on the picture' lies on a picture (100.0, 300.0)–(300.0, 400.0)")


def test_text_painted_over_by_a_later_panel_is_reported():
    def draw(c):
        c.drawString(120, 350, "Hidden under a panel")
        c.rect(100, 300, 300, 100, stroke=0, fill=1)  # drawn after the text, over it
    _one(visibility_problems(_pdf(draw)), "'Hidden under a panel'", "painted over by a filled shape")


def test_invisible_text_is_reported():
    def draw(c):
        text = c.beginText(100, 400)
        text.setTextRenderMode(3)
        text.textLine("Only for copy and paste")
        c.drawText(text)
    _one(visibility_problems(_pdf(draw)), "'Only for copy and paste'", "invisible")


def test_two_overlapping_lines_are_reported():
    def draw(c):
        c.drawString(72, 400, "The first line of a paragraph")
        c.drawString(72, 393, "drawn too close to the next")
    _one(visibility_problems(_pdf(draw)), "page 1", "lines 'The first line of a paragraph' and "
         "'drawn too close to the next' overlap", "at (")


def test_two_strings_on_one_baseline_that_run_into_each_other_are_reported():
    def draw(c):
        c.drawString(72, 400, "A label that is long")
        c.drawString(160, 400, "Second column")
    problems = visibility_problems(_pdf(draw))
    assert problems and all("overlap" in p for p in problems), problems


def test_kerned_neighbours_may_touch_but_letters_further_apart_may_not():
    def squeezed(space):
        def draw(c):
            text = c.beginText(72, 400)
            text.setFont("Helvetica", 14)
            text.setCharSpace(space)
            text.textLine("AVATAR Tower")
            c.drawText(text)
        return _pdf(draw)
    assert visibility_problems(squeezed(-1.5)) == []
    _one(visibility_problems(squeezed(-9)), "overlaps itself")


def test_a_letter_whose_ink_reaches_under_the_one_before_is_no_overlap(clinic, tmp_path):
    """In "ŀĴ" (Noto Sans, then Atkinson Hyperlegible) the J's hook reaches
    under the ŀ: the fonts' own spacing, not text drawn over text (found by
    test_properties)."""
    write(clinic / "handouts" / "letters.yaml", 'title: Letters\nexercises:\n  - name: Reach\n'
                                                 '    steps: ["ŀĴ"]\n    dosage: {reps: 5}\n')
    out = tmp_path / "letters.pdf"
    result = run("render", "letters", "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    assert_visible(out, margin=MARGIN)


def test_a_line_starting_with_j_may_reach_into_the_margin_by_its_hook_only(clinic, tmp_path):
    """A "j" reaches left of where it is drawn (Atkinson Hyperlegible's j has
    a negative left side bearing: 0.8 pt at 14 pt), so a line starting with
    one at the left margin puts a little ink in the margin (found by
    test_properties, with "Ĵ" and "ĭ" of the fallback font). That is the
    font's design and prints: allowed, up to a fifth of the letter's size.
    The same letter drawn further out is not."""
    handout_path = clinic / "handouts" / f"{SAMPLE}.yaml"
    handout = yaml.safe_load(handout_path.read_text())
    handout["summary"] = "just walk a little each day."
    handout_path.write_text(yaml.safe_dump(handout, sort_keys=False))
    out = tmp_path / "j.pdf"
    result = run("render", SAMPLE, "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    assert_visible(out, margin=MARGIN)

    def draw(c):
        c.setFont("Helvetica", 14)
        c.drawString(36, 600, "just walk")  # at the margin: the hook may reach past it
        c.drawString(33, 500, "just walk")  # 3 pt into the margin: not a hook

    problems = visibility_problems(_pdf(draw), margin=36)
    assert len(problems) == 1 and "'just walk' is outside the 36 pt margins" in problems[0]


@pytest.mark.parametrize("size", [10, 11.9])
def test_text_smaller_than_the_floor_is_reported(size):
    def draw(c):
        c.setFont("Helvetica", size)
        c.drawString(72, 400, "Fine print")
    _one(visibility_problems(_pdf(draw)), "'Fine print' is", f"{size:.2f} pt, smaller than 12 pt")
    assert visibility_problems(_pdf(draw), floor=size) == []


def test_text_shrunk_by_a_transformation_is_reported():
    def draw(c):
        c.saveState()
        c.translate(72, 400)
        c.scale(0.5, 0.5)
        c.setFont("Helvetica", 20)  # 20 pt drawn at half size: 10 pt on paper
        c.drawString(0, 0, "Scaled down")
        c.restoreState()
    _one(visibility_problems(_pdf(draw)), "'Scaled down' is 10.00 pt")


def test_forms_are_opened_and_placed_where_they_are_drawn():
    def draw(c, crossing: bool):
        c.beginForm("card")
        c.rect(0, 0, 100, 30)
        c.setFont("Helvetica", 10)  # 20 pt once the form is drawn twice as large
        c.drawString(5, 10, "Card text that is far too long" if crossing else "Card")
        c.endForm()
        c.saveState()
        c.translate(100, 300)
        c.scale(2, 2)
        c.doForm("card")
        c.restoreState()
    assert visibility_problems(_pdf(lambda c: draw(c, False))) == []
    _one(visibility_problems(_pdf(lambda c: draw(c, True))), "crosses the edge of an outlined shape "
         "(100.0, 300.0)–(300.0, 360.0)")


def test_problems_name_their_page_and_all_are_listed():
    def small(c):
        c.setFont("Helvetica", 8)
        c.drawString(72, 400, "Small")
    problems = visibility_problems(_pdf(_clean, small, lambda c: c.drawString(0, 0, "Corner")))
    assert [p.split(":")[0] for p in problems] == ["page 2", "page 3"], problems
    with pytest.raises(AssertionError, match=r"text not plainly visible \(2\)"):
        assert_visible(_pdf(_clean, small, lambda c: c.drawString(0, 0, "Corner")))


def test_check_pdf_runs_the_checker(tmp_path):
    bad = BytesIO()
    canv = Canvas(bad, pagesize=LETTER)
    canv.setFont("Helvetica", 14)
    canv.drawString(100, -200, "Off the sheet")
    canv.save()
    path = tmp_path / "bad.pdf.bin"  # not *.pdf: the autouse fixture would fail the test
    path.write_bytes(bad.getvalue())
    with pytest.raises(AssertionError, match="'Off the sheet' is outside the 36 pt margins"):
        check_pdf(path, margin=36)


# ------------------------------------------------------ the real output ---

def test_the_sample_handout_and_checklist_are_visible(clinic, tmp_path):
    for kind in ("handout", "checklist"):
        out = tmp_path / f"{kind}.pdf"
        result = run("render", SAMPLE, "--kind", kind, "--patient", "Jane Doe", "--therapist", "Sam Lee, PT",
                     "--date", "2026-12-01", "-o", str(out), root=clinic)
        assert result.exit_code == 0, result.output
        assert_visible(out, margin=MARGIN)


def _moved(path: Path, needle: str, dx: float, dy: float) -> bytes:
    """The PDF with the text block (BT … ET) that shows `needle` moved by (dx, dy)."""
    reader = pypdf.PdfReader(str(path))
    page = reader.pages[0]
    content = ContentStream(page.get_contents(), reader)
    ops = content.operations
    shown = next(i for i, (args, op) in enumerate(ops) if op in (b"Tj", b"TJ") and needle in str(args))
    begin = max(i for i in range(shown) if ops[i][1] == b"BT")
    end = next(i for i in range(shown, len(ops)) if ops[i][1] == b"ET")
    move = [FloatObject(v) for v in (1, 0, 0, 1, dx, dy)]
    content.operations = ops[:begin] + [([], b"q"), (move, b"cm")] + ops[begin:end + 1] + [([], b"Q")] + ops[end + 1:]
    page[NameObject("/Contents")] = content
    writer = pypdf.PdfWriter()
    writer.add_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_sample_with_a_line_moved_fails(clinic, tmp_path):
    """Moving one block of text on the real page is found: the footer 300 pt
    down (off the sheet), a card's paragraph out of its card or onto the
    steps below, a step onto its number or the step above, the title off to
    the left."""
    out = tmp_path / "h.pdf"
    assert run("render", SAMPLE, "-o", str(out), root=clinic).exit_code == 0
    assert visibility_problems(_moved(out, "Louis, MO", 0, 0)) == []  # the rewriting alone changes nothing
    _one(visibility_problems(_moved(out, "Louis, MO", 0, -300)), "'St. Louis, MO 63011'",
         f"outside the {MARGIN:g} pt margins (bottom edge")
    # The purpose paragraph of the second card: out of its card, then onto the steps below it.
    assert visibility_problems(_moved(out, "Tight calves", 300, 0))
    assert any("overlap" in p for p in visibility_problems(_moved(out, "Tight calves", 0, -40)))
    problems = visibility_problems(_moved(out, "Stand with one", -20, 0))  # onto its number, "1."
    assert any("overlap" in p and "Stand with one" in p for p in problems), problems
    problems = visibility_problems(_moved(out, "Lean forward", 0, 12))  # onto the step above
    assert any("overlap" in p for p in problems), problems
    problems = visibility_problems(_moved(out, "Relieve Knee", -500, 0))
    assert any("'Relieve Knee Arthritis Pain When Walking' is outside" in p for p in problems), problems


@pytest.mark.parametrize("where", ["section", "summary"])
def test_a_paragraph_used_twice_at_two_widths_is_drawn_at_each(clinic, tmp_path, where):
    """The same text as an exercise's purpose (card width) and as a
    section's paragraph (after the cards) or the summary (before them), both
    at the page's width, is one shared paragraph; each place must draw the
    lines broken for its own width, or a line runs out of its card."""
    exercise = yaml.safe_load((clinic / "exercises" / "calf-stretch.yaml").read_text())
    purpose = exercise["purpose"]
    handout_path = clinic / "handouts" / f"{SAMPLE}.yaml"
    handout = yaml.safe_load(handout_path.read_text())
    if where == "section":
        handout["sections"] = [{"heading": "Why stretch", "text": purpose}]  # in place of the list: room to fit
    else:
        handout["summary"] = purpose
    handout_path.write_text(yaml.safe_dump(handout, sort_keys=False))
    for kind in ("handout", "checklist"):
        out = tmp_path / f"{kind}.pdf"
        result = run("render", SAMPLE, "--kind", kind, "-o", str(out), root=clinic)
        assert result.exit_code == 0, result.output
        assert_visible(out, margin=MARGIN)
    # The text is printed twice, wrapped differently.
    lines = [" ".join(line.split()) for line in pypdf.PdfReader(str(tmp_path / "handout.pdf")).pages[0]
             .extract_text().splitlines()]
    assert lines.count(purpose) == 1, "the full-width paragraph is one line"
    assert any(line.startswith("Tight calves") and len(line) < len(purpose) for line in lines), \
        "in the card it is wrapped"
