"""Phase 5 of the page engine: compose. The flowables of each page as the
engine laid it out: its head (the first page's, or the one-line running
header), its blocks (runs of cards in one or two columns, full-width blocks),
its foot (the safety line; "Page 1 of N" on the first of several; the footer
on the last), and the room left: note lines first, then shared out between
the blocks. pdf.py draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from reportlab.platypus import Flowable, HRFlowable, Spacer

from handoutgen import words
from handoutgen.boxes import Box, Columns
from handoutgen.flowables import CARD_GAP, Context, Fit, Renderer, block_gap, pictures
from handoutgen.page.measure import PagePlan, Trial, Unit
from handoutgen.pdf import Page, measure, stack_height

EXTRA_GAP = 28.0  # at most this much more space between two blocks when room is left


@dataclass
class Fitted:
    pages: list[Page]
    body: float  # body text size, pt
    picture: float  # widest picture printed, pt (0: none)
    smallest: float = 0.0  # narrowest picture printed, pt (0: none)


def compose(laid_out: list[tuple[Trial, PagePlan]]) -> Fitted:
    """The flowables of each page (laid out by its trial: pictures may differ
    from page to page), with the room left shared out between blocks."""
    count = len(laid_out)
    pages, printed = [], []
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
        units = [_unit_flowables(trial, unit) for unit in flowing]
        room = trial.engine.height - stack_height(head, width) - stack_height(bottom, width) - used
        room = _stretch_notes(units, room, width)
        # (flowables, whether the room left may widen the gap before them): before each block of
        # the first page's head but the first (not inside the clinic header), and before each unit.
        pieces = [([f], index == 0 and i > 0 and not isinstance(f, HRFlowable)) for i, f in enumerate(head)]
        pieces += [(unit, bool(head) or k > 0) for k, unit in enumerate(units)]
        gaps = sum(grows for _, grows in pieces)
        extra = min(EXTRA_GAP, room / gaps) if gaps and room > 0 else 0.0
        main: list[Flowable] = []
        for flowables, grows in pieces:
            if grows and extra:
                main.append(Spacer(0, extra))
            main.extend(flowables)
        pages.append(Page(main, bottom))
        printed += [p.width for unit in units for p in pictures(unit)]  # not the logo
    return Fitted(pages, laid_out[0][0].fit.body, max(printed, default=0.0), min(printed, default=0.0))


def _unit_flowables(trial: Trial, unit: Unit) -> list[Flowable]:
    first = unit.items[0]
    if first.card is None:
        assert first.blocks is not None, "a block that is not a card holds flowables"
        return list(first.blocks)
    before = block_gap(CARD_GAP, trial.fit.space)
    if unit.columns == 1 or len(unit.items) == 1:
        cards = [unit.grown.get(i) or trial.card(item, trial.ctx.width)[1] for i, item in enumerate(unit.items)]
        return [Box(cards, before=before)]
    cards = [unit.grown.get(i) or trial.card(item, trial.col_w)[1] for i, item in enumerate(unit.items)]
    left, right = cards[:unit.split], cards[unit.split:]
    return [Columns([(trial.col_w, Box(left)), (trial.gap, None), (trial.col_w, Box(right))], before=before)]


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
