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

from handoutgen.flowables import CARD_GAP, Fit, block_gap
from handoutgen.markup import Node
from handoutgen.memo import Recent
from handoutgen.page.collect import Item
from handoutgen.page.compose import pictures as picture_boxes
from handoutgen.page.measure import Engine, PagePlan, Trial, Unit
from handoutgen.page.settings import fill_levels, pictures
from handoutgen.pdf import measure

LaidOut = list[tuple[Trial, PagePlan]]  # pages, each with the trial that laid it out


def fill(engine: Engine, chosen: Fit, plans: list[PagePlan]) -> LaidOut:
    base = engine.trial(chosen)
    levels = fill_levels(engine.large, engine.has_pictures)
    where = {id(item): i for i, item in enumerate(base.parts.flow)}
    spans = [[item for unit in plan.units for item in unit.items] for plan in plans]
    multi = len(plans) > 1

    tried: dict[tuple[int, int, int], tuple[Trial, PagePlan] | None] = {}

    def lay_out(level: int, index: int, columns: int = 2) -> tuple[Trial, PagePlan] | None:
        """Page `index` at fill level `level`, or None if it does not fit (or holds a
        block made for the chosen setting only: a week split between pages). Each once."""
        if (level, index, columns) not in tried:
            tried[level, index, columns] = _lay_out(level, index, columns)
        return tried[level, index, columns]

    def _lay_out(level: int, index: int, columns: int) -> tuple[Trial, PagePlan] | None:
        image, space = levels[level]
        trial = engine.trial(replace(chosen, image=image, space=space))
        items = [_same(item, base, trial, where) for item in spans[index]]
        if any(item is None for item in items):
            return None
        room = trial.room(index, multi)
        used, units = trial.units_height(items, room, columns)  # type: ignore[arg-type]  # None ruled out
        if used > room + 0.01:
            return None
        return trial, PagePlan(units, used)

    def highest(index: int, low: int, columns: int = 2) -> tuple[int, tuple[Trial, PagePlan] | None]:
        """The highest level from `low` up at which page `index` fits, and it laid out so."""
        high = len(levels) - 1
        top = lay_out(high, index, columns)  # the most generous often fits: nothing to search
        if top is not None:
            return high, top
        best = lay_out(low, index, columns)
        if best is None:
            return low, None
        high -= 1
        while low < high:
            mid = (low + high + 1) // 2
            laid = lay_out(mid, index, columns)
            if laid is not None:
                low, best = mid, laid
            else:
                high = mid - 1
        return low, best

    # One level for every page: the highest at which each of them fits.
    common = min(highest(index, 0)[0] for index in range(len(plans)))
    good = pictures(engine.large)[1] * chosen.scale  # pictures this wide are big enough to understand
    widest = len(pictures(engine.large)) - 1  # the level of the largest pictures with compact spacing
    out: LaidOut = []
    for index, plan in enumerate(plans):
        level, laid = highest(index, common)

        # Each way grows its pictures into the room it leaves; the first whose pictures are all
        # big enough is taken, else the one with the largest (the smallest on the page, then all).
        best: tuple[Trial, PagePlan] | None = None
        for way in _ways(engine, base, plan, laid, level, widest, index, lay_out, highest):
            if way is None:
                continue
            grown = grow(engine, way[0], way[1], way[0].room(index, multi))
            if best is None or _pictures_score(grown) > _pictures_score(best):
                best = grown
            if _pictures_score(best)[0] >= good or not engine.has_pictures:
                break
        out.append(best or (base, plan))
    return out


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


def _ways(engine: Engine, base: Trial, plan: PagePlan, laid, level: int, widest: int, index: int,
          lay_out, highest) -> Iterator[tuple[Trial, PagePlan] | None]:
    """The ways to fill a page, the one that reads best first: as it is (`laid`, at `level`);
    with compact spacing (room spent on spacing is room the pictures cannot grow into); its
    cards in one column (a picture beside a card's text across the page is wider)."""
    yield laid
    if engine.has_pictures and widest < level:
        yield lay_out(widest, index)
    if engine.has_pictures and base.columns > 1 and any(u.columns > 1 for u in plan.units):
        yield highest(index, 0, columns=1)[1]


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
