"""Phase 4 of the page engine: fill. The pages keep the blocks distribute gave
them; the room they leave goes to larger pictures first, then to more generous
spacing. First one level for every page (the pages look alike), then each page
on its own, in one of a few ways (as it is; with compact spacing; its cards in
one column, where a picture beside a card's text across the page is wider than
one in a half column), each way growing its cards' pictures into the room it
leaves (grow: the shorter column first, so columns end level). compose.py
shares out what is still left.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from reportlab.platypus import Flowable

from handoutgen.boxes import slots
from handoutgen.flowables import CARD_GAP, Fit, block_gap
from handoutgen.flowables import pictures as picture_boxes
from handoutgen.markup import Node
from handoutgen.memo import Recent
from handoutgen.page.collect import Item
from handoutgen.page.compose import SPREAD_EMS
from handoutgen.page.measure import Engine, PagePlan, Trial, Unit
from handoutgen.page.settings import fill_levels, pictures
from handoutgen.pdf import measure

LaidOut = list[tuple[Trial, PagePlan]]  # pages, each with the trial that laid it out


def fill(engine: Engine, chosen: Fit, plans: list[PagePlan]) -> LaidOut:
    filler = _Filler(engine, chosen, plans)
    pages = [[item for unit in plan.units for item in unit.items] for plan in plans]
    out = [filler.page(index, items) or (filler.base, plan)
           for index, (items, plan) in enumerate(zip(pages, plans, strict=True))]
    return filler.even_out(pages, out)


class _Filler:
    """Fills pages: the room each page's blocks leave goes to larger pictures, then spacing."""

    def __init__(self, engine: Engine, chosen: Fit, plans: list[PagePlan]):
        self.engine, self.chosen, self.base = engine, chosen, engine.trial(chosen)
        self.levels = fill_levels(engine.large, engine.has_pictures)
        self.where = {id(item): i for i, item in enumerate(self.base.parts.flow)}
        self.multi = len(plans) > 1
        self.tried: dict[tuple, tuple[Trial, PagePlan] | None] = {}
        self.good = pictures(engine.large)[1] * chosen.scale  # pictures this wide are big enough to understand
        self.widest = len(pictures(engine.large)) - 1  # the level of the largest pictures with compact spacing
        spans = [[item for unit in plan.units for item in unit.items] for plan in plans]
        # One level for every page: the highest at which each of them fits.
        self.common = min(self.highest(index, items, 0)[0] for index, items in enumerate(spans))

    def lay_out(self, level: int, index: int, items: list[Item], columns: int = 2) -> tuple[Trial, PagePlan] | None:
        """Page `index` holding `items` at fill level `level`, or None if it does not fit (or
        holds a block made for the chosen setting only: a week split between pages). Each once."""
        key = (level, index, columns, tuple(id(item) for item in items))
        if key not in self.tried:
            self.tried[key] = self._lay_out(level, index, items, columns)
        return self.tried[key]

    def _lay_out(self, level: int, index: int, items: list[Item], columns: int) -> tuple[Trial, PagePlan] | None:
        image, space = self.levels[level]
        trial = self.engine.trial(replace(self.chosen, image=image, space=space))
        made = [_same(item, self.base, trial, self.where) for item in items]
        if any(item is None for item in made):
            return None
        room = trial.room(index, self.multi)
        used, units = trial.units_height(made, room, columns)  # type: ignore[arg-type]  # None ruled out
        if used > room + 0.01:
            return None
        return trial, PagePlan(units, used)

    def highest(self, index: int, items: list[Item], low: int,
                columns: int = 2) -> tuple[int, tuple[Trial, PagePlan] | None]:
        """The highest level from `low` up at which the page fits, and it laid out so."""
        high = len(self.levels) - 1
        top = self.lay_out(high, index, items, columns)  # the most generous often fits: nothing to search
        if top is not None:
            return high, top
        best = self.lay_out(low, index, items, columns)
        if best is None:
            return low, None
        high -= 1
        while low < high:
            mid = (low + high + 1) // 2
            laid = self.lay_out(mid, index, items, columns)
            if laid is not None:
                low, best = mid, laid
            else:
                high = mid - 1
        return low, best

    def page(self, index: int, items: list[Item]) -> tuple[Trial, PagePlan] | None:
        """The page filled: each way grows its pictures into the room it leaves; the first
        whose pictures are all big enough is taken, else the one with the largest (the
        smallest on the page, then all). None if it fits in no way."""
        level, laid = self.highest(index, items, self.common)
        best: tuple[Trial, PagePlan] | None = None
        best_score = None
        for way in self._ways(index, items, laid, level):
            if way is None:
                continue
            grown = grow(self.engine, way[0], way[1], way[0].room(index, self.multi))
            score = self._score(grown)  # measures the page's columns: once a way
            if best_score is None or score > best_score:
                best, best_score = grown, score
            if best_score[:2] == (True, True) or not self.engine.has_pictures:
                break
        return best

    def _score(self, laid: tuple[Trial, PagePlan]) -> tuple[bool, bool, float, float]:
        """How well a way fills its page, best highest: pictures big enough to understand;
        no hole under a shorter column taller than MAX_HOLE; its smallest picture; all of them."""
        smallest, total = _pictures_score(laid)
        return smallest >= self.good, hole(*laid) <= MAX_HOLE * self.chosen.scale, smallest, total

    def _ways(self, index: int, items: list[Item], laid, level: int) -> Iterator[tuple[Trial, PagePlan] | None]:
        """The ways to fill a page, the one that reads best first: as it is (`laid`, at `level`);
        with compact spacing (room spent on spacing is room the pictures cannot grow into); its
        cards in one column (a picture beside a card's text across the page is wider)."""
        yield laid
        if self.engine.has_pictures and self.widest < level:
            yield self.lay_out(self.widest, index, items)
        if self.engine.has_pictures and self.base.columns > 1 and sum(i.card is not None for i in items) > 1:
            yield self.highest(index, items, 0, columns=1)[1]

    def even_out(self, pages: list[list[Item]], out: LaidOut) -> LaidOut:
        """Filled greedily, every page but the last is full and its pictures cannot grow,
        while the last has room: a page's last card moves to the start of the next when,
        both pages filled again, their smallest picture is larger and the page it leaves
        keeps no hole (EVEN_OUT_HOLE). From the last pages back; whole cards only."""
        if not self.engine.has_pictures:
            return out
        for index in range(len(pages) - 2, -1, -1):
            while True:
                here, there = pages[index], pages[index + 1]
                last = here[-1] if len(here) > 1 else None
                if last is None or last.card is None or last.part is not None:
                    break
                left = self.page(index, here[:-1])
                right = self.page(index + 1, [last] + there)
                if left is None or right is None:
                    break
                now = min(_pictures_score(out[index])[0], _pictures_score(out[index + 1])[0])
                then = min(_pictures_score(left)[0], _pictures_score(right)[0])
                hole = left[0].room(index, self.multi) - left[1].used
                if then <= now + 0.5 or hole > EVEN_OUT_HOLE * self.chosen.scale:
                    break
                pages[index], pages[index + 1] = here[:-1], [last] + there
                out[index], out[index + 1] = left, right
        return out


EVEN_OUT_HOLE = 40.0  # pt: the most room even_out may leave unused on a page it takes a card from
MAX_HOLE = 54.0  # pt (0.75 in): the most a shorter column may keep empty once compose has levelled it


def hole(trial: Trial, plan: PagePlan) -> float:
    """The tallest hole a shorter column of the page keeps, once compose spreads
    the room inside its cards (at most SPREAD_EMS body sizes a gap), pt."""
    tallest = 0.0
    most = SPREAD_EMS * trial.fit.body
    gap = block_gap(CARD_GAP, trial.fit.space)
    for unit in plan.units:
        if unit.columns != 2 or len(unit.items) < 2:
            continue
        cards = [unit.grown.get(i) or trial.card(item, trial.col_w)[1] for i, item in enumerate(unit.items)]
        sides = [cards[:unit.split], cards[unit.split:]]
        heights = [sum(measure(card, trial.col_w)[1] for card in side) + gap * (len(side) - 1) for side in sides]
        short = min(range(2), key=heights.__getitem__)
        spreads = len(sides[short]) - 1 + sum(slots(card) for card in sides[short])
        tallest = max(tallest, abs(heights[1] - heights[0]) - spreads * most)
    return tallest


def grow(engine: Engine, trial: Trial, plan: PagePlan, room: float) -> tuple[Trial, PagePlan]:
    """The page's cards made again with larger pictures (any placement, any picture
    setting), as the room allows: first the cards of a shorter column, up to the
    height of the other (columns end level), then any card, into the room the page
    leaves. The measured units are shared: grown ones are new Units."""
    spare = room - plan.used
    units = []
    for unit in plan.units:
        if engine.has_pictures and unit.items[0].card is not None and unit.items[0].part is None:
            unit, spare = _grow_unit(engine, trial, unit, spare)
        units.append(unit)
    return trial, PagePlan(units, room - spare)


def _grow_unit(engine: Engine, trial: Trial, unit: Unit, spare: float) -> tuple[Unit, float]:
    two = unit.columns == 2 and len(unit.items) > 1
    width = trial.col_w if two else trial.ctx.width
    gap = block_gap(CARD_GAP, trial.fit.space)
    heights = [trial.card(item, width)[0] for item in unit.items]
    sides = [range(unit.split), range(unit.split, len(unit.items))] if two else [range(len(unit.items))]

    def column(side: range) -> float:
        return sum(heights[i] for i in side) + gap * (len(side) - 1)

    grown: dict[int, Flowable] = {}
    for side in sorted(sides, key=column):  # the shorter column first: it grows free to the other's foot
        for index in side:
            item = unit.items[index]
            if item.card is None or not item.card.attrs.get("image"):
                continue
            before = max(column(s) for s in sides)
            allowance = before - column(side) + max(spare, 0.0)
            found = _larger_card(engine, trial, item, width, heights[index], allowance, two)
            if found is None:
                continue
            grown[index], heights[index] = found
            spare -= max(column(s) for s in sides) - before
    return (replace(unit, grown=grown) if grown else unit), spare


GROW_AT_LEAST = 4.0  # pt: less room than this grows no picture worth the name
# Bounded, by content (the card's markup, style, picture, width): a batch shows the same cards again.
_PLACEMENTS: Recent[list[tuple[float, str, float]]] = Recent(1024)
_GROWN: Recent[tuple[Flowable, float]] = Recent(2048)


def _larger_card(engine: Engine, trial: Trial, item: Item, width: float, height: float, allowance: float,
                 narrow: bool) -> tuple[Flowable, float] | None:
    """The card with the widest picture, wider than now, that is at most `allowance`
    taller than `height`; or None. Placements are tried from the widest picture down,
    so a page with room makes a card or two, not every placement at every setting."""
    node = item.card
    if allowance < GROW_AT_LEAST or node is None:
        return None
    now = max((p.width for p in picture_boxes([trial.card(item, width)[1]])), default=0.0)
    for wide, mode, image in _placements(engine, trial, node, width, narrow):
        if wide <= now + 0.5:
            break
        card, tall = _made(engine, trial, node, width, mode, image)
        if tall - height <= allowance + 0.01:
            return card, tall
    return None


def _placements(engine: Engine, trial: Trial, node: Node, width: float, narrow: bool) -> list[tuple[float, str, float]]:
    """(picture width, placement, picture setting) of each way the card's picture may print
    at this size and spacing, the widest first; one setting a width (the smallest). Shared,
    as cards are (measure._CARDS), by every page and handout showing the card so."""
    def find() -> list[tuple[float, str, float]]:
        widths: dict[tuple[str, float], float] = {}
        for image in pictures(engine.large):  # any setting: "above" at a smaller one may still beat "beside"
            renderer = engine.trial(replace(trial.fit, image=image)).renderer
            for mode in renderer.card_modes(node, wide=not narrow):
                wide = renderer.picture_width(node, width, mode)
                if (mode, wide) not in widths and renderer.picture_fits(node, wide, mode):
                    widths[mode, wide] = image
        return sorted(((wide, mode, image) for (mode, wide), image in widths.items()), key=lambda p: -p[0])

    return _PLACEMENTS.get(_card_key(trial, node, width) + (narrow,), find)


def _made(engine: Engine, trial: Trial, node: Node, width: float, mode: str, image: float) -> tuple[Flowable, float]:
    """The card in that placement at that picture setting, and its height (shared as cards are)."""
    def make() -> tuple[Flowable, float]:
        card = engine.trial(replace(trial.fit, image=image)).renderer.card(node, width, mode)
        return card, measure(card, width)[1]

    return _GROWN.get(_card_key(trial, node, width) + (mode, image), make)


def _card_key(trial: Trial, node: Node, width: float) -> tuple:
    """What a card looks like, as a value: its markup, its style (fonts, colours, size,
    spacing, print size), its picture, its width."""
    image = node.attrs.get("image")
    picture = trial.renderer.picture(image, node).digest if image else None
    return (node.key(), trial.renderer.style_id, picture, width)


def _pictures_score(laid: tuple[Trial, PagePlan]) -> tuple[float, float]:
    trial, plan = laid
    widths = trial.picture_widths(plan.units)
    return (min(widths, default=float("inf")), sum(widths))  # no picture: nothing to grow


def _same(item: Item, base: Trial, trial: Trial, where: dict[int, int]) -> Item | None:
    """`item` of the chosen setting's flow as `trial` made it (None: made for that setting only)."""
    if item is base.foot:
        return trial.foot
    if item.part is not None:  # a piece of a card: the same text blocks at any setting
        return Item(card=item.card, label=item.label, part=item.part)
    index = where.get(id(item))
    return None if index is None else trial.parts.flow[index]
