"""Stage 7: the page engine. Place a layout's blocks on up to N pages, or
say by how much they are over.

Order of preference (docs/layouts.md, "How the page is filled"):
1. body text at 14 pt on the fewest pages, at most N;
2. else the largest smaller body size, down to the 12 pt floor, on N pages;
3. else fail, saying by how much and whether more pages would allow it.
Then the room left is used: larger pictures first, then more generous
spacing, then what is still left is shared out between the blocks.

Cards flow in reading order, down one column or two balanced ones (1, 2, 3
down the left, then the right), and never split across pages. Pages are
filled greedily, which gives the fewest pages because a set of cards that
fits a page still fits with any card removed; so the same program with one
exercise less never needs more room. Every block's height is measured once
per width and setting.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import cached_property

from reportlab.platypus import Flowable, HRFlowable, Spacer

from handoutgen.boxes import Box, Columns
from handoutgen.flowables import Context, Fit, Item, MIN_TEXT_PT, Parts, PictureBox, Renderer, block_gap
from handoutgen.markup import Node
from handoutgen.pdf import Page, measure, stack_height
from handoutgen import words

SIZES = (14.0, 13.5, 13.0, 12.5, 12.0)  # body text, most readable first; the last is the floor
PICTURES = (90.0, 116.0, 140.0, 180.0, 250.0)  # widest, pt (116: 1.6 in)
SPACINGS = (0.3, 0.6, 1.0)  # scale of gaps and padding: compact to normal
# Filling the room left, from the least generous: pictures grow first, then spacing.
FILL = tuple((image, SPACINGS[0]) for image in PICTURES) + tuple((PICTURES[-1], s) for s in SPACINGS[1:])
SEGMENT_COST = 24.0  # pt: what splitting a page's cards into more segments must save
MIN_SPLIT_ROWS = 2  # rows of a week on each side of a split, at least
HOLE = 0.5  # a page followed by another should be at least half full
EXTRA_GAP = 18.0  # at most this much more space between two blocks when room is left
assert SIZES[-1] == MIN_TEXT_PT


_CARDS: OrderedDict[tuple, tuple[float, Flowable]] = OrderedDict()  # (height, card), least recent first
CARD_CACHE_SIZE = 256


class DoesNotFit(Exception):
    """The content is taller than `pages` pages even at the floor size."""

    def __init__(self, overflow: float, pages: int, needed: int | None, names: bool = False):
        super().__init__(f"{overflow:.0f} pt over")
        self.overflow, self.pages, self.needed = overflow, pages, needed
        self.names = names  # over only with the longest names the band must hold


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


@dataclass
class PagePlan:
    units: list[Unit] = field(default_factory=list)
    used: float = 0.0  # height of the flowing content


@dataclass
class Fitted:
    pages: list[Page]
    body: float  # body text size, pt
    picture: float  # widest picture printed, pt (0: none)
    slack: list[float]  # room left unused at the foot of each page, pt


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
        key = (fit.body, fit.space, reserve)
        if key not in engine.frames:
            width = self.ctx.width
            engine.frames[key] = (max(stack_height(self.parts.top, width), stack_height(self.worst.top, width)),
                                  stack_height(self.parts.bottom, width), stack_height(self.parts.foot, width))
        self.top_h, self.bottom_h, self.foot_h = engine.frames[key]
        self.gap = block_gap(12, fit.space)  # between two columns of cards
        self.col_w = (self.ctx.width - self.gap) / 2
        self._plans: list[PagePlan] | None = None
        self._runs: dict[tuple, tuple[float, list[Unit]]] = {}
        self._cards: dict[tuple, tuple[float, Flowable]] = {}
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
        title = self.engine.page.first("title")
        return self.renderer.running(parts.running, title, label)

    # ----------------------------------------------------------- measuring
    def card(self, item: Item, width: float) -> tuple[float, Flowable]:
        """(height, card) of a card at `width`, its picture placed where the card is shortest."""
        mine = self._cards.get((id(item), width))
        if mine is not None:
            return mine
        renderer, node = self.renderer, item.card
        widths = {mode: renderer.picture_width(node, width, mode)
                  for mode in renderer.card_modes(node, wide=width > self.col_w + 1)}
        modes = [mode for mode, w in widths.items() if renderer.picture_fits(node, w, mode)]
        # Cards are shared by every trial and handout that shows the same card in the same style
        # at the same width, its picture as wide: past a card's caps, a larger setting changes nothing.
        image = node.attrs.get("image")
        picture = renderer.picture(image, node).digest if image else None
        key = (node.key(), width, renderer.style_id, picture) + tuple(widths[m] for m in modes)
        done = _CARDS.get(key)
        if done is None:
            best = None
            for mode in modes:
                if mode.startswith("right") and mode != "right1" and best[2] != mode[:5] + str(int(mode[5:]) - 1):
                    continue  # right of more blocks only grows once it stops helping
                box = renderer.card(node, width, mode)
                height = measure(box, width)[1]
                if best is None or height < best[0] - 0.01:
                    best = (height, box, mode)
            done = _CARDS[key] = best[:2]
            if len(_CARDS) > CARD_CACHE_SIZE:
                _CARDS.popitem(last=False)
        else:
            _CARDS.move_to_end(key)
        self._cards[id(item), width] = done
        return done

    def block_height(self, item: Item) -> float:
        return stack_height(item.blocks, self.ctx.width)

    def run_height(self, cards: list[Item], columns: int) -> tuple[float, int]:
        """(height, cards down the left column) of a run of cards."""
        before = block_gap(10, self.fit.space)
        if columns == 1 or len(cards) == 1:
            heights = [self.card(c, self.ctx.width)[0] for c in cards]
            return sum(heights) + before * len(heights), len(cards)
        heights = [self.card(c, self.col_w)[0] for c in cards]
        best = None
        left = 0.0
        total = sum(heights) + before * (len(heights) - 1)
        for k in range(1, len(heights)):
            left += heights[k - 1] + (before if k > 1 else 0.0)
            right = total - left - before
            tallest = max(left, right)
            if best is None or tallest < best[0] - 0.01:
                best = (tallest, k)
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
        known, best = self._runs.get((compact, id(cards[0])), ([], [(0.0, [], -extra)]))
        if len(known) > len(cards) or any(a is not b for a, b in zip(known, cards)):
            known, best = [], [(0.0, [], -extra)]
        for end in range(len(known) + 1, len(cards) + 1):
            choice = None
            for start in range(end):
                segment = cards[start:end]
                for cols in ((1, 2) if len(segment) > 1 else (1,)):
                    height, split = self.run_height(segment, cols)
                    total, cost = best[start][0] + height, best[start][2] + height + extra
                    if choice is None or cost < choice[2] - 0.01:
                        choice = (total, best[start][1] + [Unit(list(segment), cols, split)], cost)
            best.append(choice)
        if len(cards) > len(known):
            self._runs[compact, id(cards[0])] = (list(cards), best)
        return best[len(cards)][:2]

    def units_height(self, items: list[Item], room: float | None = None) -> tuple[float, list[Unit]]:
        """Height and arrangement of items on one page: runs of cards as run_layout
        arranges them, other blocks across the page. Given the page's `room`, the
        shortest arrangement is taken when the one that reads best does not fit."""
        total, units = self._units_height(items, compact=False)
        if room is not None and total > room + 0.01:
            total, units = self._units_height(items, compact=True)
        return total, units

    def _units_height(self, items: list[Item], compact: bool) -> tuple[float, list[Unit]]:
        total, units, run = 0.0, [], []

        def close_run():
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
        if item.card is not None or len(item.blocks) != 1 or not getattr(item.blocks[0], "splittable", False):
            return False
        block = item.blocks[0]
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
        head = Item(item.line, blocks=[first], label=item.label)
        items[end:end + 1] = [head, Item(item.line, blocks=[rest], label=item.label)]
        plan.used, plan.units = self.units_height(items[start:end + 1], room)
        return True


class Engine:
    def __init__(self, page: Node, worst: Node | None, ctx: Context, height: float):
        self.page, self.worst, self.ctx, self.height = page, worst, ctx, height
        self.memo: dict = {}  # blocks made for one setting, shared by the trials that share it
        self.frames: dict = {}  # (size, spacing, reserve) → heights of the first page's head, the foot
        self.trials: dict[tuple[Fit, bool], Trial] = {}
        self.has_pictures = any(n.attrs.get("image") for n in page.elements("card"))

    def trial(self, fit: Fit, reserve: bool = False) -> Trial:
        if (fit, reserve) not in self.trials:
            self.trials[fit, reserve] = Trial(self, fit, reserve)
        return self.trials[fit, reserve]

    def fill_levels(self) -> tuple[tuple[float, float], ...]:
        """FILL, or only its spacings when there is no picture to grow."""
        return FILL if self.has_pictures else tuple((PICTURES[0], space) for space in SPACINGS)

    def fits(self, fit: Fit, pages: int, tidy: bool) -> bool:
        """Whether `fit` lays the page out on at most `pages` pages (if `tidy`,
        with no page before the last left half empty)."""
        trial = self.trial(fit)
        plans = trial.paginate()
        return len(plans) <= pages and (not tidy or not trial.holes(plans))

    def fill(self, chosen: Fit, plans: list[PagePlan]) -> list[tuple[Trial, PagePlan]]:
        """Each page keeps its blocks; the room they leave goes to larger pictures
        first, then to more generous spacing (FILL: the same for every page), then
        each page grows its pictures further into what it has left."""
        base = self.trial(chosen)
        where = {id(item): i for i, item in enumerate(base.parts.flow)}
        spans = [[where.get(id(item)) for unit in plan.units for item in unit.items] for plan in plans]
        if any(None in span for span in spans):  # a block split between pages: leave the layout as it is
            return [(base, plan) for plan in plans]

        fill = self.fill_levels()

        def lay_out(level: int, pages: range):
            image, space = fill[level]
            trial = self.trial(replace(chosen, image=image, space=space))
            out = []
            for index in pages:
                room = trial.room(index, len(plans) > 1)
                used, units = trial.units_height([trial.parts.flow[i] for i in spans[index]], room)
                if used > room + 0.01:
                    return None
                out.append((trial, PagePlan(units, used)))
            return out

        def largest(low: int, pages: range):
            best = lay_out(low, pages)
            high = len(fill) - 1
            while low < high:
                mid = (low + high + 1) // 2
                laid = lay_out(mid, pages)
                if laid is not None:
                    low, best = mid, laid
                else:
                    high = mid - 1
            return low, best

        level, laid = largest(0, range(len(plans)))
        if laid is None:
            return [(base, plan) for plan in plans]
        if len(plans) > 1 and fill[level][1] == SPACINGS[0] and self.has_pictures:  # pictures may grow more
            laid = [largest(level, range(index, index + 1))[1][0] for index in range(len(plans))]
        return laid


def fit_pages(page: Node, ctx: Context, height: float, max_pages: int = 1, worst: Node | None = None) -> Fitted:
    """Lay out `page` on at most `max_pages` pages of `height` (the frame inside
    the margins).

    `worst` is the same page with the longest names allowed. It must fit at
    the floor size: then the page fits with any names up to that length
    (in the worst case at a smaller size), so a handout that passes `check`
    never fails at discharge."""
    engine = Engine(page, worst, ctx, height)
    quick = _one_page_at_the_top_size(engine)
    if quick is not None:
        trial = engine.trial(quick)
        laid_out = [(trial, plan) for plan in trial.paginate()]
        _check_names(engine, max_pages, laid_out)
        return compose(laid_out)
    # Settings from the most readable: each size, first with normal spacing, then tighter.
    settings = [Fit(size, PICTURES[0], space) for size in SIZES for space in reversed(SPACINGS)]
    # The first that fits tidily (no page before the last left half empty); else the first that fits.
    fitting = next((i for i, fit in enumerate(settings) if engine.fits(fit, max_pages, tidy=False)), None)
    if fitting is None:
        raise _overflow(engine, max_pages)
    chosen = next((fit for fit in settings[fitting:] if engine.fits(fit, max_pages, tidy=True)), settings[fitting])
    _check_names(engine, max_pages, [(engine.trial(chosen), plan) for plan in engine.trial(chosen).paginate()])
    # Fill: each page keeps its blocks; pictures grow, then spacing; compose spreads what is left.
    return compose(engine.fill(chosen, engine.trial(chosen).paginate()))


def _one_page_at_the_top_size(engine: Engine) -> Fit | None:
    """The most generous fill (FILL's order) with which the page fits one page at
    the top size, or None. One page at 14 pt is the fewest at the largest size,
    so there is nothing to search before the fill: most one-page handouts are
    settled by one to four trials: the top of FILL, its bottom, then down from the top."""
    levels = [Fit(SIZES[0], image, space) for image, space in engine.fill_levels()]
    if engine.fits(levels[-1], 1, tidy=True):  # the best of everything
        return levels[-1]
    if not engine.fits(levels[0], 1, tidy=True):  # not even the most compact: more pages, or smaller
        return None
    low, high = 0, len(levels) - 2
    for index in range(len(levels) - 2, len(levels) - len(SPACINGS) - 1, -1):
        if index > 0 and engine.fits(levels[index], 1, tidy=True):  # largest pictures, spacing down
            return levels[index]
        high = index - 1
    while low < high:
        mid = (low + high + 1) // 2
        if engine.fits(levels[mid], 1, tidy=True):
            low = mid
        else:
            high = mid - 1
    return levels[low]


def _rows(week) -> int:
    """Exercise rows of a week grid: not its heading, not its glued rows (the pain row)."""
    return len(week.rows) - week.head - len(week.glued)


def blank_page(ctx: Context) -> Page:
    """A page left blank so what follows starts on a sheet of its own, saying so."""
    return Page([Renderer(replace(ctx, fit=Fit())).page_line(words.BLANK_SIDE)], [])


def _check_names(engine: Engine, max_pages: int, laid_out: list[tuple[Trial, PagePlan]]) -> None:
    """With the band of names at its largest, the page must still fit at the floor size.
    It does if the pages as laid out have the room for it (their blocks fit the room
    left with the longest names): then the floor size need not be tried."""
    if engine.worst is None:
        return
    multi = len(laid_out) > 1
    if all(plan.used <= engine.trial(trial.fit, reserve=True).room(index, multi) + 0.01
           for index, (trial, plan) in enumerate(laid_out)):
        return
    # Every block is no taller at the floor size, with the smallest pictures and spacing, than as
    # laid out (fit.py keeps heights monotone): if these pages' blocks fit the floor's room with
    # the longest names, the floor layout fits too, its pages broken no later.
    floor_room = Trial(engine, Fit(SIZES[-1], PICTURES[0], SPACINGS[0]), reserve=True, light=True)
    if all(plan.used <= floor_room.room(index, multi) + 0.01 for index, (_, plan) in enumerate(laid_out)):
        return
    floor = engine.trial(Fit(SIZES[-1], PICTURES[0], SPACINGS[0]), reserve=True)
    if len(floor._paginate(multi=True)) > max_pages:
        raise _overflow(engine, max_pages, reserve=True)


def _overflow(engine: Engine, max_pages: int, reserve: bool = False) -> DoesNotFit:
    trial = engine.trial(Fit(SIZES[-1], PICTURES[0], SPACINGS[0]), reserve)
    # Paginate without a limit: how many pages it would need.
    try:
        needed = len(trial._paginate(multi=True))
    except TooTall:
        needed = None
    # How much taller each page would have to be (to within a point in all).
    def fits_with(extra: float) -> bool:
        taller = Engine(engine.page, engine.worst, engine.ctx, engine.height + extra)
        try:
            return len(taller.trial(trial.fit, reserve)._paginate(multi=True)) <= max_pages
        except TooTall:
            return False

    low, high = 0.0, float(engine.height)
    while not fits_with(high) and high < 64 * engine.height:
        low, high = high, high * 2
    while high - low > 1.0 / max_pages:
        mid = (low + high) / 2
        low, high = (low, mid) if fits_with(mid) else (mid, high)
    return DoesNotFit(high * max_pages, max_pages, needed, names=reserve)


def compose(laid_out: list[tuple[Trial, PagePlan]]) -> Fitted:
    """The flowables of each page (laid out by its trial: pictures may differ
    from page to page), with the room left shared out between blocks."""
    count = len(laid_out)
    pages, slack, widest = [], [], 0.0
    for index, (trial, plan) in enumerate(laid_out):
        renderer, width = trial.renderer, trial.ctx.width
        if index == 0:
            head = list(trial.parts.top)
        else:
            head = trial.running_for(trial.parts, words.page_of(index + 1, count))
        bottom = list(trial.parts.bottom)
        if index == 0:
            bottom += trial.parts.foot
            if count > 1:
                bottom.append(renderer.page_line(words.page_of_first(count)))
        units = [_unit_flowables(trial, unit) for unit in plan.units]
        room = trial.engine.height - stack_height(head, width) - stack_height(bottom, width) - plan.used
        room = _stretch_notes(units, room, width)
        # Gaps that may grow: before each block of the head (not inside the clinic header) and each unit.
        head_gaps = [i for i, f in enumerate(head) if i and not isinstance(f, HRFlowable)] if index == 0 else []
        gaps = len(head_gaps) + len(units) - (0 if head_gaps or index else 1)
        extra = min(EXTRA_GAP, room / gaps) if gaps > 0 and room > 0 else 0.0
        main: list[Flowable] = []
        for i, f in enumerate(head):
            if i in head_gaps and extra:
                main.append(Spacer(0, extra))
            main.append(f)
        for unit in units:
            if main and extra:
                main.append(Spacer(0, extra))
            main.extend(unit)
        left = trial.engine.height - stack_height(main, width) - stack_height(bottom, width)
        pages.append(Page(main, bottom))
        slack.append(max(0.0, left))
        widest = max([widest] + [p.width for unit in units for p in _pictures(unit)])  # not the logo
    return Fitted(pages, laid_out[0][0].fit.body, widest, slack)


def _unit_flowables(trial: Trial, unit: Unit) -> list[Flowable]:
    if unit.items[0].card is None:
        return list(unit.items[0].blocks)
    before = block_gap(10, trial.fit.space)
    if unit.columns == 1 or len(unit.items) == 1:
        cards = [trial.card(item, trial.ctx.width)[1] for item in unit.items]
        return [Box(cards, before=before)]
    cards = [trial.card(item, trial.col_w)[1] for item in unit.items]
    left, right = cards[:unit.split], cards[unit.split:]
    return [Columns([(trial.col_w, Box(left)), (trial.gap, None), (trial.col_w, Box(right))], before=before)]


def _stretch_notes(units: list[list[Flowable]], room: float, width: float) -> float:
    """Give the room left to a block that can use it (the checklist's note lines)."""
    for unit in units:
        for f in unit:
            if room > 0 and callable(getattr(f, "stretch", None)):
                before = measure(f, width)[1]
                f.stretch(room)
                room -= measure(f, width)[1] - before
    return room


def _pictures(flowables):
    for f in flowables:
        if isinstance(f, PictureBox):
            yield f
        for inner in getattr(f, "content", None) or []:
            yield from _pictures([inner])
        for _, cell in getattr(f, "cells", None) or []:
            if cell is not None:
                yield from _pictures([cell])
