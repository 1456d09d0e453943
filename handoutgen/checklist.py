"""The dosage checklist's blocks: a ruled grid per week, with real check
boxes, and ruled lines for notes.

Geometry (the quality bar of issue 11; tests/test_checklist.py measures it):
- every check box is at least 0.2 in (14.4 pt) square;
- at least 0.1 in (7.2 pt) lies between two boxes, and between a box and
  the edge of any grid line;
- a day's heading ("Tue 1", "Day 14") is one unbreakable word, and the day
  columns are sized so it fits on one line.

Sessions go in pairs: a day cell holds two boxes side by side, line under
line (1–2 a day: one line, 3–4: two, 5–6: three), so a day column is only
two boxes wide and the first column keeps the rest of the width for the
exercise's name and dose. A day's boxes are counted like the pips of a die.

When that first column would be too narrow (large print, wide margins),
the names go above their boxes instead, across the whole width, and the
day columns share the width: up to three boxes a line.

The page engine places each week as one block and may cut it between rows
(`Ruled.split_rows`); it gives the room left on a page to the note lines
(`NoteLines.stretch`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from handoutgen import flowables as fl
from handoutgen import i18n
from handoutgen.boxes import Line, Placed, Ruled
from handoutgen.contrast import blend
from handoutgen.i18n import gettext as _
from handoutgen.markup import MarkupError, Node
from handoutgen.rl import checkboxes

TICK_BOX = 15.5  # pt, 0.215 in: a box when there is room, big enough to tick with stiff fingers
TICK_BOX_MIN = 14.4  # pt, 0.2 in: the smallest box, in the most compact layout
TICK_GAP = 7.2  # pt, 0.1 in: the least space between two boxes, or a box and a grid line
RULE = 0.8  # pt, the grid lines and the note lines
MOST_A_LINE = 3  # boxes side by side in a day, at most: more is hard to count at a glance
HEAD_PAD = 3.0  # pt, the least room either side of a day's heading
MIN_LABEL = 0.25  # × the frame width: a narrower names column puts the names above their boxes
NOTE_PITCH = 1.9  # × body size: the height of a handwritten line, at least
MAX_DAYS, MAX_SESSIONS = 31, 12


def _tint(color: colors.Color, amount: float) -> colors.Color:
    """`color` blended with white; amount 0 = white, 1 = color."""
    return colors.Color(*blend((color.red, color.green, color.blue), amount))


def _between(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


@dataclass(frozen=True)
class Geometry:
    """Where the boxes of one grid go; sizes in pt."""

    box: float  # a check box's side
    gap: float  # between two lines of boxes, and between the boxes and the rules above and below
    day: float  # a day column's width
    label: float  # the names' column (0: the names go above their boxes)
    per_line: int = 2  # boxes side by side in a day, at most
    rule: float = RULE

    @property
    def stacked(self) -> bool:
        return self.label == 0

    @property
    def gap_x(self) -> float:
        """Between two boxes side by side, and between a full line and the rules left and right."""
        return (self.day - self.rule - self.per_line * self.box) / (self.per_line + 1)

    def lines(self, sessions: int) -> int:
        return math.ceil(sessions / self.per_line)

    def across(self, sessions: int) -> int:
        """Boxes in a full line: the lines as even as can be (4 a day: 2 and 2, not 3 and 1)."""
        return math.ceil(sessions / self.lines(sessions))

    def block(self, sessions: int) -> float:
        """Height of a day's boxes."""
        lines = self.lines(sessions)
        return lines * self.box + (lines - 1) * self.gap

    def row(self, sessions: int) -> float:
        """The least height of a row of `sessions` boxes a day: the boxes, and the gap and half a
        rule above and below them."""
        return self.block(sessions) + 2 * self.gap + self.rule

    def places(self, sessions: int) -> list[tuple[float, float]]:
        """Lower left corner of each box, session 1 first, in a cell `self.day` wide, from the
        bottom of the block: left to right, lines top to bottom, the lines centred across the cell
        and the last one, if shorter, under the first columns."""
        across = self.across(sessions)
        height = self.block(sessions)
        left = (self.day - across * self.box - (across - 1) * self.gap_x) / 2
        out = []
        for k in range(sessions):
            line, col = divmod(k, across)
            out.append((left + col * (self.box + self.gap_x), height - self.box - line * (self.box + self.gap)))
        return out


def geometry(ctx, head_width: float) -> Geometry:
    """Box size and gaps grow with the layout's spacing (0.5 and less: most compact; 1 and more:
    roomy). Day columns are as narrow as two boxes (or the widest day heading) allow, the names
    keep the rest; if that is under MIN_LABEL of the width, the names go above their boxes and
    the day columns share the width."""
    space = ctx.fit.space
    box = TICK_BOX_MIN + (TICK_BOX - TICK_BOX_MIN) * _between((space - 0.5) / 0.5, 0.0, 1.0)
    gap = TICK_GAP + _between((space - 0.5) * 1.8, 0.0, 1.8)
    day = max(2 * box + 3 * TICK_GAP + RULE, head_width + 2 * HEAD_PAD + RULE)
    if ctx.width - 7 * day >= MIN_LABEL * ctx.width:
        return Geometry(box=box, gap=gap, day=day, label=ctx.width - 7 * day)
    day = ctx.width / 7
    fits = int((day - RULE - TICK_GAP) // (box + TICK_GAP))
    return Geometry(box=box, gap=gap, day=day, label=0.0, per_line=min(MOST_A_LINE, max(1, fits)))


class TickBoxes(Placed):
    """One exercise's boxes for one day: real PDF form check boxes, empty
    squares on paper. As wide as the day cell; the boxes are placed by
    `Geometry.places`."""

    def __init__(self, names: list[str], geo: Geometry, color):
        super().__init__()
        self.names, self.geo, self.color = names, geo, color

    def wrap(self, avail_width, avail_height):
        self.width, self.height = self.geo.day, self.geo.block(len(self.names))
        return self.width, self.height

    def boxes(self, x: float = 0.0, y: float = 0.0) -> list[tuple[str, float, float]]:
        """(name, x, y) of each box's lower left corner, the cell's lower left at (x, y)."""
        places = self.geo.places(len(self.names))
        return [(name, x + bx, y + by) for name, (bx, by) in zip(self.names, places, strict=True)]

    def draw_at(self, canv, x: float, y: float) -> None:
        checkboxes.draw_boxes(canv, self.geo.box, self.color, colors.white, fl.INK, self.boxes(x, y))


class NoteLines(Placed):
    """Ruled lines to write on, `pitch` apart (the height of a handwritten
    line), the first a pitch under the top, and `below` of room under the
    last (so it does not read as the edge of what follows). At least
    `min_lines`; `stretch` adds as many as fit in more room."""

    def __init__(self, pitch: float, color, rule: float = RULE, min_lines: int = 1, below: float = 0.0):
        super().__init__()
        self.pitch, self.color, self.rule, self.below = pitch, color, rule, below
        self.min_lines = self.lines = min_lines

    def wrap(self, avail_width, avail_height):
        self.width, self.height = avail_width, self.lines * self.pitch + self.below
        return self.width, self.height

    def stretch(self, extra_height: float) -> int:
        """Add as many lines as fit in `extra_height` more pt; returns how many."""
        more = max(0, int((extra_height + 1e-6) // self.pitch))
        self.lines += more
        return more

    def draw_at(self, canv, x: float, y: float) -> None:
        canv.saveState()
        canv.setStrokeColor(self.color)
        canv.setLineWidth(self.rule)
        # Each line at the foot of its pitch: the first under a line's worth of room.
        ys = [y + self.height - k * self.pitch + self.rule / 2 for k in range(1, self.lines + 1)]
        canv.lines([(x, ly, x + self.width, ly) for ly in ys])
        canv.restoreState()


# ------------------------------------------------------------------ blocks
def sessions(row: Node) -> int:
    try:
        count = int(row.attrs.get("sessions", "1"))
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_SESSIONS:
        raise MarkupError(row.line, f"<row sessions> must be a whole number from 1 to {MAX_SESSIONS}")
    return count


def _grid_attributes(node: Node) -> tuple[int, dt.date | None, bool]:
    try:
        days = int(node.attrs.get("days", ""))
        start = dt.date.fromisoformat(node.attrs["start"]) if node.attrs.get("start") else None
    except ValueError:
        raise MarkupError(node.line, "<grid> needs days=\"7\"…\"28\" and start=\"YYYY-MM-DD\"") from None
    if not 1 <= days <= MAX_DAYS:
        raise MarkupError(node.line, f"<grid days> must be from 1 to {MAX_DAYS}")
    return days, start, node.attrs.get("pain", "no") == "yes"


def day_label(start: dt.date | None, index: int) -> str:
    """A day's heading, one unbreakable word: "Tue 1" (from a start date) or "Day 1"."""
    if start is None:
        return _("Day %(num)d", num=index + 1).replace(" ", "\u00a0")
    day = start + dt.timedelta(days=index)
    return f"{i18n.day_abbreviation(day)}\u00a0{day.day}"


def _day_headings(r: fl.Renderer, start: dt.date | None, days: int, size: float) -> list[Flowable]:
    """Each day's heading, centred, `size` pt bold; never broken (splitLongWords off)."""
    style = ParagraphStyle(f"dayhead{size:g}", parent=r.st.body, fontName=r.ctx.fonts.bold, fontSize=size,
                           leading=size * 1.15, alignment=TA_CENTER, spaceBefore=0, splitLongWords=0)
    return [fl.paragraph(r.text(day_label(start, d), bold=True), style) for d in range(days)]


def _one_line(r: fl.Renderer, nodes: list[Node], small: float) -> str:
    """Markup of a row's name (bold) followed by its dose lines (regular, smaller, muted)."""
    parts = []
    for n in nodes:
        if n.tag == "name":
            parts.append(r.inline(n, bold=True))
        else:
            parts.append(f'<font name="{r.ctx.fonts.regular}" size="{small:g}" color="{fl.MUTED.hexval()}">'
                         f"{r.inline(n)}</font>")
    return "&nbsp;&nbsp; ".join(parts)


@dataclass
class _Rows:
    """The rows of one week's grid, and what `Ruled` is told of each."""

    table: list[list[list[Flowable]]] = field(default_factory=list)
    least: list[float | None] = field(default_factory=list)
    heights: list[float | None] = field(default_factory=list)
    backgrounds: dict[int, colors.Color] = field(default_factory=dict)
    spans: set[int] = field(default_factory=set)
    glued: set[int] = field(default_factory=set)

    def add(self, cells: list[list[Flowable]], *, least_h: float | None = None, height: float | None = None,
            tint: colors.Color | None = None, across: bool = False, glue: bool = False) -> None:
        row = len(self.table)
        if tint is not None:
            self.backgrounds[row] = tint
        if across:
            self.spans.add(row)
        if glue:
            self.glued.add(row)
        self.table.append(cells)
        self.least.append(least_h)
        self.heights.append(height)


def grid(r: fl.Renderer, node: Node) -> list[Flowable]:
    """One ruled grid per week: a row per exercise, a column per day, and a pain row."""
    days, start, pain = _grid_attributes(node)
    rows = node.elements("row")
    counts = [sessions(row) for row in rows]
    ctx, st, s = r.ctx, r.st, r.space
    small = max(ctx.fit.floor, ctx.fit.body * 0.86)
    label = ParagraphStyle("rowname", parent=st.body, fontName=ctx.fonts.bold, spaceBefore=0)
    short = ParagraphStyle("rowshort", parent=st.short, fontSize=small, leading=small * 1.15, spaceBefore=1)
    heads = _day_headings(r, start, days, small)
    widest = max(p.minWidth() for p in heads)
    geo = geometry(ctx, widest)
    room = geo.day - 2 * HEAD_PAD - RULE
    if widest > room:  # names above the boxes and still too wide (a wide brand font): smaller, never under the floor
        heads = _day_headings(r, start, days, max(ctx.fit.floor, small * room / widest))
    pad = (6, 4.5 * s + 2, 6, 4.5 * s + 2)  # the same above and below: tick boxes sit in the middle
    rule = Line(RULE, _tint(fl.INK, 0.45))
    heading_tint, name_tint, pain_tint = _tint(ctx.primary, 0.1), _tint(ctx.primary, 0.04), _tint(ctx.accent, 0.08)
    out: list[Flowable] = []
    for week, first in enumerate(range(0, days, 7), 1):
        span = range(first, min(first + 7, days))
        blank: list[list[Flowable]] = [[] for _ in span]
        month = ""
        if start is not None:
            months = sorted({(day.year, day.month): i18n.month_abbreviation(day)
                             for day in (start + dt.timedelta(days=d) for d in span)}.items())
            month = f" <font size={small:g}>· {fl.escape(' – '.join(name for _key, name in months))}</font>"
        title: list[Flowable] = [fl.paragraph(fl.escape(_("Week %(num)d", num=week)) + month, label)]
        again: list[Flowable] = [fl.paragraph(fl.escape(_("Week %(num)d (continued)", num=week)), label)]
        days_row: list[list[Flowable]] = [[heads[d]] for d in span]
        # The dose is shown in the first week; later weeks repeat only the name.
        wanted = ("name", "short") if week == 1 else ("name",)
        names: list[list[Flowable]]
        if geo.stacked:  # across the width: the name and the dose on one line when they fit
            names = [[fl.paragraph(_one_line(r, [n for n in row.elements() if n.tag in wanted], small), label)]
                     for row in rows]
        else:
            names = [[r.para(n, label if n.tag == "name" else short) for n in row.elements() if n.tag in wanted]
                     for row in rows]
        ticks = [[TickBoxes([f"ex{rid}-day{d + 1:02d}-s{k + 1}" for k in range(count)], geo, fl.INK) for d in span]
                 for rid, count in zip((fl.escape(row.attrs.get("id", str(i + 1))) for i, row in enumerate(rows)),
                                       counts, strict=True)]
        week_rows = _Rows()
        add = week_rows.add

        pain_label: list[Flowable] = [fl.paragraph(fl.escape(_("Pain (0–10)")), label)]
        pain_height = max(28.0, ctx.fit.body * 2.0)  # room to write a number by hand
        continued: list[list[list[Flowable]]]  # the head rows again, atop a page the week runs on to
        if geo.stacked:
            widths = [0.0] + [geo.day] * len(span)
            add([title] + blank, tint=heading_tint, across=True)
            add([[]] + days_row, tint=heading_tint)
            continued = [[again] + blank, [[]] + days_row]
            for name, boxes, count in zip(names, ticks, counts, strict=True):
                add([name] + blank, across=True, tint=name_tint)
                add([[]] + [[t] for t in boxes], least_h=geo.row(count), glue=True)
            if pain:
                add([pain_label] + blank, tint=pain_tint, across=True, glue=True)
                add([[]] + blank, height=pain_height, tint=pain_tint, glue=True)
        else:
            widths = [geo.label] + [geo.day] * len(span)
            add([title] + days_row, tint=heading_tint)
            continued = [[again] + days_row]
            for name, boxes, count in zip(names, ticks, counts, strict=True):
                add([name] + [[t] for t in boxes], least_h=geo.row(count))
            if pain:
                add([pain_label] + blank, height=pain_height, tint=pain_tint, glue=True)
        out.append(Ruled(week_rows.table, widths, heights=week_rows.heights, least=week_rows.least, pad=pad,
                         pad_after_first=(0, 0), rule=rule, backgrounds=week_rows.backgrounds, spans=week_rows.spans,
                         head=len(continued), continued=continued, glued=week_rows.glued,
                         before=fl.block_gap(8, s)))
    return out


def notes(r: fl.Renderer, node: Node) -> list[Flowable]:
    """The heading, and ruled lines to write on: one at least, more where the page has room."""
    body = r.ctx.fit.body
    return [r.para(node, r.st.section_heading),
            NoteLines(NOTE_PITCH * body + RULE, _tint(fl.INK, 0.45), min_lines=1, below=0.25 * body)]
