"""Plain paragraphs are drawn by handoutgen's own fast path: every glyph must
land exactly where ReportLab's own paragraph drawing puts it."""

from __future__ import annotations

from io import BytesIO

import pypdfium2
import pytest
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from handoutgen.flowables import Text
from handoutgen.fonts import default_font_files, font_set
from handoutgen.rl import text as rltext

FONTS = font_set(*default_font_files())
SENTENCE = "Stand with one foot a step behind the other. Hold a counter (or a chair) if you need to."


INK, BLUE = HexColor("#1A1A1A"), HexColor("#1B5E8C")


def _style(**kw) -> ParagraphStyle:
    base = dict(fontName=FONTS.regular, fontSize=14, leading=17.08, textColor=INK, alignment=TA_LEFT)
    base.update(kw)
    return ParagraphStyle("t", **base)


@pytest.fixture
def reportlab_draws(monkeypatch) -> list:
    """Records each paragraph ReportLab itself draws."""
    drawn = []
    original = Paragraph.draw
    monkeypatch.setattr(Paragraph, "draw", lambda self: drawn.append(self) or original(self))
    return drawn


def _pixels(make, width: float) -> bytes:
    """The page, rendered by PDFium, of what `make()` returns: one paragraph or a list, top down."""
    out = BytesIO()
    canv = Canvas(out, invariant=1, initialFontName=FONTS.regular)
    made = make()
    y = 760
    for para in made if isinstance(made, list) else [made]:
        _, height = para.wrapOn(canv, width, 1000)
        y -= height + 6
        para.drawOn(canv, 40, y)
    canv.showPage()
    canv.save()
    page = pypdfium2.PdfDocument(out.getvalue())[0]
    return page.render(scale=2).to_pil().tobytes()


CASES = {
    "left": (_style(), None),
    "centred": (_style(alignment=TA_CENTER), None),
    "right": (_style(alignment=TA_RIGHT), None),
    "numbered": (_style(leftIndent=24, bulletIndent=3, bulletFontName=FONTS.bold, bulletFontSize=14,
                        bulletColor=BLUE), "12."),
    "bulleted": (_style(leftIndent=24, bulletIndent=3, bulletFontName=FONTS.bold, bulletFontSize=14,
                        bulletColor=BLUE), "•"),
    "bold": (_style(fontName=FONTS.bold, textColor=HexColor("#8A1C00")), None),
}


@pytest.mark.parametrize("case", CASES)
def test_fast_drawing_matches_reportlab(case, reportlab_draws):
    style, bullet = CASES[case]
    fast = _pixels(lambda: Text(SENTENCE, style, bullet), 230)
    assert not reportlab_draws, "this paragraph must take the fast path"
    assert fast == _pixels(lambda: Paragraph(SENTENCE, style, bulletText=bullet), 230)


def test_a_line_squeezed_to_fit_is_squeezed_the_same_way():
    style = _style()
    for tenth in range(1500, 3000):
        width = tenth / 10
        para = Text(SENTENCE, style)
        para.wrap(width, 1000)
        if any(extra < -1e-8 and " " in text for extra, text in rltext.plain_lines(para)):
            break
    else:
        pytest.fail("no width makes ReportLab squeeze a line; pick another sentence")
    assert _pixels(lambda: Text(SENTENCE, style), width) == _pixels(lambda: Paragraph(SENTENCE, style), width)


MANY = "".join(chr(c) for c in sorted(FONTS._main) if c > 0xBF)[:300]  # letters for two font subsets


@pytest.mark.parametrize("markup", ["Patient: María José Fernández", "5 sets × 10 reps · each leg", MANY])
def test_letters_beyond_ascii_take_the_fast_path_too(markup, reportlab_draws):
    fast = _pixels(lambda: Text(markup, _style()), 300)
    assert not reportlab_draws
    assert fast == _pixels(lambda: Paragraph(markup, _style()), 300)


def test_letters_numbered_by_reportlab_first_are_drawn_with_the_same_numbers():
    """The font subset numbers letters in order of first use in the document, by either path."""
    texts = ["Für <b>María</b> ·", "María für · Ω", "Ω Zoë", MANY]
    make = lambda kind: lambda: [kind(t, _style()) for t in texts]  # noqa: E731
    assert _pixels(make(Text), 300) == _pixels(make(Paragraph), 300)


@pytest.mark.parametrize("markup", ["Do <b>10</b> times", "Hold it <font color='red'>still</font>",
                                    "Zoë&nbsp;Dupont, 1&nbsp;min"])
def test_mixed_styles_are_left_to_reportlab(markup, reportlab_draws):
    drawn = _pixels(lambda: Text(markup, _style()), 300)
    assert len(reportlab_draws) == 1
    assert drawn == _pixels(lambda: Paragraph(markup, _style()), 300)


def test_see_through_colours_are_left_to_reportlab(reportlab_draws):
    style = _style(textColor=Color(0.1, 0.1, 0.1, alpha=0.5))
    drawn = _pixels(lambda: Text(SENTENCE, style), 300)
    assert len(reportlab_draws) == 1
    assert drawn == _pixels(lambda: Paragraph(SENTENCE, style), 300)


def test_paragraphs_are_shared_only_between_styles_that_draw_alike():
    from handoutgen.flowables import paragraph

    blue = _style(leftIndent=24, bulletIndent=3, bulletColor=BLUE)
    also_blue = _style(leftIndent=24, bulletIndent=3, bulletColor=HexColor("#1B5E8C"))
    red = _style(leftIndent=24, bulletIndent=3, bulletColor=HexColor("#B00020"))  # another brand's colour
    assert paragraph("Stand tall.", blue, "1.") is paragraph("Stand tall.", also_blue, "1.")
    assert paragraph("Stand tall.", red, "1.") is not paragraph("Stand tall.", blue, "1.")


@pytest.mark.parametrize("setting", [{"textTransform": "uppercase"}, {"backColor": HexColor("#FFF3C4")},
                                     {"endDots": "."}])
def test_other_paragraph_settings_are_left_to_reportlab(setting, reportlab_draws):
    style = _style(**setting)
    drawn = _pixels(lambda: Text("Keep your arch domed.", style), 300)
    assert len(reportlab_draws) == 1
    assert drawn == _pixels(lambda: Paragraph("Keep your arch domed.", style), 300)


def test_a_bullet_in_a_font_that_is_not_truetype_is_left_to_reportlab(reportlab_draws):
    """ReportLab's Helvetica (the default bullet font) has no font subsets: its bullet
    is ReportLab's to draw, the same as its own paragraph (it used to raise)."""
    style = _style(leftIndent=24, bulletIndent=3, bulletFontName="Helvetica", bulletFontSize=14)
    drawn = _pixels(lambda: Text(SENTENCE, style, "1."), 300)
    assert len(reportlab_draws) == 1
    assert drawn == _pixels(lambda: Paragraph(SENTENCE, style, bulletText="1."), 300)
