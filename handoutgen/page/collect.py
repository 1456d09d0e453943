"""Phase 1 of the page engine: collect. A layout's <page> sorted into what the
engine places: the first page's head, the blocks that flow across pages (cards,
sections, the checklist's weeks), the foot of every page and of the last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.platypus import Flowable

from handoutgen.flowables import Renderer
from handoutgen.markup import Node

# From the first of these on, blocks flow across pages; blocks before stay at the top of page 1.
FLOWING = {"card", "grid", "section", "notes"}
PINNED = {"safety"}  # at the foot of every page (with the phone: the safety line says to call)
LAST_FOOT = {"footer"}  # at the foot of the last page: the clinic's address, hours, web, printed once


@dataclass(eq=False)
class Item:
    """One unit of flowing content: an exercise card (laid out at the width the
    engine gives it; `blocks` empty), or full-width blocks (`card` None). A card
    stays whole on a page unless it is taller than a page: then it continues in
    pieces, `part` saying which of its text blocks a piece holds."""

    card: Node | None = None
    blocks: list[Flowable] = field(default_factory=list)
    label: str = ""
    part: tuple[int, int] | None = None  # a piece of a card: its text blocks [start, end)


@dataclass
class Parts:
    """A page's markup as the page engine places it."""

    top: list[Flowable]  # the first page's head: header, title, meta, summary
    flow: list[Item]  # cards, sections, weeks ... in reading order
    bottom: list[Flowable]  # the foot of every page: the safety line
    foot: list[Flowable]  # under it on the last page: the footer
    running: Node | None  # <running>: the header of pages after the first


def card_label(node: Node) -> str:
    """How errors name a card: 'exercise 3 "Heel Raises"'."""
    heading = node.first("heading")
    name = heading.text() if heading is not None else ""
    return " ".join(filter(None, ["exercise", node.attrs.get("number"), f'"{name}"']))


def collect(renderer: Renderer, page: Node, head_only: bool = False) -> Parts:
    """The page's blocks at the renderer's size and spacing, made once per size and
    spacing (the renderer's memo). With `head_only`, the flowing blocks are left
    unmade: the head and feet alone say how much room the pages have."""
    fit = renderer.ctx.fit
    key = (id(page), "head" if head_only else "parts", fit.body, renderer.space)
    return renderer.remembered(key, _collect, renderer, page, head_only)


def _collect(renderer: Renderer, page: Node, head_only: bool) -> Parts:
    fit = renderer.ctx.fit
    parts = Parts([], [], [], [], None)
    for node in page.elements():
        if head_only and node.tag in FLOWING:
            continue
        if node.tag == "running":
            parts.running = node
        elif node.tag == "card":
            parts.flow.append(Item(card=node, label=card_label(node)))
        else:
            made = renderer.remembered((id(node), fit.body, fit.space), renderer.block, node)
            if node.tag in PINNED:
                parts.bottom.extend(made)
            elif node.tag in LAST_FOOT:
                parts.foot.extend(made)
            elif not parts.flow and node.tag not in FLOWING:
                parts.top.extend(made)
            elif node.tag == "grid":  # each week is a block of its own
                parts.flow.extend(Item(blocks=[week], label=f"week {n}") for n, week in enumerate(made, 1))
            else:
                parts.flow.append(Item(blocks=made, label=f"<{node.tag}> of line {node.line}"))
    return parts
