"""Phase 5 of the page engine: compose. The flowables of each page as the
engine laid it out: its head (the first page's, or the one-line running
header), its blocks (runs of cards in one or two columns, full-width blocks),
its foot (the safety line; "Page 1 of N" on the first of several; the footer
on the last), and the room left: note lines first, then shared out between
the blocks, then (on a page before the last, where room left is paper lost)
spread inside the cards. The shorter column of a row is drawn as tall as the
row (boxes.Columns' `level`): the cards of a row end level. pdf.py draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from reportlab.platypus import Flowable, HRFlowable, Spacer

from handoutgen import words
from handoutgen.boxes import Box, Columns, Spread, slots
from handoutgen.flowables import CARD_GAP, Context, Fit, Renderer, block_gap, pictures
from handoutgen.page.measure import PagePlan, Trial, Unit
from handoutgen.pdf import Page, measure, stack_height

EXTRA_GAP = 28.0  # at most this much more space between two blocks when room is left
# Inside a card, at most this many body sizes more between two of its text blocks (a shorter
# column's, a page's room left): more would part a step from its picture and dose.
SPREAD_EMS = 1.25


@dataclass
class Fitted:
    pages: list[Page]
    body: float  # body text size, pt
    picture: float  # widest picture printed, pt (0: none)
    smallest: float = 0.0  # narrowest picture printed, pt (0: none)
    # Each page's tallest hole under a shorter column (what leveling left at its bottom), pt.
    holes: list[float] = field(default_factory=list)


def compose(laid_out: list[tuple[Trial, PagePlan]]) -> Fitted:
    """The flowables of each page (laid out by its trial: pictures may differ
    from page to page), with the room left shared out between blocks."""
    count = len(laid_out)
    pages, printed, holes = [], [], []
    for index, (trial, plan) in enumerate(laid_out):
        renderer, width = trial.renderer, trial.ctx.width
        if index == 0:
            head = list(trial.parts.top)
        else:
            head = trial.running_for(trial.parts, words.page_of(index + 1, count))
        bottom = list(trial.parts.bottom)
        flowing, used = plan.units, plan.used
        if flowing and flowing[-1].items[0] is trial.foot:  # the footer: at the foot of the last page
            bottom += trial.foot.blocks
            flowing, used = flowing[:-1], used - trial.block_height(trial.foot)
        if index == 0 and count > 1:  # the very last line: there is more
            bottom.append(renderer.page_line(words.page_of_first(count)))
        spread = SPREAD_EMS * trial.fit.body
        units = [_unit_flowables(trial, unit, spread) for unit in flowing]
        room = trial.engine.height - stack_height(head, width) - stack_height(bottom, width) - used
        room = _stretch_notes(units, room, width)
        # (flowables, whether the room left may widen the gap before them): before each block of
        # the first page's head but the first (not inside the clinic header), and before each unit.
        pieces = [([f], index == 0 and i > 0 and not isinstance(f, HRFlowable)) for i, f in enumerate(head)]
        pieces += [(unit, bool(head) or k > 0) for k, unit in enumerate(units)]
        gaps = sum(grows for _, grows in pieces)
        extra = min(EXTRA_GAP, room / gaps) if gaps and room > 0 else 0.0
        printed += [p.width for unit in units for p in pictures(unit)]  # not the logo
        if index < count - 1:
            units = _spread(units, room - extra * gaps, spread)
        main: list[Flowable] = []
        for flowables, grows in pieces:
            if grows and extra:
                main.append(Spacer(0, extra))
            main.extend(flowables)
        pages.append(Page(main, bottom))
        holes.append(_holes(units, width))
    return Fitted(pages, laid_out[0][0].fit.body, max(printed, default=0.0), min(printed, default=0.0), holes)


def _spread(units: list[list[Flowable]], room: float, most: float) -> list[list[Flowable]]:
    """The room a page before the last leaves, shared between the gaps inside its cards
    (each at most `most` wider)."""
    k = sum(slots(f) for unit in units for f in unit)
    if room <= 0.5 or not k:
        return units
    per = min(most, room / k)
    return [[Spread(f, per) if isinstance(f, (Box, Columns)) and slots(f) else f for f in unit] for unit in units]


def _holes(units: list[list[Flowable]], width: float) -> float:
    """The tallest hole left under a shorter column of the page, pt."""
    tallest = 0.0
    for unit in units:
        for f in unit:
            per = f.per if isinstance(f, Spread) else 0.0
            row = f.flowable if isinstance(f, Spread) else f
            if isinstance(row, Columns) and row.level:
                measure(row, width)
                tallest = max([tallest] + row.holes(per))
    return tallest


def _unit_flowables(trial: Trial, unit: Unit, spread: float) -> list[Flowable]:
    first = unit.items[0]
    if first.card is None:
        assert first.blocks is not None, "a block that is not a card holds flowables"
        return list(first.blocks)
    before = block_gap(CARD_GAP, trial.fit.space)
    if unit.columns == 1 or len(unit.items) == 1:
        cards = [unit.grown.get(i) or trial.card(item, trial.ctx.width)[1] for i, item in enumerate(unit.items)]
        return [Box(cards, before=before, spread=True)]
    cards = [unit.grown.get(i) or trial.card(item, trial.col_w)[1] for i, item in enumerate(unit.items)]
    left, right = cards[:unit.split], cards[unit.split:]
    return [Columns([(trial.col_w, Box(left, spread=True)), (trial.gap, None), (trial.col_w, Box(right, spread=True))],
                    level=spread, before=before)]


def _stretch_notes(units: list[list[Flowable]], room: float, width: float) -> float:
    """Give the room left to a block that can use it (the checklist's note lines)."""
    for unit in units:
        for f in unit:
            stretch = getattr(f, "stretch", None)  # a method (NoteLines), not Columns' flag
            if room > 0 and callable(stretch):
                before = measure(f, width)[1]
                stretch(room)
                room -= measure(f, width)[1] - before
    return room


def blank_page(ctx: Context) -> Page:
    """A page left blank so what follows starts on a sheet of its own, saying so
    (at the top size of `ctx`'s print size: its fit is settings.print_fit's)."""
    return Page([Renderer(replace(ctx, fit=Fit(body=ctx.fit.body, floor=ctx.fit.floor))).page_line(words.BLANK_SIDE)],
                [])
