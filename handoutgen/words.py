"""Words the tool itself prints on a page (not the clinic's text): one place each."""

from __future__ import annotations


def page_of(page: int, pages: int) -> str:
    return f"Page {page} of {pages}"


def page_of_first(pages: int) -> str:
    """The first page's foot, so a patient knows there is more."""
    return f"Page 1 of {pages} · turn over for page 2" if pages == 2 else f"Page 1 of {pages} · more on the next page"


BLANK_SIDE = "This side is blank on purpose: your exercise log starts on a sheet of its own."
