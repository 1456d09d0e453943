"""Stage 7: the page engine. Place a layout's blocks on up to N pages, or
say by how much they are over. This module chooses the setting (body size,
picture width, spacing); paginate.py measures and breaks pages at one
setting; compose.py makes each page's flowables.

Order of preference (docs/layouts.md, "How the page is filled"):
1. body text at 14 pt (large print: 18 pt) on the fewest pages, at most N;
2. else the largest smaller body size, down to the 12 pt floor (16 pt), on N pages;
3. else fail, saying by how much and whether more pages would allow it.
Then the room left is used: larger pictures first, then more generous
spacing, then what is still left is shared out between the blocks.

Cards flow in reading order, down one column or two balanced ones (1, 2, 3
down the left, then the right), and never split across pages. Pages are
filled greedily, which gives the fewest pages because a set of cards that
fits a page still fits with any card removed; so the same program with one
exercise less never needs more room.
"""

from __future__ import annotations

from dataclasses import replace

from handoutgen.compose import Fitted, blank_page, compose
from handoutgen.flowables import LARGE_MIN_TEXT_PT, MIN_TEXT_PT, Context, Fit
from handoutgen.markup import Node
from handoutgen.paginate import Engine, PagePlan, TooTall, Trial

__all__ = ["DoesNotFit", "Engine", "Fit", "Fitted", "TooTall", "blank_page", "fit_pages", "print_fit", "sizes"]

STEPS = (2.0, 1.5, 1.0, 0.5, 0.0)  # body text above the floor, in half points, most readable first


def text_floor(large: bool) -> float:
    """The smallest text of a print size (flowables: the one definition of each floor)."""
    return LARGE_MIN_TEXT_PT if large else MIN_TEXT_PT


def sizes(large: bool = False) -> tuple[float, ...]:
    """Body sizes the engine tries, most readable first: normal print 14 down to 12 pt, large 18 down to 16."""
    return tuple(text_floor(large) + step for step in STEPS)


def print_fit(large: bool = False) -> Fit:
    """The setting a page of this print size starts from (fit_pages reads its floor)."""
    return Fit(body=sizes(large)[0], floor=text_floor(large))


SIZES = sizes(False)  # normal print
PICTURES = (90.0, 116.0, 140.0, 180.0, 250.0)  # widest, pt (116: 1.6 in)
SPACINGS = (0.3, 0.6, 1.0)  # scale of gaps and padding: compact to normal
# Filling the room left, from the least generous: pictures grow first, then spacing.
FILL = tuple((image, SPACINGS[0]) for image in PICTURES) + tuple((PICTURES[-1], s) for s in SPACINGS[1:])


LaidOut = list[tuple[Trial, PagePlan]]  # pages, each with the trial that laid it out


class DoesNotFit(Exception):
    """The content is taller than `pages` pages even at the floor size (`floor` pt)."""

    def __init__(self, overflow: float, pages: int, needed: int | None, names: bool = False,
                 floor: float = MIN_TEXT_PT):
        super().__init__(f"{overflow:.0f} pt over")
        self.overflow, self.pages, self.needed, self.floor = overflow, pages, needed, floor
        self.names = names  # over only with the longest names the band must hold


def fit_pages(page: Node, ctx: Context, height: float, max_pages: int = 1, worst: Node | None = None) -> Fitted:
    """Lay out `page` on at most `max_pages` pages of `height` (the frame inside
    the margins).

    `worst` is the same page with the longest names allowed. It must fit at
    the floor size: then the page fits with any names up to that length
    (in the worst case at a smaller size), so a handout that passes `check`
    never fails at discharge.

    The print size is `ctx.fit.floor`'s (print_fit): body sizes go from 2 pt
    above it down to it."""
    engine = Engine(page, worst, ctx, height)
    quick = _one_page_at_the_top_size(engine, max_pages)
    if quick is not None:
        trial = engine.trial(quick)
        laid_out = [(trial, plan) for plan in trial.paginate()]
        _check_names(engine, max_pages, laid_out)
        return compose(laid_out)
    # Settings from the most readable: each size, first with normal spacing, then tighter.
    settings = [_fit(engine, size, PICTURES[0], space) for size in _sizes(engine) for space in reversed(SPACINGS)]
    # The first that fits tidily (no page before the last left half empty); else the first that fits.
    fitting = next((i for i, fit in enumerate(settings) if engine.fits(fit, max_pages, tidy=False)), None)
    if fitting is None:
        raise _overflow(engine, max_pages)
    chosen = next((fit for fit in settings[fitting:] if engine.fits(fit, max_pages, tidy=True)), settings[fitting])
    _check_names(engine, max_pages, [(engine.trial(chosen), plan) for plan in engine.trial(chosen).paginate()])
    # Fill: each page keeps its blocks; pictures grow, then spacing; compose spreads what is left.
    return compose(fill(engine, chosen, engine.trial(chosen).paginate()))


def _one_page_at_the_top_size(engine: Engine, max_pages: int) -> Fit | None:
    """The most generous fill (FILL's order) with which the page fits one page at
    the top size, or None. One page at 14 pt is the fewest at the largest size,
    so there is nothing to search before the fill. Tried from the top of FILL
    down (the largest pictures, spacing from normal down), most one-page handouts
    take one to three trials; where more pages are allowed, and likely needed,
    the most compact setting is tried second, to give up early."""
    levels = [_fit(engine, _sizes(engine)[0], image, space) for image, space in fill_levels(engine)]
    if engine.fits(levels[-1], 1, tidy=True):  # the best of everything
        return levels[-1]
    if max_pages > 1 and not engine.fits(levels[0], 1, tidy=True):
        return None
    low, high = 0, len(levels) - 2
    for index in range(len(levels) - 2, len(levels) - len(SPACINGS) - 1, -1):
        if index > 0 and engine.fits(levels[index], 1, tidy=True):  # largest pictures, spacing down
            return levels[index]
        high = index - 1
    if max_pages == 1 and not engine.fits(levels[0], 1, tidy=True):  # not even the most compact
        return None
    while low < high:
        mid = (low + high + 1) // 2
        if engine.fits(levels[mid], 1, tidy=True):
            low = mid
        else:
            high = mid - 1
    return levels[low]


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
    floor_room = Trial(engine, _floor_fit(engine), reserve=True, light=True)
    if all(plan.used <= floor_room.room(index, multi) + 0.01 for index, (_, plan) in enumerate(laid_out)):
        return
    floor = engine.trial(_floor_fit(engine), reserve=True)
    if len(floor._paginate(multi=True)) > max_pages:
        raise _overflow(engine, max_pages, reserve=True)


def _overflow(engine: Engine, max_pages: int, reserve: bool = False) -> DoesNotFit:
    trial = engine.trial(_floor_fit(engine), reserve)
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
    return DoesNotFit(high * max_pages, max_pages, needed, names=reserve, floor=engine.ctx.fit.floor)


def _sizes(engine: Engine) -> tuple[float, ...]:
    """The body sizes for this page's print size."""
    return sizes(large=engine.ctx.fit.floor == LARGE_MIN_TEXT_PT)


def _fit(engine: Engine, body: float, image: float, space: float) -> Fit:
    return Fit(body, image, space, floor=engine.ctx.fit.floor)


def _floor_fit(engine: Engine) -> Fit:
    """The most compact setting: the floor size, the smallest pictures and spacing."""
    return _fit(engine, _sizes(engine)[-1], PICTURES[0], SPACINGS[0])


def fill_levels(engine: Engine) -> tuple[tuple[float, float], ...]:
    """FILL, or only its spacings when there is no picture to grow."""
    return FILL if engine.has_pictures else tuple((PICTURES[0], space) for space in SPACINGS)


def fill(engine: Engine, chosen: Fit, plans: list[PagePlan]) -> list[tuple[Trial, PagePlan]]:
    """Each page keeps its blocks; the room they leave goes to larger pictures
    first, then to more generous spacing (FILL: the same for every page), then
    each page grows its pictures further into what it has left."""
    base = engine.trial(chosen)
    where = {id(item): i for i, item in enumerate(base.parts.flow)}
    try:  # each page's blocks, as indexes into the flow
        spans = [[where[id(item)] for unit in plan.units for item in unit.items] for plan in plans]
    except KeyError:  # a block split between pages: leave the layout as it is
        return [(base, plan) for plan in plans]

    fill = fill_levels(engine)

    def lay_out(level: int, pages: range) -> LaidOut | None:
        """`pages` laid out at fill level `level`, or None if one of them does not fit."""
        image, space = fill[level]
        trial = engine.trial(replace(chosen, image=image, space=space))
        out: LaidOut = []
        for index in pages:
            room = trial.room(index, len(plans) > 1)
            used, units = trial.units_height([trial.parts.flow[i] for i in spans[index]], room)
            if used > room + 0.01:
                return None
            out.append((trial, PagePlan(units, used)))
        return out

    def largest(low: int, pages: range) -> tuple[int, LaidOut | None]:
        """The highest fill level from `low` up at which `pages` fit, and them laid out so."""
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
    if len(plans) > 1 and fill[level][1] == SPACINGS[0] and engine.has_pictures:  # pictures may grow more
        laid = [_one(largest(level, range(index, index + 1))[1]) for index in range(len(plans))]
    return laid


def _one(laid: LaidOut | None) -> tuple[Trial, PagePlan]:
    """The one page laid out: each page fits alone at the level all of them fit at."""
    assert laid is not None and len(laid) == 1
    return laid[0]
