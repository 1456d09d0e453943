"""Stage 7: the page engine. Place a layout's blocks on up to N pages, or say
by how much they are over, in phases a module each:

collect (collect.py) → measure (measure.py) → distribute (distribute.py) →
fill (fill.py) → compose (compose.py); engine.py chooses the setting, from
the ladder of settings.py.
"""

from handoutgen.page.compose import Fitted, blank_page
from handoutgen.page.engine import DoesNotFit, fit_pages
from handoutgen.page.measure import TooTall
from handoutgen.page.settings import PICTURES, SIZES, SPACINGS, is_large, print_fit, sizes, text_floor

__all__ = ["PICTURES", "SIZES", "SPACINGS", "DoesNotFit", "Fitted", "TooTall", "blank_page", "fit_pages",
           "is_large", "print_fit", "sizes", "text_floor"]
