"""Words the tool itself prints on a page (not the clinic's text): one place each,
in the page's language (handoutgen/i18n.py, docs/languages.md)."""

from __future__ import annotations

from handoutgen.i18n import gettext as _


def page_of(page: int, pages: int) -> str:
    return _("Page %(page)d of %(pages)d", page=page, pages=pages)


def page_of_first(pages: int) -> str:
    """The first page's foot, so a patient knows there is more."""
    if pages == 2:
        return _("Page 1 of %(pages)d · turn over for page 2", pages=pages)
    return _("Page 1 of %(pages)d · more on the next page", pages=pages)


def continued(heading: str) -> str:
    """The heading of a card's piece on the next page, e.g. "2. Tendon Gliding, continued"
    (`heading` is paragraph markup: the translation places it, never escapes it)."""
    return _("%(heading)s, continued", heading=heading)


def questions_call() -> str:
    """The label above the clinic's phone number in the header."""
    return _("Questions? Call")


def blank_side() -> str:
    return _("This side is blank on purpose: your exercise log starts on a sheet of its own.")


def __getattr__(name: str) -> str:
    # words.BLANK_SIDE, as before, but in the page's language.
    if name == "BLANK_SIDE":
        return blank_side()
    raise AttributeError(name)
