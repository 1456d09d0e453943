"""The layout boxes: sizes as the fitter measures them, and what gets drawn where."""

from __future__ import annotations

from io import BytesIO

import pytest
from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from handoutgen.boxes import Box, Columns, Line, Ruled, Spread
from handoutgen.flowables import Text
from handoutgen.fonts import default_font_files, font_set

FONTS = font_set(*default_font_files())
STYLE = ParagraphStyle("t", fontName=FONTS.regular, fontSize=14, leading=17)


class Block(Flowable):
    """A fixed-size flowable that records where it was drawn (absolute page position)."""

    def __init__(self, width: float, height: float, before: float = 0.0, after: float = 0.0):
        super().__init__()
        self.width, self.height, self.spaceBefore, self.spaceAfter = width, height, before, after
        self.drawn_at: list[tuple[float, float]] = []

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def drawOn(self, canvas, x, y, _sW=0):
        self.drawn_at.append(canvas.absolutePosition(x, y))


def _draw(flowable: Flowable, width: float = 400) -> Canvas:
    canv = Canvas(BytesIO())
    flowable.wrapOn(canv, width, 1000)
    flowable.drawOn(canv, 50, 100)
    return canv


def test_a_stack_counts_the_space_between_its_flowables_but_not_outside_them():
    a, b = Block(100, 20, before=7, after=3), Block(100, 30, before=5, after=9)
    box = Box([a, b], (4, 6, 4, 8))
    assert box.wrapOn(None, 400, 1000) == (400, 6 + 20 + 3 + 5 + 30 + 8)
    _draw(box)
    assert a.drawn_at == [(54, 100 + 8 + 30 + 5 + 3)]
    assert b.drawn_at == [(54, 100 + 8)]


def test_a_hugging_box_is_as_wide_as_its_longest_line():
    para = Text("Do 10 times on each leg.", STYLE)
    box = Box([para], (11, 2, 8, 2), hug=True)
    width, _ = box.wrapOn(None, 400, 1000)
    line = max(para.getActualLineWidths0())
    assert width == pytest.approx(11 + line + 8)
    assert width < 400


def test_columns_take_the_rest_of_the_width_and_the_tallest_height():
    left, rest = Block(50, 80), Block(10, 30)
    row = Columns([(60, left), (None, rest)], valign="middle")
    assert row.wrapOn(None, 400, 1000) == (400, 80)
    _draw(row)
    assert left.drawn_at == [(50, 100)]
    assert rest.drawn_at == [(110, 100 + (80 - 30) / 2)]


def _card(*blocks: Flowable) -> Box:
    """A card as flowables.Renderer makes one: a border around a box of text blocks that spreads."""
    return Box([Box(list(blocks), spread=True)], border=Line(1, HexColor("#000000")))


def test_a_shorter_column_is_levelled_its_gaps_widened_and_its_last_card_to_the_row_foot():
    a, b, c = Block(10, 20), Block(10, 20), Block(10, 20)
    panel = Box([Block(10, 15)], background=HexColor("#ffeeee"))  # a dose band: never stretched
    short = Box([_card(a, b), _card(c, panel)], spread=True)  # slots: 1 between the cards + 1 + 1 inside
    tall = Box([Block(10, 200)])
    row = Columns([(150, short), (10, None), (150, tall)], level=10.0)
    assert row.wrapOn(None, 310, 1000)[1] == 200  # measured as before: the tallest column
    assert short.slots() == 3
    canv = _draw(row, 310)
    # 200 - 75 = 125 short: each of the 3 gaps 10 wider (the most), 95 left inside the last card.
    assert a.drawn_at == [(50, 100 + 200 - 20)]
    assert b.drawn_at == [(50, 100 + 200 - 20 - 10 - 20)]
    assert c.drawn_at == [(50, 100 + 200 - 50 - 10 - 20)]
    code = " ".join(canv._code)
    assert "50 250 150 50 re" in code  # the first card: 10 more between its blocks
    assert "50 100 150 140 re" in code  # the second card's border reaches the row's foot
    assert "50 195 150 15 re f" in code  # the panel keeps its height, 10 under the block above it
    assert row.holes() == [95.0, 0.0]


def test_a_spread_box_is_drawn_taller_by_its_gaps():
    a, b = Block(10, 20), Block(10, 20)
    box = Box([a, b], spread=True)
    drawn = Spread(box, 6.0)
    assert drawn.wrapOn(None, 100, 1000) == (100, 46)
    _draw(drawn, 100)
    assert a.drawn_at == [(50, 100 + 26)] and b.drawn_at == [(50, 100)]


def test_a_ruled_grid_centres_the_tick_cells_and_rules_every_edge():
    tick = Block(16, 16)
    label = Block(80, 40)
    grid = Ruled([[[Block(80, 10)], [Block(20, 10)]], [[label], [tick]]], [100, 60],
                 pad=(6, 3, 6, 4), pad_after_first=(2, 2), rule=Line(0.8, HexColor("#777777")))
    width, height = grid.wrapOn(None, 400, 1000)
    assert (width, height) == (160, (10 + 7) + (40 + 7))
    canv = _draw(grid)
    row_bottom, row_height = 100, 47
    assert label.drawn_at == [(56, row_bottom + (row_height + 4 - 3 + 40) / 2 - 40)]
    assert tick.drawn_at == [(100 + 50 + (60 + 2 - 2 - 16) / 2, row_bottom + (row_height + 4 - 3 + 16) / 2 - 16)]
    code = " ".join(canv._code)
    for y in (100, 147, 164):  # under, between and over the rows
        assert f"50 {y} m 210 {y} l" in code
    for x in (50, 150, 210):  # left, between and right of the columns
        assert f"{x} 100 m {x} 164 l" in code
