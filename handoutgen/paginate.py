"""Stage 7a: measure a page's blocks at one setting and break them into pages.

A Trial is one setting (body size, picture width, spacing): it makes the
page's blocks at that setting, measures them (each card in every placement
of its picture, at the full and the half width), arranges the cards of each
page in segments of one or two balanced columns, and fills pages greedily
in reading order, which gives the fewest pages: a set of blocks that fits a
page still fits with any block removed. fit.py chooses among the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

from reportlab.platypus import Flowable

from handoutgen import words
from handoutgen.boxes import Box, Ruled
from handoutgen.flowables import Context, Fit, Item, Parts, Renderer, block_gap
from handoutgen.markup import Node
from handoutgen.memo import Recent
from handoutgen.pdf import measure, stack_height

SEGMENT_COST = 24.0  # pt: what splitting a page's cards into more segments must save
MIN_SPLIT_ROWS = 2  # rows of a week on each side of a split, at least
HOLE = 0.5  # a page followed by another should be at least half full

# (height, card) by content, style and width: a clinic's handouts share exercises and doses.
_CARDS: Recent[tuple[float, Flowable]] = Recent(1024)


class TooTall(Exception):
    """One block that may not be split (an exercise card) is taller than a page."""

    def __init__(self, item: Item, overflow: float):
        super().__init__(f"{item.label} is {overflow:.0f} pt taller than a page")
        self.item, self.overflow = item, overflow


@dataclass
class Unit:
    """What a page holds, in order: a run of cards (1 or 2 columns) or a full-width block."""

    items: list[Item]
    columns: int = 1
    split: int = 0  # with 2 columns: how many cards go down the left one


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
    """One setting (body size, picture width, spacing): measures blocks and paginates."""

    def __init__(self, engine: Engine, fit: Fit, reserve: bool = False, light: bool = False):
        self.engine, self.fit = engine, fit
        self.ctx = replace(engine.ctx, fit=fit)
        self.renderer = Renderer(self.ctx, engine.memo)
        # A light trial only says how much room the pages have (its flowing blocks are not made).
        self.parts: Parts = self.renderer.head(engine.page) if light else self.renderer.parts(engine.page)
        # With `reserve`, room for the band of names at its largest.
        self.worst = self.renderer.head(engine.worst) if reserve and engine.worst is not None else self.parts
        # Head and foot depend on size and spacing only: measured once for all picture sizes.
        key = (fit.body, fit.space, reserve, light)
        if key not in engine.frames:
            width = self.ctx.width
            engine.frames[key] = (max(stack_height(self.parts.top, width), stack_height(self.worst.top, width)),
                                  stack_height(self.parts.bottom, width), stack_height(self.parts.foot, width))
        self.top_h, self.bottom_h, self.foot_h = engine.frames[key]
        self.gap = block_gap(12, fit.space)  # between two columns of cards
        self.col_w = (self.ctx.width - self.gap) / 2
        self._plans: list[PagePlan] | None = None
        # (compact, id of the first card) → the run's cards and the best arrangement of each prefix
        self._runs: dict[tuple[bool, int], tuple[list[Item], list[Arrangement]]] = {}
        self._cards: dict[tuple[int, float], tuple[float, Flowable]] = {}
        self._splits = 0  # weeks split while paginating

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
        mine = self._cards.get((id(item), width))
        if mine is not None:
            return mine
        renderer, node = self.renderer, item.card
        assert node is not None, "card() is given an exercise card"
        widths = {mode: renderer.picture_width(node, width, mode)
                  for mode in renderer.card_modes(node, wide=width > self.col_w + 1)}
        modes = [mode for mode, w in widths.items() if renderer.picture_fits(node, w, mode)]
        # Cards are shared by every trial and handout that shows the same card in the same style
        # at the same width, its picture as wide: past a card's caps, a larger setting changes nothing.
        image = node.attrs.get("image")
        picture = renderer.picture(image, node).digest if image else None
        key = (node.key(), width, renderer.style_id, picture) + tuple(widths[m] for m in modes)
        done = self._cards[id(item), width] = _CARDS.get(key, lambda: self._shortest_card(node, width, modes))
        return done

    def _shortest_card(self, node: Node, width: float, modes: list[str]) -> tuple[float, Flowable]:
        best: tuple[float, Box, str] | None = None  # (height, card, mode)
        for mode in modes:
            if mode.startswith("right") and mode != "right1" and (
                    best is None or best[2] != mode[:5] + str(int(mode[5:]) - 1)):
                continue  # right of more blocks only grows once it stops helping
            box = self.renderer.card(node, width, mode)
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
        before = block_gap(10, self.fit.space)
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

    def run_layout(self, cards: list[Item], compact: bool = False) -> tuple[float, list[Unit]]:
        """The shortest arrangement of consecutive cards on a page: one after
        another, segments of one or two columns (e.g. two cards side by side,
        then one across the page), in reading order. A segment more costs
        SEGMENT_COST, so a page reads one way (down its columns) unless more
        segments save real room; `compact` counts height only."""
        extra = 0.0 if compact else SEGMENT_COST
        # The best arrangement of each prefix of the run: paginating asks for one prefix after
        # another, so the table of the run's first cards is kept and extended.
        empty = [Arrangement(0.0, [], -extra)]
        known, best = self._runs.get((compact, id(cards[0])), ([], empty))
        # zip stops at the shorter: the cards known are a prefix of this run, or are forgotten.
        if len(known) > len(cards) or any(a is not b for a, b in zip(known, cards, strict=False)):
            known, best = [], empty
        for end in range(len(known) + 1, len(cards) + 1):
            choice: Arrangement | None = None
            for start in range(end):
                segment = cards[start:end]
                for cols in ((1, 2) if len(segment) > 1 else (1,)):
                    height, split = self.run_height(segment, cols)
                    total, cost = best[start].height + height, best[start].cost + height + extra
                    if choice is None or cost < choice.cost - 0.01:
                        choice = Arrangement(total, best[start].units + [Unit(list(segment), cols, split)], cost)
            assert choice is not None  # end > 0: one segment at least
            best.append(choice)
        if len(cards) > len(known):
            self._runs[compact, id(cards[0])] = (list(cards), best)
        return best[len(cards)].height, best[len(cards)].units

    def units_height(self, items: list[Item], room: float | None = None) -> tuple[float, list[Unit]]:
        """Height and arrangement of items on one page: runs of cards as run_layout
        arranges them, other blocks across the page. Given the page's `room`, the
        shortest arrangement is taken when the one that reads best does not fit."""
        total, units = self._units_height(items, compact=False)
        if room is not None and total > room + 0.01:
            total, units = self._units_height(items, compact=True)
        return total, units

    def _units_height(self, items: list[Item], compact: bool) -> tuple[float, list[Unit]]:
        total = 0.0
        units: list[Unit] = []
        run: list[Item] = []

        def close_run() -> None:
            nonlocal total
            if run:
                height, arranged = self.run_layout(run, compact)
                total += height
                units.extend(arranged)
                run.clear()

        for item in items:
            if item.card is not None:
                run.append(item)
                continue
            close_run()
            total += self.block_height(item)
            units.append(Unit([item]))
        close_run()
        return total, units

    # ---------------------------------------------------------- paginating
    def room(self, index: int, count_known_multi: bool) -> float:
        head = self.top_h if index == 0 else self.running_h
        foot = self.bottom_h
        if index == 0:
            foot += self.foot_h + (self.page_line_h if count_known_multi else 0.0)
        return self.engine.height - head - foot

    def paginate(self) -> list[PagePlan]:
        """The fewest pages: each page takes as many of the next blocks as fit.
        A week of the checklist is split between pages only if that saves a page."""
        if self._plans is None:
            single = self._paginate(multi=False)
            if len(single) == 1:
                self._plans = single
            else:
                # Fewest pages first; among as few, weeks whole, else split evenly, else as needed.
                options = [self._paginate(multi=True, min_rows=MIN_SPLIT_ROWS)]
                if self._splits:
                    options.insert(0, self._paginate(multi=True, min_rows=1))
                    try:
                        options.append(self._paginate(multi=True, split=False))
                    except TooTall:
                        pass
                self._plans = min(reversed(options), key=len)
        return self._plans

    def holes(self, plans: list[PagePlan]) -> bool:
        """A page before the last left more than half empty (say, the first page
        holding no exercise because the first card is too tall for what is left)."""
        multi = len(plans) > 1
        return any(plan.used < HOLE * self.room(index, multi) for index, plan in enumerate(plans[:-1]))

    def _paginate(self, multi: bool, split: bool = True, min_rows: int = MIN_SPLIT_ROWS) -> list[PagePlan]:
        items = list(self.parts.flow)
        pages: list[PagePlan] = []
        start = 0
        while start < len(items) or not pages:
            room = self.room(len(pages), multi)
            plan = PagePlan()
            end = start
            while end < len(items):
                height, units = self.units_height(items[start:end + 1], room)
                if height > room + 0.01:
                    break
                plan.used, plan.units = height, units
                end += 1
            if end < len(items):
                if split and self._split(items, start, end, plan, room, min_rows):
                    end += 1
                elif end == start and pages:
                    # Not even alone on a page of its own (the first page may hold only its head).
                    height = self.units_height([items[start]])[0]
                    raise TooTall(items[start], height - room)
            pages.append(plan)
            start = end
            if not multi and start < len(items):  # it does not fit one page: that is all we asked
                pages.append(PagePlan())
                break
        return pages

    def _split(self, items: list[Item], start: int, end: int, plan: PagePlan, room: float, min_rows: int) -> bool:
        """Split a splittable block (a checklist week, between its rows) at the foot of a page."""
        item = items[end]
        if item.card is not None or item.blocks is None or len(item.blocks) != 1:
            return False
        block = item.blocks[0]
        if not isinstance(block, Ruled):  # the one block that splits
            return False
        left = room - plan.used - block.getSpaceBefore() - block.getSpaceAfter()
        halves = block.split_rows(left) if left > 0 else None
        # A row alone under a heading reads as a week of its own: move more rows along.
        while halves and _rows(halves[1]) < min_rows and _rows(halves[0]) > min_rows:
            left -= halves[0].row_heights[-1]
            halves = block.split_rows(left)
        if not halves or min(_rows(part) for part in halves) < min_rows:
            return False
        first, rest = halves
        self._splits += 1
        head = Item(blocks=[first], label=item.label)
        items[end:end + 1] = [head, Item(blocks=[rest], label=item.label)]
        plan.used, plan.units = self.units_height(items[start:end + 1], room)
        return True


def _rows(week: Ruled) -> int:
    """Exercise rows of a week grid: not its heading, not its glued rows (the pain row)."""
    return len(week.rows) - week.head - len(week.glued)


class Engine:
    def __init__(self, page: Node, worst: Node | None, ctx: Context, height: float):
        self.page, self.worst, self.ctx, self.height = page, worst, ctx, height
        self.memo: dict = {}  # blocks made for one setting, shared by the trials that share it (Renderer's)
        # (size, spacing, reserve, light) → heights of the first page's head, the foot
        self.frames: dict[tuple[float, float, bool, bool], tuple[float, float, float]] = {}
        self.trials: dict[tuple[Fit, bool], Trial] = {}
        self.has_pictures = any(n.attrs.get("image") for n in page.elements("card"))

    def trial(self, fit: Fit, reserve: bool = False) -> Trial:
        if (fit, reserve) not in self.trials:
            self.trials[fit, reserve] = Trial(self, fit, reserve)
        return self.trials[fit, reserve]

    def fits(self, fit: Fit, pages: int, tidy: bool) -> bool:
        """Whether `fit` lays the page out on at most `pages` pages (if `tidy`,
        with no page before the last left half empty)."""
        trial = self.trial(fit)
        plans = trial.paginate()
        return len(plans) <= pages and (not tidy or not trial.holes(plans))
