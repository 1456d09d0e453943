"""The page's limits, one definition each: light to import (the command line and
the brand model read them before anything heavy is loaded)."""

MAX_PAGES = 4  # a handout is at most two sheets, printed front and back
LARGE_PRINT_MAX_PAGES = 2 * MAX_PAGES  # large print: each card is taller
MARGIN = 27.0  # pt, the default margins: 0.375 in; every office printer prints to 0.25 in (brand.yaml's margins: wins)
