"""Plain paragraphs are drawn by handoutgen's own fast path: every glyph must
land exactly where ReportLab's own paragraph drawing puts it."""

from __future__ import annotations

from io import BytesIO

import pypdfium2
import pytest
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from handoutgen.flowables import Text
from handoutgen.fonts import default_font_files, font_set

FONTS = font_set(*default_font_files())
SENTENCE = "Stand with one foot a step behind the other. Hold a counter (or a chair) if you need to."


def _style(**kw) -> ParagraphStyle:
    base = dict(fontName=FONTS.regular, fontSize=14, leading=17.08, textColor="#1A1A1A", alignment=TA_LEFT)
    base.update(kw)
    return ParagraphStyle("t", **base)


def _pixels(make, width: float) -> bytes:
    out = BytesIO()
    canv = Canvas(out, invariant=1, initialFontName=FONTS.regular)
    para = make()
    _, height = para.wrapOn(canv, width, 1000)
    para.drawOn(canv, 40, 700 - height)
    canv.showPage()
    canv.save()
    page = pypdfium2.PdfDocument(out.getvalue())[0]
    return page.render(scale=2).to_pil().tobytes()


CASES = {
    "left": (_style(), None),
    "centred": (_style(alignment=TA_CENTER), None),
    "right": (_style(alignment=TA_RIGHT), None),
    "numbered": (_style(leftIndent=24, bulletIndent=3, bulletFontName=FONTS.bold, bulletFontSize=14,
                        bulletColor="#1B5E8C"), "12."),
    "bold": (_style(fontName=FONTS.bold, textColor="#8A1C00"), None),
}


@pytest.mark.parametrize("case", CASES)
def test_fast_drawing_matches_reportlab(case):
    style, bullet = CASES[case]
    fast = Text(SENTENCE, style, bullet)
    fast.wrap(230, 1000)
    assert fast._plain_lines() is not None, "this paragraph must take the fast path"
    assert _pixels(lambda: Text(SENTENCE, style, bullet), 230) == \
        _pixels(lambda: Paragraph(SENTENCE, style, bulletText=bullet), 230)


def test_a_line_squeezed_to_fit_is_squeezed_the_same_way():
    style = _style()
    for tenth in range(1500, 3000):
        width = tenth / 10
        para = Text(SENTENCE, style)
        para.wrap(width, 1000)
        if any(extra < -1e-8 and " " in text for extra, text in para._plain_lines()):
            break
    else:
        pytest.fail("no width makes ReportLab squeeze a line; pick another sentence")
    assert _pixels(lambda: Text(SENTENCE, style), width) == _pixels(lambda: Paragraph(SENTENCE, style), width)


@pytest.mark.parametrize("markup", ["Patient: María José", "Do <b>10</b> times", "5 sets × 10 reps"])
def test_other_paragraphs_are_left_to_reportlab(markup):
    para = Text(markup, _style())
    para.wrap(300, 1000)
    assert para._plain_lines() is None
    assert _pixels(lambda: Text(markup, _style()), 300) == _pixels(lambda: Paragraph(markup, _style()), 300)
