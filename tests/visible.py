"""Is every word on a PDF page visible where a reader would look for it?

Extracting text from the content stream finds words drawn anywhere: off the
sheet, under a picture, on top of each other. This checker reads each page
with PDFium (the engine of Chrome's viewer) and looks at where each
character's ink lands and what else is drawn there:

1. margins: every character's ink (its tight box) lies inside the page's
   margins, `margin` pt from each edge; a letter drawn from inside them may
   reach sideways past its pen position by a fifth of its size (the hook of
   a "j" at the left margin: a font's design, well inside the printable sheet);
2. shapes: no character crosses the edge of a drawn shape: a filled panel,
   a card's border, a rule, a grid line. A character is either wholly inside
   each shape or wholly outside it (for a stroked shape, "inside" means
   inside the inner edge of its stroke, and a line has no inside at all).
   This is how "the text stays in its card" is checked without knowing the
   layout. A run of text (characters drawn one after another on one
   baseline) is all inside a shape or all outside it, so a line that leaves
   its card with a word space exactly on the border is found too. Pictures
   (image objects) are opaque: no ink may touch one;
3. overlaps: no two characters' ink overlaps, except neighbours in one run
   of text drawn left to right (kerned pairs such as "Te" meet) and a letter
   and its combining accents;
4. size: no character is smaller than `floor` pt (font size times the
   vertical scale of its text matrix and of the drawing's transformation);
5. painted over: no text is covered by a filled shape or a picture drawn
   after it, and none is drawn in an invisible render mode.

Not checked: colour contrast, clipping paths, annotations (a form field's
check mark is an annotation, not page content), shadings.

Tight boxes are the ink of the glyph (PDFium's FPDFText_GetCharBox); loose
boxes (FPDFText_GetLooseCharBox) span the font's whole ascent and descent,
so the loose boxes of neighbouring lines of ordinary text overlap and are
of no use here. Coordinates in messages are PDF points from the lower left
corner of the page.
"""

from __future__ import annotations

import ctypes
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from handoutgen.flowables import MIN_TEXT_PT
from handoutgen.pdf import MARGIN

TOLERANCE = 0.5  # pt: rounding in PDFium's boxes, and hairline touches nobody sees
OVERHANG = 0.2  # of a letter's size: how far its ink may reach sideways past its pen position (a "j")


@dataclass
class _Glyph:
    index: int  # in the page's character array
    ordinal: int  # among the page's inked characters, in drawing order
    char: str
    box: tuple[float, float, float, float]  # left, bottom, right, top
    baseline: float
    size: float
    space_before: bool  # a space (or a break) between it and the inked character before it
    run: int  # the run of text (_Line) it belongs to
    cluster: int  # a letter and the combining marks after it share one
    mark: bool  # a combining mark (an accent drawn over the letter before it)
    origin: float = 0.0  # x of the pen where the glyph is drawn


@dataclass
class _Line:
    """Inked characters drawn one after the other on one baseline: a run of
    text, up to PDFium's next line break or gap (a generated character)."""

    glyphs: list[_Glyph] = field(default_factory=list)
    text: str = ""  # the line as read, spaces included
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


@dataclass
class _Shape:
    order: int  # paint order among the page's objects
    outer: tuple[float, float, float, float]  # everything the shape inks
    inner: tuple[float, float, float, float] | None  # room inside it that it leaves alone (None: no room)
    opaque_inside: bool  # a fill or a picture: it hides what was drawn under it
    what: str  # "a filled shape (x, y)–(x, y)"


@dataclass
class _TextObject:
    order: int
    bounds: tuple[float, float, float, float]
    invisible: bool


# ------------------------------------------------------------ geometry ---

def _fmt(box) -> str:
    return f"({box[0]:.1f}, {box[1]:.1f})–({box[2]:.1f}, {box[3]:.1f})"


def _intersect(a, b, tol: float = TOLERANCE) -> bool:
    """Boxes overlap by more than `tol` in both directions."""
    return min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol


def _inside(a, b, tol: float = TOLERANCE) -> bool:
    """Box a lies within box b, give or take `tol`."""
    return a[0] >= b[0] - tol and a[1] >= b[1] - tol and a[2] <= b[2] + tol and a[3] <= b[3] + tol


def _union(boxes) -> tuple[float, float, float, float]:
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _compose(m, n):
    """The matrix applying m, then n (PDF's row-vector convention: m × n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(m, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _box_of_points(points) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _transform_box(m, box) -> tuple[float, float, float, float]:
    left, b, r, t = box
    return _box_of_points([_apply(m, left, b), _apply(m, r, b), _apply(m, left, t), _apply(m, r, t)])


def _grow(box, by: float):
    return box[0] - by, box[1] - by, box[2] + by, box[3] + by


# ------------------------------------------------------------- reading ---

_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _matrix(obj) -> tuple:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _describe_path(box, filled: bool, stroked: bool, width: float) -> str:
    left, b, r, t = box
    if r - left < 0.01 or t - b < 0.01:
        return f"a {width:.1f} pt line {_fmt(box)}"
    kind = "a filled and outlined" if filled and stroked else "a filled" if filled else "an outlined"
    return f"{kind} shape {_fmt(box)}"


def _path_shapes(obj, matrix, order: int) -> list[_Shape]:
    """One shape per subpath (a grid's rules are one path of many lines)."""
    fillmode, stroke = ctypes.c_int(), ctypes.c_int()
    if not raw.FPDFPath_GetDrawMode(obj, fillmode, stroke):
        return []
    filled, stroked = fillmode.value != raw.FPDF_FILLMODE_NONE, bool(stroke.value)
    if not (filled or stroked):
        return []  # a path only drawn to clip
    width = ctypes.c_float(0.0)
    if stroked:
        raw.FPDFPageObj_GetStrokeWidth(obj, width)
    scale = math.sqrt(abs(matrix[0] * matrix[3] - matrix[1] * matrix[2]))
    half = max(width.value, 0.0) * scale / 2 if stroked else 0.0
    subpaths: list[list[tuple[float, float]]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for k in range(raw.FPDFPath_CountSegments(obj)):
        segment = raw.FPDFPath_GetPathSegment(obj, k)
        raw.FPDFPathSegment_GetPoint(segment, x, y)
        point = _apply(matrix, x.value, y.value)
        if raw.FPDFPathSegment_GetType(segment) == raw.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append([point])
        else:
            subpaths[-1].append(point)  # a curve's control points too: its box holds the curve
    shapes = []
    for points in subpaths:
        box = _box_of_points(points)
        area = (box[2] - box[0]) * (box[3] - box[1])
        if not stroked and area < 0.01:
            continue  # a fill with no area paints nothing
        inner = (box[0] + half, box[1] + half, box[2] - half, box[3] - half)
        if inner[2] - inner[0] <= 0 or inner[3] - inner[1] <= 0:
            inner = None
        shapes.append(_Shape(order, _grow(box, half), inner, filled and area >= 0.01,
                             _describe_path(box, filled, stroked, 2 * half)))
    return shapes


def _objects(page) -> tuple[list[_Shape], list[_TextObject]]:
    """The page's shapes and text objects, in page coordinates and paint order,
    Form XObjects opened."""
    shapes: list[_Shape] = []
    texts: list[_TextObject] = []
    order = 0

    def visit(count, get, parent, outer_matrix):
        nonlocal order
        for i in range(count(parent)):
            obj = get(parent, i)
            kind = raw.FPDFPageObj_GetType(obj)
            own = _matrix(obj)
            order += 1
            if kind == raw.FPDF_PAGEOBJ_FORM:
                visit(raw.FPDFFormObj_CountObjects, raw.FPDFFormObj_GetObject, obj, _compose(own, outer_matrix))
            elif kind == raw.FPDF_PAGEOBJ_PATH:
                shapes.extend(_path_shapes(obj, _compose(own, outer_matrix), order))
            elif kind == raw.FPDF_PAGEOBJ_IMAGE:
                box = _transform_box(_compose(own, outer_matrix), (0.0, 0.0, 1.0, 1.0))
                shapes.append(_Shape(order, box, None, True, f"a picture {_fmt(box)}"))
            elif kind == raw.FPDF_PAGEOBJ_TEXT:
                left, b, r, t = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
                if raw.FPDFPageObj_GetBounds(obj, left, b, r, t):
                    bounds = _transform_box(outer_matrix, (left.value, b.value, r.value, t.value))
                    mode = raw.FPDFTextObj_GetTextRenderMode(obj)
                    texts.append(_TextObject(order, bounds, mode in (raw.FPDF_TEXTRENDERMODE_INVISIBLE,
                                                                     raw.FPDF_TEXTRENDERMODE_CLIP)))

    visit(raw.FPDFPage_CountObjects, raw.FPDFPage_GetObject, page.raw, _IDENTITY)
    return shapes, texts


def _lines(textpage) -> list[_Line]:
    """The page's inked characters, grouped into runs of text."""
    tp = textpage.raw
    count = raw.FPDFText_CountChars(tp)
    left, r, b, t = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    m = raw.FS_MATRIX()
    get_unicode, get_box, get_origin = raw.FPDFText_GetUnicode, raw.FPDFText_GetCharBox, raw.FPDFText_GetCharOrigin
    get_size, get_matrix, is_generated = raw.FPDFText_GetFontSize, raw.FPDFText_GetMatrix, raw.FPDFText_IsGenerated
    chars = []
    lines: list[_Line] = []
    current: _Line | None = None
    ordinal = 0
    cluster = -1
    space = False
    for i in range(count):
        code = get_unicode(tp, i)
        char = chr(code) if 0 < code < 0x110000 else "\ufffd"
        chars.append(char)
        if char in "\r\n" or is_generated(tp, i):
            current, space = None, True  # PDFium saw a new line, or a gap between separate runs
            continue
        if char.isspace():
            space = True
            continue
        get_box(tp, i, left, r, b, t)
        box = (left.value, b.value, r.value, t.value)
        if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
            continue  # no ink (a zero-width space, say): nothing to see, nothing to hide
        get_origin(tp, i, ox, oy)
        get_matrix(tp, i, m)
        size = get_size(tp, i) * math.hypot(m.c, m.d)  # Tf size × the text space's vertical scale
        if current is None or abs(current.glyphs[-1].baseline - oy.value) > TOLERANCE:
            current = _Line()
            lines.append(current)
        mark = unicodedata.category(char).startswith("M")
        if not mark or not current.glyphs:
            cluster += 1
        glyph = _Glyph(i, ordinal, char, box, oy.value, size, space, len(lines) - 1, cluster, mark, ox.value)
        ordinal += 1
        space = False
        current.glyphs.append(glyph)
    text = "".join(chars)
    for line in lines:
        line.text = text[line.glyphs[0].index:line.glyphs[-1].index + 1]
        line.box = _union(g.box for g in line.glyphs)
    return lines


# ------------------------------------------------------------- checks ----

def _quote(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


def _chars(glyphs) -> str:
    """Some of a line's characters, as they read: spaces kept, "…" for those left out."""
    out = []
    previous = None
    for g in sorted(glyphs, key=lambda g: g.ordinal):
        if previous is not None:
            out.append((" " if g.space_before else "") if g.ordinal == previous.ordinal + 1 else " … ")
        out.append(g.char)
        previous = g
    return _quote("".join(out), 40)


def _overhangs(g: _Glyph, area) -> bool:
    """A letter drawn from inside the margins whose ink reaches a little past its
    pen position (the hook of a "j", a wide accent): a font's design, printed
    well inside the sheet's unprintable edge. Up to OVERHANG of its size."""
    if g.mark or not area[0] <= g.origin <= area[2]:
        return False
    reach = OVERHANG * g.size
    return (g.box[0] >= area[0] - reach and g.box[2] <= area[2] + reach
            and g.box[1] >= area[1] - TOLERANCE and g.box[3] <= area[3] + TOLERANCE)


def _check_margins(lines, area, where, margin) -> list[str]:
    problems = []
    for line in lines:
        if _inside(line.box, area):
            continue
        out = [g for g in line.glyphs if not _inside(g.box, area) and not _overhangs(g, area)]
        if not out:
            continue
        box = _union(g.box for g in out)
        sides = []
        if box[0] < area[0] - TOLERANCE:
            sides.append(f"left edge {box[0]:.1f} < {area[0]:.1f}")
        if box[1] < area[1] - TOLERANCE:
            sides.append(f"bottom edge {box[1]:.1f} < {area[1]:.1f}")
        if box[2] > area[2] + TOLERANCE:
            sides.append(f"right edge {box[2]:.1f} > {area[2]:.1f}")
        if box[3] > area[3] + TOLERANCE:
            sides.append(f"top edge {box[3]:.1f} > {area[3]:.1f}")
        problems.append(f"{where}: text {_quote(line.text)} is outside the {margin:g} pt margins "
                        f"({', '.join(sides)}): characters {_chars(out)} at {_fmt(box)}")
    return problems


def _check_shapes(lines, shapes, where) -> list[str]:
    problems = []
    for shape in shapes:
        for line in lines:
            if not _intersect(line.box, shape.outer):
                continue
            if shape.inner is not None and _inside(line.box, shape.inner):
                continue
            inside, crossing, outside = [], [], []
            for g in line.glyphs:
                if shape.inner is not None and _inside(g.box, shape.inner):
                    inside.append(g)
                elif _intersect(g.box, shape.outer):
                    crossing.append(g)
                else:
                    outside.append(g)
            if crossing:
                verb = "lies on" if shape.inner is None else "crosses the edge of"
                problems.append(f"{where}: text {_quote(line.text)} {verb} {shape.what}: "
                                f"characters {_chars(crossing)} at {_fmt(_union(g.box for g in crossing))}")
            elif inside and outside:  # a word space exactly on the edge
                problems.append(f"{where}: text {_quote(line.text)} runs out of {shape.what}: characters "
                                f"{_chars(inside)} inside it at {_fmt(_union(g.box for g in inside))}, "
                                f"{_chars(outside)} outside at {_fmt(_union(g.box for g in outside))}")
    return problems


def _may_touch(a: _Glyph, b: _Glyph) -> bool:
    """Neighbours in one run of text whose ink may meet: a letter and its
    accents, accents and the letters beside them, and two letters side by
    side the way the font spaces them ("AV", "Te", the hook of a "J" under
    the letter before it), as long as the later one is drawn further along.
    Text drawn back over what came before is not a neighbour."""
    if a.run != b.run:
        return False
    apart = abs(a.cluster - b.cluster)
    if apart == 0:
        return True
    if a.mark or b.mark:
        return apart <= 2
    if apart > 1:
        return False
    first, later = (a, b) if a.ordinal < b.ordinal else (b, a)
    return later.box[0] >= first.box[0] - TOLERANCE and later.box[2] >= first.box[2] - TOLERANCE


def _overlapping_pairs(glyphs: list[_Glyph]):
    """Pairs of glyphs whose ink overlaps, found with a sweep from left to right."""
    ordered = sorted(glyphs, key=lambda g: g.box[0])
    active: list[_Glyph] = []
    for g in ordered:
        active = [a for a in active if a.box[2] - g.box[0] > TOLERANCE]
        for a in active:
            if _intersect(a.box, g.box) and not _may_touch(a, g):
                yield a, g
        active.append(g)


def _check_overlaps(lines, where) -> list[str]:
    problems = []
    found: dict[tuple[int, int], list] = {}

    def note(pairs, key_of):
        for a, b in pairs:
            found.setdefault(key_of(a, b), []).append((a, b))

    line_of = {}
    for n, line in enumerate(lines):
        for g in line.glyphs:
            line_of[g.index] = n
        note(_overlapping_pairs(line.glyphs), lambda a, b, n=n: (n, n))
    # Lines whose boxes overlap: a sweep from bottom to top over the lines' boxes.
    ordered = sorted(range(len(lines)), key=lambda n: lines[n].box[1])
    active: list[int] = []
    for n in ordered:
        box = lines[n].box
        active = [a for a in active if lines[a].box[3] - box[1] > TOLERANCE]
        for a in active:
            if _intersect(lines[a].box, box):
                note([(x, y) for x, y in _overlapping_pairs(lines[a].glyphs + lines[n].glyphs)
                      if line_of[x.index] != line_of[y.index]],
                     lambda x, y: tuple(sorted((line_of[x.index], line_of[y.index]))))
        active.append(n)
    for (m, n), pairs in found.items():
        glyphs = {g.index: g for pair in pairs for g in pair}
        if m == n:
            first = {a.index: a for a, _ in pairs}
            second = {b.index: b for _, b in pairs}
        else:
            first = {i: g for i, g in glyphs.items() if line_of[i] == m}
            second = {i: g for i, g in glyphs.items() if line_of[i] == n}
        first_glyphs = [first[i] for i in sorted(first)]
        second_glyphs = [second[i] for i in sorted(second)]
        a_box, b_box = _union(g.box for g in first_glyphs), _union(g.box for g in second_glyphs)
        both = (f"characters {_chars(first_glyphs)} at {_fmt(a_box)} and {_chars(second_glyphs)} "
                f"at {_fmt(b_box)}")
        if m == n:
            problems.append(f"{where}: text {_quote(lines[m].text)} overlaps itself: {both}")
        else:
            problems.append(f"{where}: lines {_quote(lines[m].text)} and {_quote(lines[n].text)} overlap: {both}")
    return problems


def _check_sizes(lines, floor, where) -> list[str]:
    problems = []
    for line in lines:
        small = [g for g in line.glyphs if g.size < floor - 0.01]
        if small:
            problems.append(f"{where}: text {_quote(line.text)} is {min(g.size for g in small):.2f} pt, smaller "
                            f"than {floor:g} pt: characters {_chars(small)} at {_fmt(_union(g.box for g in small))}")
    return problems


def _check_painted_over(texts, shapes, text_of, where) -> list[str]:
    problems = []
    for obj in texts:
        if obj.invisible:
            problems.append(f"{where}: text {_quote(text_of(obj.bounds))} at {_fmt(obj.bounds)} is drawn invisible "
                            "(text render mode 3 or 7)")
            continue
        for shape in shapes:
            if shape.order > obj.order and shape.opaque_inside and _intersect(obj.bounds, shape.outer):
                problems.append(f"{where}: text {_quote(text_of(obj.bounds))} at {_fmt(obj.bounds)} is painted "
                                f"over by {shape.what} drawn after it")
    return problems


def _page_problems(page, number: int, margin: float, floor: float) -> list[str]:
    where = f"page {number}"
    left, bottom, right, top = page.get_cropbox()
    area = (left + margin, bottom + margin, right - margin, top - margin)
    textpage = page.get_textpage()
    try:
        lines = _lines(textpage)
        shapes, texts = _objects(page)

        def text_of(bounds):
            inside = [ln.text for ln in lines if _intersect(ln.box, bounds, 0.0)]
            return " / ".join(inside) or "(no text)"

        return (_check_margins(lines, area, where, margin) + _check_shapes(lines, shapes, where)
                + _check_overlaps(lines, where) + _check_sizes(lines, floor, where)
                + _check_painted_over(texts, shapes, text_of, where))
    finally:
        textpage.close()


def visibility_problems(pdf: str | Path | bytes, *, margin: float = MARGIN, floor: float = MIN_TEXT_PT) -> list[str]:
    """Each way a word of the PDF is not plainly visible, as a sentence naming
    the page, the text and where it is; an empty list if there is none."""
    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        problems = []
        for index in range(len(document)):
            page = document[index]
            try:
                problems += _page_problems(page, index + 1, margin, floor)
            finally:
                page.close()
        return problems
    finally:
        document.close()


def assert_visible(pdf: str | Path | bytes, *, margin: float = MARGIN, floor: float = MIN_TEXT_PT) -> None:
    problems = visibility_problems(pdf, margin=margin, floor=floor)
    name = "the PDF" if isinstance(pdf, bytes) else str(pdf)
    assert not problems, f"{name}: text not plainly visible ({len(problems)}):\n" + "\n".join(problems)


def text_sizes(pdf: str | Path | bytes) -> list[list[tuple[str, float]]]:
    """Each page's runs of text, with the size of their smallest character (as the size check measures it)."""
    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            try:
                pages.append([(line.text, min(g.size for g in line.glyphs)) for line in _lines(page.get_textpage())])
            finally:
                page.close()
        return pages
    finally:
        document.close()
