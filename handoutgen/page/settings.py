"""The settings the page engine searches, one definition each: body sizes
(the ladder down to each print size's floor), picture widths and spacing."""

from __future__ import annotations

from handoutgen.flowables import LARGE_MIN_TEXT_PT, MIN_TEXT_PT, Fit

STEPS = (2.0, 1.5, 1.0, 0.5, 0.0)  # body text above the floor, in half points, most readable first
# The widest a picture may print, pt, before the print size's scale (large print: 4/3 of it).
# 116 pt is 1.6 in; in large print the least, 108, prints 144 pt (2 in).
PICTURES = (90.0, 116.0, 140.0, 180.0, 250.0)
LARGE_PICTURES = (108.0, 140.0, 180.0, 250.0)
SPACINGS = (0.3, 0.6, 1.0)  # scale of gaps and padding: compact to normal


def text_floor(large: bool) -> float:
    """The smallest text of a print size (flowables: the one definition of each floor)."""
    return LARGE_MIN_TEXT_PT if large else MIN_TEXT_PT


def sizes(large: bool = False) -> tuple[float, ...]:
    """Body sizes the engine tries, most readable first: normal print 14 down to 12 pt, large 18 down to 16."""
    return tuple(text_floor(large) + step for step in STEPS)


def is_large(fit: Fit) -> bool:
    return fit.floor == LARGE_MIN_TEXT_PT


def print_fit(large: bool = False) -> Fit:
    """The setting a page of this print size starts from (the engine reads its floor)."""
    return Fit(body=sizes(large)[0], image=pictures(large)[0], floor=text_floor(large))


def pictures(large: bool) -> tuple[float, ...]:
    return LARGE_PICTURES if large else PICTURES


def fill_levels(large: bool, has_pictures: bool) -> tuple[tuple[float, float], ...]:
    """(picture width, spacing) from the least generous: pictures grow first, then
    spacing; only the spacings when there is no picture to grow."""
    widths = pictures(large)
    if not has_pictures:
        return tuple((widths[0], space) for space in SPACINGS)
    return tuple((image, SPACINGS[0]) for image in widths) + tuple((widths[-1], s) for s in SPACINGS[1:])


SIZES = sizes(False)  # normal print
