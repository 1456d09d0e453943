"""Stage 8: lay the flowables on a page and produce the PDF bytes.

ReportLab's invariant mode makes the bytes depend only on the inputs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from handoutgen.limits import MARGIN

# Binary streams: ASCII85 only makes the file a quarter bigger. ReportLab reads the setting
# from its global config, so it is switched only while one of our PDFs is made, never for
# other users of ReportLab in the process; the lock keeps threads from restoring it early.
_BINARY_STREAMS = threading.Lock()


@contextmanager
def _binary_streams() -> Iterator[None]:
    with _BINARY_STREAMS:
        before = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = before

PAGE_SIZES = {"letter": LETTER, "a4": A4}
_MEASURING_CANVAS = Canvas(BytesIO())  # some flowables need a canvas to measure


def frame_size(page_size: str, margin: float = MARGIN) -> tuple[float, float]:
    width, height = PAGE_SIZES[page_size]
    return width - 2 * margin, height - 2 * margin


@dataclass
class Page:
    """One page: content from the top, and content pinned to its foot."""

    main: list[Flowable]
    bottom: list[Flowable]


def make_pdf(pages: list[Page], page_size: str, *, title: str, author: str, subject: str,
             font: str, margin: float = MARGIN) -> bytes:
    with _binary_streams():
        return _make_pdf(pages, page_size, title=title, author=author, subject=subject, font=font, margin=margin)


def _make_pdf(pages: list[Page], page_size: str, *, title: str, author: str, subject: str,
              font: str, margin: float) -> bytes:
    """Draw each page's flowables where the fitter measured them.

    A plain canvas, not a doc template: the flowables were already wrapped at
    the frame width while fitting, so placing them costs no second layout,
    and nothing can flow onto a page of its own.
    """
    buffer = BytesIO()
    width, height = PAGE_SIZES[page_size]
    canv = Canvas(buffer, pagesize=(width, height), invariant=1,
                  initialFontName=font,  # type: ignore[arg-type]  # ReportLab's stubs type the font name as float
                  lang="en")
    canv.setTitle(title)
    canv.setAuthor(author)
    canv.setSubject(subject)
    canv.setCreator("handoutgen")
    canv.setProducer("handoutgen (ReportLab)")
    frame_w = width - 2 * margin
    for page in pages:
        below = stack_height(page.bottom, frame_w)
        end = _place(canv, page.main, height - margin, frame_w, margin)
        if end < margin + below - 0.01:
            # The fitter measured wrong: refuse to hand out a page that overflows.
            raise RuntimeError(f"page content is {margin + below - end:.1f} pt too tall")
        _place(canv, page.bottom, margin + below, frame_w, margin)
        canv.showPage()
    canv.save()
    return buffer.getvalue()


def measure(flowable: Flowable, width: float) -> tuple[float, float]:
    """(width, height) of a flowable laid out `width` wide."""
    return flowable.wrapOn(_MEASURING_CANVAS, width, 1e6)


def stack_height(flowables: list[Flowable], width: float) -> float:
    """Height of flowables stacked the way `_place` draws them."""
    total = 0.0
    for flowable in flowables:
        _, h = flowable.wrapOn(_MEASURING_CANVAS, width, 1e6)
        total += h + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


def _place(canv: Canvas, flowables: list[Flowable], y: float, width: float, x: float) -> float:
    for flowable in flowables:
        y -= flowable.getSpaceBefore()
        w, h = flowable.wrapOn(canv, width, 1e6)
        y -= h
        # _sW: room for hAlign, as a Frame does
        flowable.drawOn(canv, x, y, _sW=width - w)  # type: ignore[call-arg]  # ReportLab's stubs lack _sW
        y -= flowable.getSpaceAfter()
    return y
