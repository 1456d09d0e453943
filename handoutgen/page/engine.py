"""The page engine's choice: the setting a layout's pages are made at, or by
how much they are over. The phases: collect (the blocks of the markup) →
measure (each block once per setting) → distribute (the fewest pages) → fill
(pictures, then spacing, into the room left) → compose (each page's flowables).

Order of preference (docs/layouts.md, "How the page is filled"):
1. body text at 14 pt (large print: 18 pt) on the fewest pages it needs, at most N;
2. else the largest smaller body size, down to the 12 pt floor (16 pt), that fits
   N pages, again on the fewest it needs;
3. else fail, saying by how much and whether more pages would allow it.
The pages are counted at the most compact setting: fewer pages always beat more
generous spacing. Then the room left is filled (fill.py).
"""

from __future__ import annotations

from handoutgen.flowables import LARGE_MIN_TEXT_PT, MIN_TEXT_PT, Context, Fit
from handoutgen.markup import Node
from handoutgen.page.compose import Fitted, compose
from handoutgen.page.distribute import pages, paginate
from handoutgen.page.fill import LaidOut, fill
from handoutgen.page.measure import Engine, TooTall, Trial
from handoutgen.page.settings import SPACINGS, pictures, sizes

__all__ = ["DoesNotFit", "fit_pages"]


class DoesNotFit(Exception):
    """The content is taller than `pages` pages even at the floor size (`floor` pt)."""

    def __init__(self, overflow: float, pages: int, needed: int | None, names: bool = False,
                 floor: float = MIN_TEXT_PT):
        super().__init__(f"{overflow:.0f} pt over")
        self.overflow, self.pages, self.needed, self.floor = overflow, pages, needed, floor
        self.names = names  # over only with the longest names the band must hold

    @property
    def large(self) -> bool:
        """Whether it is large print that does not fit (its floor is large print's)."""
        return self.floor == LARGE_MIN_TEXT_PT


def fit_pages(page: Node, ctx: Context, height: float, max_pages: int = 1, worst: Node | None = None) -> Fitted:
    """Lay out `page` on at most `max_pages` pages of `height` (the frame inside
    the margins).

    `worst` is the same page with the longest names allowed. It must fit at
    the floor size: then the page fits with any names up to that length
    (in the worst case at a smaller size), so a handout that passes `check`
    never fails at discharge.

    The print size is `ctx.fit.floor`'s (settings.print_fit): body sizes go from
    2 pt above it down to it."""
    engine = Engine(page, worst, ctx, height)
    too_tall: TooTall | None = None
    for size in sizes(engine.large):
        trial = engine.trial(compact_fit(engine, size))
        try:
            plans = paginate(trial)
        except TooTall as exc:  # a step taller than a page: perhaps not at a smaller size
            too_tall = too_tall or exc
            continue
        if len(plans) <= max_pages:
            break
    else:
        if too_tall is not None and _all_too_tall(engine):
            raise too_tall
        raise _overflow(engine, max_pages)
    _check_names(engine, max_pages, [(trial, plan) for plan in plans])
    return compose(fill(engine, trial.fit, plans))


def compact_fit(engine: Engine, body: float) -> Fit:
    """The most compact setting at a body size: the smallest pictures and spacing."""
    return Fit(body, pictures(engine.large)[0], SPACINGS[0], floor=engine.ctx.fit.floor)


def _floor_fit(engine: Engine) -> Fit:
    return compact_fit(engine, sizes(engine.large)[-1])


def _all_too_tall(engine: Engine) -> bool:
    try:
        pages(engine.trial(_floor_fit(engine)), multi=True)
    except TooTall:
        return True
    return False


def _check_names(engine: Engine, max_pages: int, laid_out: LaidOut) -> None:
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
    # laid out (heights are monotone in the setting): if these pages' blocks fit the floor's room
    # with the longest names, the floor layout fits too, its pages broken no later.
    floor_room = Trial(engine, _floor_fit(engine), reserve=True, light=True)
    if all(plan.used <= floor_room.room(index, multi) + 0.01 for index, (_, plan) in enumerate(laid_out)):
        return
    floor = engine.trial(_floor_fit(engine), reserve=True)
    if len(pages(floor, multi=True)) > max_pages:
        raise _overflow(engine, max_pages, reserve=True)


def _overflow(engine: Engine, max_pages: int, reserve: bool = False) -> DoesNotFit:
    trial = engine.trial(_floor_fit(engine), reserve)
    # Paginate without a limit: how many pages it would need.
    try:
        needed = len(pages(trial, multi=True))
    except TooTall:
        needed = None

    # How much taller each page would have to be (to within a point in all).
    def fits_with(extra: float) -> bool:
        taller = Engine(engine.page, engine.worst, engine.ctx, engine.height + extra)
        try:
            return len(pages(taller.trial(trial.fit, reserve), multi=True)) <= max_pages
        except TooTall:
            return False

    low, high = 0.0, float(engine.height)
    while not fits_with(high) and high < 64 * engine.height:
        low, high = high, high * 2
    while high - low > 1.0 / max_pages:
        mid = (low + high) / 2
        low, high = (low, mid) if fits_with(mid) else (mid, high)
    return DoesNotFit(high * max_pages, max_pages, needed, names=reserve, floor=engine.ctx.fit.floor)
