"""Stage 7: fit the content to one page, or say by how much it is over.

Layouts are tried from the most generous to the most compact; the first
that fits wins. Text is never clipped and never smaller than 12 pt.
"""

from __future__ import annotations

from dataclasses import replace

from handoutgen.flowables import Context, Fit, Renderer
from handoutgen.markup import Node
from handoutgen.pdf import stack_height

# Layouts from most generous to most compact, tried at each body size from
# 14 pt down to the 12 pt floor: body text stays as large as any layout allows.
SIZES = (14.0, 13.5, 13.0, 12.5, 12.0)
LAYOUTS = (  # (picture width pt, spacing scale, columns)
    (150, 1.0, 1),
    (125, 0.75, 1),
    (130, 1.0, 2),
    (120, 0.75, 2),
    (110, 0.5, 2),
    (100, 0.5, 1),
    (90, 0.3, 2),
    (90, 0.3, 1),
)
FITS: tuple[Fit, ...] = tuple(Fit(size, image, space, columns)
                              for size in SIZES for image, space, columns in LAYOUTS)


class DoesNotFit(Exception):
    def __init__(self, overflow: float):
        super().__init__(f"{overflow:.0f} pt over")
        self.overflow = overflow


def fit_page(page: Node, ctx: Context, height: float, fits=FITS):
    """Return (fit, main, bottom, slack) for the first layout that fits."""
    best_overflow = None
    memo: dict = {}  # blocks that do not change from one trial to the next
    for fit in fits:
        trial = replace(ctx, fit=fit)
        main, bottom = Renderer(trial, memo).page(page)
        used = stack_height(main, ctx.width) + stack_height(bottom, ctx.width)
        if used <= height:
            return fit, main, bottom, height - used
        over = used - height
        best_overflow = over if best_overflow is None else min(best_overflow, over)
    raise DoesNotFit(best_overflow or 0.0)
