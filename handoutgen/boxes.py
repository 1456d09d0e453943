"""Light layout boxes: the page's cards, coloured panels and rows.

Platypus tables can do all of this, but they are general: a one-cell table
re-applies its style commands, measures every cell twice and draws through
many layers, and tables were half the cost of a handout. These boxes do
only what the layouts need: flowables stacked in a padded box (with a
background, a border or a bar on its left), and boxes side by side. Each
remembers its size per width, so the fitter's measuring and the drawing
that follows lay it out once.

Stacking follows platypus tables: the space before the first flowable and
after the last is dropped; between them, both count.

A box may be drawn taller than it measures (`paint`): the page engine levels
the shorter column of a row and spreads a page's room left. Each gap between
the flowables of a `spread` box (and of the spread boxes inside it) then
widens by the same amount; what is left stays at the bottom of the last one,
inside every border around it, so the cards of a row end level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.platypus import Flowable, Paragraph


@dataclass(frozen=True)
class Line:
    width: float
    color: object


def _stack(canv, flowables: Sequence[Flowable], width: float, gap: float):
    """(total height, each (width, height)) of flowables stacked at `width`."""
    sizes = []
    total = 0.0
    last = len(flowables) - 1
    for i, f in enumerate(flowables):
        w, h = f.wrapOn(canv, width, 1e6)
        sizes.append((w, h))
        total += h
        if i:
            total += f.getSpaceBefore() + gap
        if i < last:
            total += f.getSpaceAfter()
    return total, sizes


def slots(flowable: Flowable) -> int:
    """How many gaps inside `flowable` widen when it is drawn taller (0: it cannot spread)."""
    return flowable.slots() if isinstance(flowable, (Box, Columns)) else 0


def _draw_stack(canv, flowables: Sequence[Flowable], sizes, x: float, top: float, inner: float, gap: float,
                centre: bool, per: float = 0.0, rest: float = 0.0, spread: bool = False) -> None:
    """Draw flowables measured by `_stack`, the first one's top at `top`. With `per`,
    each gap widens by it (between these flowables if `spread`, and inside those
    that spread), and the last one is `rest` taller still."""
    cursor = top
    last = len(flowables) - 1
    for i, (f, (w, h)) in enumerate(zip(flowables, sizes, strict=True)):
        if i:
            cursor -= f.getSpaceBefore() + gap + (per if spread else 0.0)
        k = slots(f) if per or rest else 0
        # What is left goes inside the last flowable if it spreads (a card: its border grows), else under it.
        tall = h + k * per + (rest if i == last and k else 0.0)
        cursor -= tall
        f.wrapOn(canv, inner, 1e6)  # shared paragraphs: restore this width's lines
        if tall > h and isinstance(f, (Box, Columns)):
            f.paint(canv, x, cursor, tall, per)
        else:
            f.drawOn(canv, x + ((inner - w) / 2 if centre else 0.0), cursor + tall - h)
        cursor -= f.getSpaceAfter()


class Placed(Flowable):
    """A flowable that draws at absolute positions: no save, translate and
    restore for it (platypus's drawOn does all three). `before` and `after`
    are the space above and below it on the page."""

    def __init__(self, before: float = 0.0, after: float = 0.0):
        super().__init__()
        self.spaceBefore, self.spaceAfter = before, after

    def drawOn(self, canvas, x, y, _sW=0):
        self.draw_at(canvas, self._hAlignAdjust(x, _sW), y)

    def draw(self):
        self.draw_at(self.canv, 0.0, 0.0)

    def draw_at(self, canv, x: float, y: float) -> None:
        raise NotImplementedError


def _natural_width(flowable: Flowable, wrapped: float) -> float:
    """How wide the flowable's ink is: a paragraph's longest line, not its frame."""
    if isinstance(flowable, Paragraph):
        return max(flowable.getActualLineWidths0() or [0.0])
    return wrapped


class Box(Placed):
    """Flowables stacked inside padding, on an optional background, in an
    optional border, with an optional coloured bar down the left side.

    `pad` is (left, top, right, bottom). `hug` makes the box only as wide as
    its content needs (a dose panel), else it takes the width it is given.
    `center` centres each flowable across the box. `spread`: the gaps between
    its flowables may widen when it is drawn taller (a card's text blocks, the
    cards of a column), not those of a panel.
    """

    def __init__(self, content: Sequence[Flowable], pad=(0.0, 0.0, 0.0, 0.0), *, background=None,
                 border: Line | None = None, bar: Line | None = None, hug: bool = False,
                 center: bool = False, gap: float = 0.0, before: float = 0.0, after: float = 0.0,
                 spread: bool = False):
        super().__init__(before, after)
        self.content = content
        self.pad = pad
        self.background, self.border, self.bar = background, border, bar
        self.hug, self.center, self.gap, self.spread = hug, center, gap, spread
        self._at: dict[float, tuple] = {}

    def slots(self) -> int:
        own = max(len(self.content) - 1, 0) if self.spread else 0
        return own + sum(slots(f) for f in self.content)

    def wrap(self, avail_width, avail_height):
        done = self._at.get(avail_width)
        if done is None:
            left, top, right, bottom = self.pad
            inner = avail_width - left - right
            height, sizes = _stack(self.canv, self.content, inner, self.gap)
            width = avail_width
            if self.hug:
                widest = max((_natural_width(f, w) for f, (w, _) in zip(self.content, sizes, strict=True)), default=0.0)
                width = min(avail_width, widest + left + right)
            done = self._at[avail_width] = (width, height + top + bottom, inner, sizes)
        self.width, self.height, self._inner, self._sizes = done
        return self.width, self.height

    def draw_at(self, canv, x: float, y: float) -> None:
        self.paint(canv, x, y, self.height)

    def paint(self, canv, x: float, y: float, height: float, per: float = 0.0) -> None:
        """Draw with the lower left corner at (x, y), `height` tall: each gap that
        spreads `per` wider, the rest of the extra height at the bottom of the last
        flowable (module docstring). The caller keeps `per` × slots() within it."""
        width = self.width
        if self.background is not None or self.bar is not None or self.border is not None:
            canv.saveState()
            if self.background is not None:
                canv.setFillColor(self.background)
                canv.rect(x, y, width, height, stroke=0, fill=1)
            if self.bar is not None:
                canv.setFillColor(self.bar.color)
                canv.rect(x, y, self.bar.width, height, stroke=0, fill=1)
            if self.border is not None:
                canv.setStrokeColor(self.border.color)
                canv.setLineWidth(self.border.width)
                canv.rect(x, y, width, height, stroke=1, fill=0)
            canv.restoreState()
        left, top, _, _ = self.pad
        rest = max(height - self.height - (self.slots() * per if per else 0.0), 0.0)
        _draw_stack(canv, self.content, self._sizes, x + left, y + height - top, self._inner, self.gap,
                    self.center, per, rest, self.spread)


class Columns(Placed):
    """Flowables side by side in columns of fixed widths (None: the rest).

    `valign` is "top" or "middle". `level` (pt, 0: off) makes the cards of a row
    end level: a shorter column is drawn as tall as the row, each of its gaps
    widened by at most `level`, the rest at the bottom of its last card."""

    def __init__(self, cells: list[tuple[float | None, Flowable | None]], *, valign: str = "top",
                 level: float = 0.0, before: float = 0.0):
        super().__init__(before)
        self.cells, self.valign, self.level = cells, valign, level
        self._at: dict[float, tuple] = {}

    def slots(self) -> int:
        """The tallest column's: drawn taller, the row grows by its gaps."""
        cells = [f for _, f in self.cells if f is not None]
        if not cells:
            return 0
        if getattr(self, "_heights", None) is None:
            return max(slots(f) for f in cells)
        tallest = self.cells[max(range(len(self._heights)), key=self._heights.__getitem__)][1]
        return slots(tallest) if tallest is not None else 0

    def holes(self, per: float = 0.0) -> list[float]:
        """What stays empty at the bottom of each column once drawn (after wrap; `per`:
        as Spread draws it), pt."""
        row = self.height + self.slots() * per
        return [self._per(f, height, row, per)[1] for height, (_, f) in zip(self._heights, self.cells, strict=True)
                if f is not None]

    def _per(self, f: Flowable, height: float, row: float, per: float = 0.0) -> tuple[float, float]:
        """(how much each gap of cell `f` widens in a row `row` tall, the height left under it)."""
        short = row - height
        if short <= 0 or not (self.level or per):
            return per, max(short, 0.0)
        k = slots(f)
        if self.level and k:
            per = min(max(per, self.level), short / k)
        return per, max(short - k * per, 0.0)

    def wrap(self, avail_width, avail_height):
        done = self._at.get(avail_width)
        if done is None:
            fixed = sum(w for w, _ in self.cells if w is not None)
            widths = [w if w is not None else avail_width - fixed for w, _ in self.cells]
            heights = [f.wrapOn(self.canv, w, 1e6)[1] if f is not None else 0.0
                       for w, (_, f) in zip(widths, self.cells, strict=True)]
            done = self._at[avail_width] = (sum(widths), max(heights, default=0.0), widths, heights)
        self.width, self.height, self._widths, self._heights = done
        return self.width, self.height

    def draw_at(self, canv, x: float, y: float) -> None:
        self.paint(canv, x, y, self.height)

    def paint(self, canv, x: float, y: float, height: float, per: float = 0.0) -> None:
        """Draw `height` tall (at least as tall as measured): cells that spread are drawn
        as tall as the row, the others at its top (or middle)."""
        for width, own, (_, f) in zip(self._widths, self._heights, self.cells, strict=True):
            if f is not None:
                f.wrapOn(canv, width, 1e6)
                cell_per, _ = self._per(f, own, height, per)
                if isinstance(f, (Box, Columns)) and (cell_per or height > self.height) and slots(f):
                    f.paint(canv, x, y, height, cell_per)
                else:
                    f.drawOn(canv, x, y + (height - own if self.valign == "top" else (height - own) / 2))
            x += width


class Spread(Placed):
    """`flowable` (a Box or Columns) drawn taller by `per` for each of its gaps that
    spread: the page engine shares a page's room left this way."""

    def __init__(self, flowable: Box | Columns, per: float):
        super().__init__(flowable.getSpaceBefore(), flowable.getSpaceAfter())
        self.flowable, self.per = flowable, per

    def wrap(self, avail_width, avail_height):
        width, height = self.flowable.wrapOn(self.canv, avail_width, avail_height)
        self.width, self.height = width, height + slots(self.flowable) * self.per
        return self.width, self.height

    def draw_at(self, canv, x: float, y: float) -> None:
        self.flowable.wrapOn(canv, self.width, 1e6)
        self.flowable.paint(canv, x, y, self.height, self.per)


class Ruled(Placed):
    """A grid of cells with rules between them: the checklist's week.

    `rows` holds each row's cells (lists of flowables), `widths` each
    column's width and `heights` a fixed height per row (None: as tall as
    its tallest cell); `least` is a height a row is at least (None: no
    floor). Cells are padded by `pad` (left, top, right, bottom), or
    `pad_after_first` (left, right) after the first column; contents sit
    in the middle of their row, centred from the second column of the
    second row on (the tick boxes), else at the left. In the rows of
    `spans`, the first cell spans the whole width (the other cells are
    ignored) and no rule divides the row.

    The first `head` rows are the heading: `split_rows` cuts the grid
    between two rows for a page break and starts the rest with `continued`
    (other heading rows, e.g. "Week 1 (continued)"; default: the heading
    again). A row in `glued` never starts a part: it stays with the row
    before it (an exercise's boxes under its name, a week's pain row).
    """

    splittable = True  # the page engine may cut it between rows (split_rows)

    def __init__(self, rows: list[list[list[Flowable]]], widths: list[float], *, pad, pad_after_first,
                 rule: Line, heights: list[float | None] | None = None, least: list[float | None] | None = None,
                 backgrounds: dict | None = None, spans: set[int] | frozenset = frozenset(), head: int = 1,
                 continued: list[list[list[Flowable]]] | None = None, glued: set[int] | frozenset = frozenset(),
                 before: float = 0.0):
        super().__init__(before)
        self.rows, self.widths, self.pad, self.pad_after_first = rows, widths, pad, pad_after_first
        self.rule, self.fixed = rule, heights or [None] * len(rows)
        self.least = least or [None] * len(rows)
        self.backgrounds = backgrounds or {}  # row index → colour
        self.spans, self.head, self.glued = frozenset(spans), head, frozenset(glued)
        self.continued = continued
        self._heights: list[float] | None = None
        self._stacks: list[list[tuple]] = []  # each cell's (content height, sizes), as measured

    def _padding(self, col: int) -> tuple[float, float, float, float]:
        left, top, right, bottom = self.pad
        if col:
            left, right = self.pad_after_first
        return left, top, right, bottom

    def _cells(self, r: int) -> list[tuple[list[Flowable], float, tuple]]:
        """(content, width, padding) of each cell of row `r`: one cell across a spanning row."""
        if r in self.spans:
            return [(self.rows[r][0], sum(self.widths), self.pad)]
        return [(cell, width, self._padding(col))
                for col, (cell, width) in enumerate(zip(self.rows[r], self.widths, strict=False))]

    def wrap(self, avail_width, avail_height):
        heights = self._measure(self.canv)
        self.width, self.height = sum(self.widths), sum(heights)
        return self.width, self.height

    def _measure(self, canv) -> list[float]:
        """Each row's height, its cells measured once (`canv` may be None: text measures without one)."""
        if self._heights is None:
            heights = []
            for r, (fixed, least) in enumerate(zip(self.fixed, self.least, strict=False)):
                stacks = [_stack(canv, cell, width - pad[0] - pad[2], 0.0) for cell, width, pad in self._cells(r)]
                self._stacks.append(stacks)
                tallest = max((content + self.pad[1] + self.pad[3] for content, _ in stacks), default=0.0)
                height = fixed if fixed is not None else tallest
                heights.append(max(height, least) if least is not None else height)
            self._heights = heights
        return self._heights

    @property
    def row_heights(self) -> list[float]:
        """Each row's height, top to bottom."""
        return list(self._measure(getattr(self, "canv", None)))

    def split_rows(self, avail_height: float) -> tuple[Ruled, Ruled] | None:
        """(the heading and the rows that fit in `avail_height`; the `continued`
        heading and the other rows), cut between two rows, never inside one nor
        before a glued row. None when not even the heading and one row fit (or all do)."""
        heights = self.row_heights
        end = self.head
        used = sum(heights[:end])
        while end < len(heights) and used + heights[end] <= avail_height + 1e-6:
            used += heights[end]
            end += 1
        if end >= len(heights):
            return None
        while end > self.head and end in self.glued:  # a glued row goes with the row before it
            end -= 1
        if end <= self.head:
            return None
        first = self._part(None, range(self.head, end), heights)
        rest = self._part(self.continued, range(end, len(heights)), heights)
        return first, rest

    def _part(self, heading: list[list[list[Flowable]]] | None, body: range, heights: list[float]) -> Ruled:
        """A grid of `heading` (None: this grid's own) and the rows `body` of this one."""
        own = heading is None
        head_rows = self.rows[:self.head] if heading is None else heading
        # Own heading rows keep their measured heights; another heading's, the fixed ones of self.
        head_heights: list[float | None] = list(heights[:self.head]) if own else self.fixed[:self.head]
        index = list(range(self.head)) + list(body)  # the rows of this part, as rows of self

        def moved(rows: frozenset[int]) -> set[int]:
            return {n for n, i in enumerate(index) if i in rows}

        return Ruled(list(head_rows) + [self.rows[i] for i in body], self.widths, pad=self.pad,
                     pad_after_first=self.pad_after_first, rule=self.rule,
                     heights=head_heights + [heights[i] for i in body],
                     least=self.least[:self.head] + [None] * len(body),
                     backgrounds={n: self.backgrounds[i] for n, i in enumerate(index) if i in self.backgrounds},
                     spans=moved(self.spans), head=self.head, continued=self.continued,
                     glued=moved(self.glued), before=self.spaceBefore)

    def split(self, avail_width, avail_height):
        """Platypus's way to ask for a page break inside: split_rows, as a list."""
        halves = self.split_rows(avail_height)
        return list(halves) if halves else []

    def draw_at(self, canv, x0: float, y0: float) -> None:
        heights = self._heights
        assert heights is not None, "drawn after wrap"
        tops = [y0 + self.height - sum(heights[:i]) for i in range(len(heights) + 1)]
        if self.backgrounds:
            canv.saveState()
            for index, color in self.backgrounds.items():
                canv.setFillColor(color)
                canv.rect(x0, tops[index + 1], self.width, heights[index], stroke=0, fill=1)
            canv.restoreState()
        for r, (stacks, height) in enumerate(zip(self._stacks, heights, strict=True)):
            x = x0
            for col, ((cell, width, (left, top, right, bottom)), (content, sizes)) in enumerate(
                    zip(self._cells(r), stacks, strict=True)):
                # In the middle of the row, as tables place it.
                _draw_stack(canv, cell, sizes, x + left, tops[r + 1] + (height + bottom - top + content) / 2,
                            width - left - right, 0.0, centre=r > 0 and col > 0)
                x += width
        canv.saveState()
        canv.setStrokeColor(self.rule.color)
        canv.setLineWidth(self.rule.width)
        lefts = sorted({x0 + sum(self.widths[:i]) for i in range(len(self.widths) + 1)})
        lines = [(x0, y, x0 + self.width, y) for y in tops]
        lines += [(x, y0, x, y0 + self.height) for x in sorted({lefts[0], lefts[-1]})]
        # Rules between columns, down each run of rows that no spanning row interrupts.
        r = 0
        while r < len(heights):
            if r in self.spans:
                r += 1
                continue
            end = r
            while end < len(heights) and end not in self.spans:
                end += 1
            lines += [(x, tops[end], x, tops[r]) for x in lefts[1:-1]]
            r = end
        canv.lines(lines)
        canv.restoreState()
