"""Stage 8: lay the flowables on a page and produce the PDF bytes.

ReportLab's invariant mode makes the bytes depend only on the inputs.
"""

from __future__ import annotations

from io import BytesIO

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Spacer

rl_config.useA85 = 0  # binary streams: ASCII85 only makes the file a quarter bigger

PAGE_SIZES = {"letter": LETTER, "a4": A4}
MARGIN = 36.0  # half an inch: room for home printers' unprintable edge


def frame_size(page_size: str) -> tuple[float, float]:
    width, height = PAGE_SIZES[page_size]
    return width - 2 * MARGIN, height - 2 * MARGIN


class _Doc(BaseDocTemplate):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pages_drawn = 0

    def afterPage(self):
        self.pages_drawn += 1


def make_pdf(pages: list[list], page_size: str, *, title: str, author: str, subject: str,
             font: str) -> bytes:
    """Each entry of `pages` is the story of exactly one page."""
    buffer = BytesIO()
    width, height = PAGE_SIZES[page_size]
    doc = _Doc(buffer, pagesize=(width, height), leftMargin=MARGIN, rightMargin=MARGIN,
               topMargin=MARGIN, bottomMargin=MARGIN, title=title, author=author, subject=subject,
               creator="handoutgen", producer="handoutgen (ReportLab)", invariant=1,
               lang="en", initialFontName=font)
    frame = Frame(MARGIN, MARGIN, width - 2 * MARGIN, height - 2 * MARGIN,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="page")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    story: list = []
    from reportlab.platypus import PageBreak

    for i, page in enumerate(pages):
        if i:
            story.append(PageBreak())
        story.extend(page)
    doc.build(story)
    if doc.pages_drawn != len(pages):
        # The fitter measured wrong: refuse to hand out a page that spilled over.
        raise RuntimeError(f"layout spilled onto {doc.pages_drawn} pages instead of {len(pages)}")
    return buffer.getvalue()


def pinned(main: list, bottom: list, slack: float) -> list:
    """One page's story with `bottom` pushed to the foot of the page."""
    return main + [Spacer(1, max(0.0, slack - 1.0))] + bottom
