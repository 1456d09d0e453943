"""Font subsets made once per batch: the bytes must be exactly ReportLab's own."""

from __future__ import annotations

from io import BytesIO

import pypdf
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from handoutgen.fonts import _cmap, default_font_files, font_set
from handoutgen.rl.fontembed import SubsetCachingTTFont

REGULAR = str(default_font_files()[0])
MANY = "".join(chr(c) for c in sorted(_cmap(default_font_files()[0])) if c > 0xBF)[:300]
# Straight into the table: registerFont would hand back whichever object
# first registered this face, and both kinds must be compared here.
pdfmetrics._fonts["T-Plain"] = TTFont("T-Plain", REGULAR)
pdfmetrics._fonts["T-Cached"] = SubsetCachingTTFont("T-Cached", REGULAR)


def _pdf(font: str, lines: list[str]) -> bytes:
    out = BytesIO()
    canv = Canvas(out, invariant=1, initialFontName=font)
    canv.setFont(font, 14)
    for i, line in enumerate(lines):
        canv.drawString(40, 700 - 20 * i, line)
    canv.showPage()
    canv.save()
    return out.getvalue()


DOCUMENTS = [
    ["Push-off: 10 reps, 3 sets", "Patient: Zoë Dupont"],
    ["Patient: María José Fernández", "Hold 30 s · 3 times a day"],
    ["Hold 30 s · 3 times a day", "Patient: María José Fernández"],  # same letters, other order
    ["Hold 30 s · 3 times a day", "Patient: María José Fernández"],  # the same again: from the cache
    [MANY[:150], MANY[150:]],  # more than 256 glyphs: two subsets
]


def test_handouts_use_the_caching_font():
    fonts = font_set(*default_font_files())
    assert isinstance(pdfmetrics.getFont(fonts.regular), SubsetCachingTTFont)
    assert isinstance(pdfmetrics.getFont(fonts.bold), SubsetCachingTTFont)


def test_cached_subsets_are_byte_identical_to_reportlabs():
    for lines in DOCUMENTS:
        assert _pdf("T-Cached", lines) == _pdf("T-Plain", lines), lines


def test_reused_subsets_still_read_back_as_the_right_text():
    for lines in DOCUMENTS:
        pdf = _pdf("T-Cached", lines)
        text = pypdf.PdfReader(BytesIO(pdf)).pages[0].extract_text()
        for line in lines:
            assert line in text.splitlines(), (line, text)
