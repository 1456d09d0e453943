"""Fast paragraph drawing: a paragraph in one font, written straight into the
page as text operators — the same glyphs at the same places as ReportLab's
Paragraph.drawOn (tests/test_text_drawing.py compares the pixels), at a
fraction of its cost.

What it draws is a whitelist: one font (no bold words or fallback letters),
left, centred or right aligned, plain opaque RGB colours with no
transparency in force, an optional bullet, and a style whose other settings
are all ReportLab's defaults or only change where lines break (which
ReportLab's own wrap has already decided). Anything else returns False, and
the caller lets ReportLab draw it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

# Style settings this drawing honours, or that only decide line breaks and the space
# around the paragraph; every other setting must be at ReportLab's default.
HONOURED = frozenset({
    "fontName", "fontSize", "leading", "textColor", "alignment", "leftIndent", "firstLineIndent",
    "bulletFontName", "bulletFontSize", "bulletIndent", "bulletColor", "bulletOffsetY",
    "rightIndent", "spaceBefore", "spaceAfter", "splitLongWords", "allowWidows", "allowOrphans",
    "spaceShrinkage", "name", "parent",
})
ALIGNMENTS = (TA_LEFT, TA_CENTER, TA_RIGHT)


def draw(para: Paragraph, canvas, x: float, y: float, sW: float = 0) -> bool:
    """Draw a wrapped paragraph at (x, y) if it is within the whitelist; else False."""
    lines = plain_lines(para)
    if lines is None or not _plain_state(canvas, para):
        return False
    blpara, style = _lines_of(para), para.style
    font = _tt_font(blpara.fontName)
    bullet = para.bulletText
    bullet_font = _tt_font(style.bulletFontName) if bullet else None
    if font is None or (bullet and bullet_font is None):
        return False  # not a TrueType font: ReportLab draws it
    x = para._hAlignAdjust(x, sW)  # type: ignore[attr-defined]  # Flowable's, not in the stubs
    top = y + para.height - blpara.fontSize  # the first baseline, as ReportLab places it
    offset = style.firstLineIndent
    ops = ["q"]
    if bullet and bullet_font is not None:
        bullet_x = x + style.bulletIndent
        ops += [_fill(_bullet_color(style)), "BT"]
        _runs(ops, canvas, bullet_font, style.bulletFontSize, bullet_x,
              top + getattr(style, "bulletOffsetY", 0), bullet, 0.0)
        ops.append("ET")
        # Where ReportLab's _drawBullet lets the first line start.
        bullet_end = style.bulletIndent + stringWidth(bullet, style.bulletFontName,
                                                      style.bulletFontSize) + style.bulletFontSize * 0.6
        offset = max(offset, bullet_end - style.leftIndent)
    ops += [_fill(blpara.textColor), "BT"]
    align = style.alignment
    for i, (extra, text) in enumerate(lines):
        line_x = x + style.leftIndent + (offset if i == 0 else 0.0)
        spaces = text.count(" ") + text.count("\xa0")
        squeeze = extra < -1e-8 and spaces
        if not squeeze and align == TA_CENTER:
            line_x += extra / 2
        elif not squeeze and align == TA_RIGHT:
            line_x += extra
        # A line a hair too long: ReportLab closes up its word spaces to fit, as here.
        _runs(ops, canvas, font, blpara.fontSize, line_x, top - i * style.leading, text,
              extra / spaces if squeeze else 0.0)
    ops += ["ET", "Q"]
    canvas._code.append(" ".join(ops))
    return True


def _lines_of(para: Paragraph) -> Any:
    """The lines a wrapped paragraph broke into: ReportLab's ParaLines, which the stubs do not name."""
    return para.blPara  # type: ignore[attr-defined]  # set by Paragraph.wrap; not in the stubs


def _tt_font(name: str) -> TTFont | None:
    """The TrueType font `name` (the only kind ReportLab subsets, and draws with codes
    per subset), or None for any other: the caller lets ReportLab draw those."""
    font = pdfmetrics.getFont(name)
    return font if isinstance(font, TTFont) else None


def plain_lines(para: Paragraph) -> list[tuple[float, str]] | None:
    """[(spare width, text)] of each line of a wrapped paragraph, or None if `draw` cannot draw it."""
    blpara, style = _lines_of(para), para.style
    if (blpara.kind != 0 or style.alignment not in ALIGNMENTS or not _plain_style(style)
            or getattr(blpara, "us_lines", None) or getattr(blpara, "link", None)
            or _tt_font(blpara.fontName) is None):
        return None
    return [(extra, " ".join(words)) for extra, words in blpara.lines]


def _plain_style(style: ParagraphStyle) -> bool:
    """Every setting outside HONOURED is ReportLab's default (and none is unknown)."""
    known = style.__dict__.get("_handoutgen_plain")
    if known is None:
        names = set(ParagraphStyle.defaults) | {n for n in style.__dict__ if not n.startswith("_")}
        known = all(name in HONOURED or (name in ParagraphStyle.defaults
                                         and getattr(style, name) == ParagraphStyle.defaults[name])
                    for name in names)
        style.__dict__["_handoutgen_plain"] = known
    return known


def _plain_state(canvas, para: Paragraph) -> bool:
    """True when the colours need nothing but an "rg": plain opaque RGB colours,
    drawn where no transparency is in force."""
    if canvas._extgstate.getValue("ca") != 1:
        return False
    used = [_lines_of(para).textColor] + ([_bullet_color(para.style)] if para.bulletText else [])
    return all(type(c) is colors.Color and c.alpha == 1 for c in used)


def _bullet_color(style: ParagraphStyle):
    return getattr(style, "bulletColor", None) or style.textColor


def _fill(color: colors.Color) -> str:
    return f"{fp_str(color.red, color.green, color.blue)} rg"


def _runs(ops: list[str], canvas, font: TTFont, size: float, x: float, y: float, text: str,
          word_space: float) -> None:
    """The operators that show `text` at (x, y) inside BT … ET."""
    doc = canvas._doc
    if word_space:
        ops.append(f"{fp_str(word_space)} Tw")
    ops.append(f"1 0 0 1 {fp_str(x, y)} Tm")
    # The font subset and codes of each letter, assigned in this document as ReportLab does;
    # printable ASCII always has its own codes in the first subset.
    runs = [(0, text.encode("ascii"))] if _ascii_is_its_own_code(font) and text.isascii() and text.isprintable() \
        else font.splitString(text, doc)
    for subset, codes in runs:
        ops.append(f"{font.getSubsetInternalName(subset, doc)} {fp_str(size)} Tf ({canvas._escape(codes)}) Tj")
    if word_space:
        ops.append("0 Tw")


@cache
def _ascii_is_its_own_code(font: TTFont) -> bool:
    """True when ReportLab gives each printable ASCII letter its own code in
    subset 0 of every document (its "ASCII readable" subsets), as for any
    font that has all of ASCII."""
    readable = font._asciiReadable  # type: ignore[attr-defined]  # private: not in the stubs
    if readable is None:
        readable = rl_config.ttfAsciiReadable
    return bool(readable) and all(code in font.face.charToGlyph for code in range(32, 127))
