"""Phase 3 of the page engine: distribute. Break a trial's flow into the
fewest pages: each page takes as many of the next blocks as fit (which gives
the fewest, because a set of blocks that fits a page still fits with any block
removed). A checklist's week may split between its rows (to save a page, or
not to leave one mostly empty); an exercise card
stays whole on a page unless it is taller than a whole page: then it
continues on the next, between two of its text blocks (never inside a step
or the dose band), under its repeated heading.
"""

from __future__ import annotations

from handoutgen.boxes import Ruled
from handoutgen.page.collect import Item
from handoutgen.page.measure import PagePlan, TooTall, Trial

MIN_SPLIT_ROWS = 2  # rows of a week on each side of a split, at least


def flow(trial: Trial, multi: bool) -> list[Item]:
    """The blocks to distribute, in order; on one page, the footer last (on several,
    place_footer puts it)."""
    return list(trial.parts.flow) + ([trial.foot] if trial.parts.foot and not multi else [])


def paginate(trial: Trial) -> list[PagePlan]:
    """The fewest pages at the trial's setting (kept on the trial). A week of the
    checklist is split between pages only if that saves a page, or leaves less
    room unused on the pages before the last without an exercise row alone."""
    if trial.plans is None:
        single = pages(trial, multi=False)
        if len(single) == 1:
            trial.plans = single
        else:
            trial.splits = 0
            # Fewest pages first; among as few, weeks whole, else split evenly, else as needed.
            options = [pages(trial, multi=True, min_rows=MIN_SPLIT_ROWS)]
            if trial.splits or _lost(trial, options[0]):
                options.insert(0, pages(trial, multi=True, min_rows=1))
                try:
                    options.append(pages(trial, multi=True, split=False))
                except TooTall:
                    pass
            # Fewest pages; then no exercise row alone on either side of a split (it reads as a
            # week of its own); then the least room lost on the pages before the last; then weeks whole.
            trial.plans = min(reversed(options),
                              key=lambda plans: (len(plans), _orphans(trial, plans), _lost(trial, plans)))
    return trial.plans


SPLIT_HOLE = 54.0  # pt (0.75 in): a page before the last left emptier than this is paper lost


def _orphans(trial: Trial, plans: list[PagePlan]) -> int:
    """Parts of a split week with fewer than MIN_SPLIT_ROWS exercise rows."""
    whole = {id(block) for item in trial.parts.flow for block in item.blocks or []}
    return sum(1 for plan in plans for unit in plan.units for item in unit.items for block in item.blocks or []
               if isinstance(block, Ruled) and id(block) not in whole and _rows(block) < MIN_SPLIT_ROWS)


def _lost(trial: Trial, plans: list[PagePlan]) -> float:
    """How much more than SPLIT_HOLE the emptiest page before the last keeps unused (0: none does)."""
    return max([trial.room(index, True) - plan.used - SPLIT_HOLE for index, plan in enumerate(plans[:-1])] + [0.0])


def pages(trial: Trial, multi: bool, split: bool = True, min_rows: int = MIN_SPLIT_ROWS) -> list[PagePlan]:
    """Pages filled greedily. Without `multi`, stop once the flow does not fit one
    page (a second, empty plan says so)."""
    items = flow(trial, multi)
    out: list[PagePlan] = []
    start = 0
    while start < len(items) or not out:
        room = trial.room(len(out), multi)
        plan = PagePlan()
        end = start
        while end < len(items):
            height, units = trial.units_height(items[start:end + 1], room)
            if height > room + 0.01:
                break
            plan.used, plan.units = height, units
            end += 1
        if end < len(items):
            if split and _split_week(trial, items, start, end, plan, room, min_rows):
                end += 1
            elif _continue_card(trial, items, start, end, plan, room, multi):
                end += 1
            elif end == start and out:
                # Not even alone on a page of its own (the first page may hold only its head). A card
                # breaks between its blocks: then it is its first block, with the heading, that is too tall.
                item = items[start]
                if item.card is not None:
                    first = (item.part or (0, 0))[0]
                    item = Item(card=item.card, label=item.label, part=(first, first + 1))
                raise TooTall(item, trial.units_height([item])[0] - room)
        out.append(plan)
        start = end
        if not multi and start < len(items):  # it does not fit one page: that is all we asked
            out.append(PagePlan())
            break
    if multi and trial.parts.foot:
        place_footer(trial, out)
    return out


def place_footer(trial: Trial, plans: list[PagePlan]) -> None:
    """The footer goes under the last page's blocks; if they leave no room for it,
    on the latest page that has room. If none has, it needs a page more, and never
    alone: the last block of the last page goes with it."""
    multi = True
    for index in range(len(plans) - 1, -1, -1):
        items = [item for unit in plans[index].units for item in unit.items] + [trial.foot]
        room = trial.room(index, multi)
        height, units = trial.units_height(items, room)
        if height <= room + 0.01:
            plans[index] = PagePlan(units, height)
            return
    last = [item for unit in plans[-1].units for item in unit.items]
    if len(last) > 1:
        moved = trial.units_height([last[-1], trial.foot], trial.room(len(plans), multi))
        if moved[0] <= trial.room(len(plans), multi) + 0.01:
            before = trial.units_height(last[:-1], trial.room(len(plans) - 1, multi))
            plans[-1] = PagePlan(before[1], before[0])
            plans.append(PagePlan(moved[1], moved[0]))
            return
    footer = trial.units_height([trial.foot])
    plans.append(PagePlan(footer[1], footer[0]))


def _split_week(trial: Trial, items: list[Item], start: int, end: int, plan: PagePlan, room: float,
                min_rows: int) -> bool:
    """Split a checklist week between its rows at the foot of a page."""
    item = items[end]
    if item.card is not None or item.blocks is None or len(item.blocks) != 1:
        return False
    block = item.blocks[0]
    if not isinstance(block, Ruled):  # the one block of that kind that splits
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
    trial.splits += 1
    items[end:end + 1] = [Item(blocks=[first], label=item.label), Item(blocks=[rest], label=item.label)]
    plan.used, plan.units = trial.units_height(items[start:end + 1], room)
    return True


def _continue_card(trial: Trial, items: list[Item], start: int, end: int, plan: PagePlan, room: float,
                   multi: bool) -> bool:
    """A card taller than a whole page: as many of its text blocks as fit here,
    the rest in a piece of its own that continues on the next page (and may be
    split again). False if the card is not that tall, or if not one block of it
    fits here (it then starts on the next page; alone there, it is TooTall)."""
    item = items[end]
    node = item.card
    if node is None or not multi:
        return False
    first, last = item.part or (0, trial.renderer.card_blocks(node))
    whole = trial.units_height([item])[0]
    if whole <= trial.room(1, True) + 0.01:  # fits a page of its own: it moves there whole
        return False
    best = None
    for cut in range(first + 1, last):  # the most blocks that fit what is left of this page
        piece = Item(card=node, label=item.label, part=(first, cut))
        height, units = trial.units_height(items[start:end] + [piece], room)
        if height > room + 0.01:
            break
        best = (piece, height, units, cut)
    if best is None:
        return False
    piece, plan.used, plan.units, cut = best
    items[end:end + 1] = [piece, Item(card=node, label=item.label, part=(cut, last))]
    return True


def _rows(week: Ruled) -> int:
    """Exercise rows of a week grid: not its heading, not its glued rows (the pain row)."""
    return len(week.rows) - week.head - len(week.glued)
