"""Phase 2 of the page engine: measure. A Trial is one setting (body size,
picture width, spacing): it makes the page's blocks at that setting and
measures them, each card in every placement of its picture at the full and
the half width, each once (a memo per render; cards also in a bounded memo
shared by the handouts of a batch), and arranges the cards of a page in
segments of one or two balanced columns (large print: one column).
distribute.py breaks pages with these measures; engine.py chooses the setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

from reportlab.platypus import Flowable

from handoutgen import words
from handoutgen.boxes import Box
from handoutgen.flowables import CARD_GAP, Context, Fit, Renderer, block_gap, pictures
from handoutgen.markup import Node
from handoutgen.memo import Recent
from handoutgen.page.collect import Item, Parts, collect
from handoutgen.page.settings import is_large
from handoutgen.pdf import measure, stack_height

SEGMENT_COST = 24.0  # pt: what splitting a page's cards into more segments must save

# (height, card) by content, style and width: a clinic's handouts share exercises and doses.
_CARDS: Recent[tuple[float, Flowable]] = Recent(1024)


class TooTall(Exception):
    """One block that may not be split (a step of an exercise card, a card's
    heading with its first step) is taller than a page."""

    def __init__(self, item: Item, overflow: float):
        super().__init__(f"{item.label} is {overflow:.0f} pt taller than a page")
        self.item, self.overflow = item, overflow


@dataclass
class Unit:
    """What a page holds, in order: a run of cards (1 or 2 columns) or a full-width block."""

    items: list[Item]
    columns: int = 1
    split: int = 0  # with 2 columns: how many cards go down the left one
    # Cards made again with a larger picture where the page has room (fill.grow), by index.
    grown: dict[int, Flowable] = field(default_factory=dict)


class Arrangement(NamedTuple):
    """The best arrangement of the first cards of a run: its height, its units and
    its cost (the height plus SEGMENT_COST a segment, which run_layout minimises)."""

    height: float
    units: list[Unit]
    cost: float


@dataclass
class PagePlan:
    units: list[Unit] = field(default_factory=list)
    used: float = 0.0  # height of the flowing content


class Trial:
    """One setting (body size, picture width, spacing): measures blocks and arranges a page's cards."""

    def __init__(self, engine: Engine, fit: Fit, reserve: bool = False, light: bool = False):
        self.engine, self.fit = engine, fit
        self.ctx = replace(engine.ctx, fit=fit)
        self.renderer = Renderer(self.ctx, engine.memo)
        # A light trial only says how much room the pages have (its flowing blocks are not made).
        self.parts: Parts = collect(self.renderer, engine.page, head_only=light)
        # With `reserve`, room for the band of names at its largest.
        self.worst = (collect(self.renderer, engine.worst, head_only=True) if reserve and engine.worst is not None
                      else self.parts)
        # Head and foot depend on size and spacing only: measured once for all picture sizes.
        key = (fit.body, fit.space, reserve, light)
        if key not in engine.frames:
            width = self.ctx.width
            engine.frames[key] = (max(stack_height(self.parts.top, width), stack_height(self.worst.top, width)),
                                  stack_height(self.parts.bottom, width))
        self.top_h, self.bottom_h = engine.frames[key]
        self.gap = block_gap(12, fit.space)  # between two columns of cards
        self.col_w = (self.ctx.width - self.gap) / 2
        self.columns = 1 if is_large(fit) else 2  # large print reads down one column
        self.plans: list[PagePlan] | None = None  # distribute.paginate's pages, kept
        self.splits = 0  # weeks split while paginating
        # (compact, columns, id of the first card) → the run's cards and the best arrangement of each prefix
        self._runs: dict[tuple[bool, int, int], tuple[list[Item], list[Arrangement]]] = {}
        # (id of the card's node, the piece, width) → (height, card): the nodes live as long as
        # the engine (an Item's id would not: pieces are made and dropped while distributing).
        self._cards: dict[tuple[int, tuple[int, int] | None, float], tuple[float, Flowable]] = {}

    @cached_property
    def running_h(self) -> float:
        """The running header's height, with the widest page label."""
        label = words.page_of(9, 9)
        return max(stack_height(self.running_for(p, label), self.ctx.width) for p in (self.parts, self.worst))

    @cached_property
    def page_line_h(self) -> float:
        return stack_height([self.renderer.page_line(words.page_of_first(9))], self.ctx.width)

    def running_for(self, parts: Parts, label: str) -> list[Flowable]:
        return self.renderer.running(parts.running, self.engine.page, label)

    # ----------------------------------------------------------- measuring
    def card(self, item: Item, width: float) -> tuple[float, Flowable]:
        """(height, card) of a card at `width`, its picture placed where the card is shortest."""
        mine = self._cards.get((id(item.card), item.part, width))
        if mine is not None:
            return mine
        renderer, node = self.renderer, item.card
        assert node is not None, "card() is given an exercise card"
        if item.part is not None and item.part[0] > 0:  # a later piece: no picture
            piece: tuple[float, Flowable] = (measure(box := renderer.card(node, width, part=item.part), width)[1], box)
            self._cards[id(node), item.part, width] = piece
            return piece
        widths = {mode: renderer.picture_width(node, width, mode)
                  for mode in renderer.card_modes(node, wide=width > self.col_w + 1)}
        modes = [mode for mode, w in widths.items() if renderer.picture_fits(node, w, mode)]
        # Cards are shared by every trial and handout that shows the same card in the same style
        # at the same width, its picture as wide: past a card's caps, a larger setting changes nothing.
        image = node.attrs.get("image")
        picture = renderer.picture(image, node).digest if image else None
        key = (node.key(), width, renderer.style_id, picture, item.part) + tuple(widths[m] for m in modes)
        done = self._cards[id(node), item.part, width] = _CARDS.get(key, lambda: self._shortest_card(node, width, modes,
                                                                                          item.part))
        return done

    def _shortest_card(self, node: Node, width: float, modes: list[str],
                       part: tuple[int, int] | None = None) -> tuple[float, Flowable]:
        best: tuple[float, Box, str] | None = None  # (height, card, mode)
        for mode in modes:
            if mode.startswith("right") and mode != "right1" and (
                    best is None or best[2] != mode[:5] + str(int(mode[5:]) - 1)):
                continue  # right of more blocks only grows once it stops helping
            box = self.renderer.card(node, width, mode, part)
            height = measure(box, width)[1]
            if best is None or height < best[0] - 0.01:
                best = (height, box, mode)
        assert best is not None, "a card always has a placement (above its text)"
        return best[0], best[1]

    def block_height(self, item: Item) -> float:
        assert item.blocks is not None, "a block that is not a card holds flowables"
        return stack_height(item.blocks, self.ctx.width)

    def run_height(self, cards: list[Item], columns: int) -> tuple[float, int]:
        """(height, cards down the left column) of a run of cards."""
        before = block_gap(CARD_GAP, self.fit.space)
        if columns == 1 or len(cards) == 1:
            heights = [self.card(c, self.ctx.width)[0] for c in cards]
            return sum(heights) + before * len(heights), len(cards)
        heights = [self.card(c, self.col_w)[0] for c in cards]
        best: tuple[float, int] | None = None  # (the taller column, cards down the left)
        left = 0.0
        total = sum(heights) + before * (len(heights) - 1)
        for k in range(1, len(heights)):
            left += heights[k - 1] + (before if k > 1 else 0.0)
            right = total - left - before
            tallest = max(left, right)
            if best is None or tallest < best[0] - 0.01:
                best = (tallest, k)
        assert best is not None  # two cards or more: one split at least
        return best[0] + before, best[1]

    def run_layout(self, cards: list[Item], compact: bool = False, columns: int = 2) -> tuple[float, list[Unit]]:
        """The shortest arrangement of consecutive cards on a page: one after
        another, segments of one or two columns (e.g. two cards side by side,
        then one across the page), in reading order. A segment more costs
        SEGMENT_COST, so a page reads one way (down its columns) unless more
        segments save real room; `compact` counts height only. `columns` is
        the most columns a segment may have (1: the cards across the page)."""
        columns = min(columns, self.columns)
        extra = 0.0 if compact else SEGMENT_COST
        # The best arrangement of each prefix of the run: paginating asks for one prefix after
        # another, so the table of the run's first cards is kept and extended.
        empty = [Arrangement(0.0, [], -extra)]
        key = (compact, columns, id(cards[0]))
        known, best = self._runs.get(key, ([], empty))
        # zip stops at the shorter: the cards known are a prefix of this run, or are forgotten.
        if len(known) > len(cards) or any(a is not b for a, b in zip(known, cards, strict=False)):
            known, best = [], empty
        for end in range(len(known) + 1, len(cards) + 1):
            choice: Arrangement | None = None
            for start in range(end):
                segment = cards[start:end]
                for cols in ((1, 2) if len(segment) > 1 and columns > 1 else (1,)):
                    height, split = self.run_height(segment, cols)
                    total, cost = best[start].height + height, best[start].cost + height + extra
                    if choice is None or cost < choice.cost - 0.01:
                        choice = Arrangement(total, best[start].units + [Unit(list(segment), cols, split)], cost)
            assert choice is not None  # end > 0: one segment at least
            best.append(choice)
        if len(cards) > len(known):
            self._runs[key] = (list(cards), best)
        return best[len(cards)].height, best[len(cards)].units

    def units_height(self, items: list[Item], room: float | None = None, columns: int = 2) -> tuple[float, list[Unit]]:
        """Height and arrangement of items on one page: runs of cards as run_layout
        arranges them, other blocks (and pieces of a card) across the page. Given
        the page's `room`, the shortest arrangement is taken when the one that
        reads best does not fit."""
        total, units = self._units_height(items, False, columns)
        if room is not None and total > room + 0.01:
            total, units = self._units_height(items, True, columns)
        return total, units

    def _units_height(self, items: list[Item], compact: bool, columns: int) -> tuple[float, list[Unit]]:
        total = 0.0
        units: list[Unit] = []
        run: list[Item] = []

        def close_run() -> None:
            nonlocal total
            if run:
                height, arranged = self.run_layout(run, compact, columns)
                total += height
                units.extend(arranged)
                run.clear()

        for item in items:
            if item.card is not None and item.part is None:
                run.append(item)
                continue
            close_run()
            if item.card is not None:  # a piece of a card taller than a page: across it
                total += self.run_height([item], 1)[0]
            else:
                total += self.block_height(item)
            units.append(Unit([item]))
        close_run()
        return total, units

    def room(self, index: int, multi: bool) -> float:
        """The room for flowing content on page `index`: under the first page's head
        or the running header, over the safety line, and on the first page of
        several (`multi`) over "Page 1 of N". The footer flows: it is the last
        block (distribute.flow), at the foot of the last page."""
        head = self.top_h if index == 0 else self.running_h
        foot = self.bottom_h + (self.page_line_h if index == 0 and multi else 0.0)
        return self.engine.height - head - foot

    @cached_property
    def foot(self) -> Item:
        """The footer as the last block of the flow (on the last page, under the rest)."""
        return Item(blocks=list(self.parts.foot), label="footer")

    def picture_widths(self, units: list[Unit]) -> list[float]:
        """The widths of the pictures these units print (their cards as measured)."""
        widths = []
        for unit in units:
            for index, item in enumerate(unit.items):
                if item.card is not None:
                    width = self.ctx.width if unit.columns == 1 or len(unit.items) == 1 else self.col_w
                    card = unit.grown.get(index) or self.card(item, width)[1]
                    widths += [p.width for p in pictures([card])]
        return widths


class Engine:
    def __init__(self, page: Node, worst: Node | None, ctx: Context, height: float):
        self.page, self.worst, self.ctx, self.height = page, worst, ctx, height
        self.memo: dict = {}  # blocks made for one setting, shared by the trials that share it (Renderer's)
        # (size, spacing, reserve, light) → heights of the first page's head, and of every page's foot
        self.frames: dict[tuple[float, float, bool, bool], tuple[float, float]] = {}
        self.trials: dict[tuple[Fit, bool], Trial] = {}
        self.has_pictures = any(n.attrs.get("image") for n in page.elements("card"))
        self.large = is_large(ctx.fit)

    def trial(self, fit: Fit, reserve: bool = False) -> Trial:
        if (fit, reserve) not in self.trials:
            self.trials[fit, reserve] = Trial(self, fit, reserve)
        return self.trials[fit, reserve]
