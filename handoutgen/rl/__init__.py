"""Every use of ReportLab's private internals, in one place.

For speed, handoutgen writes some of what ReportLab would write itself:
paragraph text operators (rl/text.py), picture XObjects (rl/xobject.py),
font subsets made once per batch (rl/fontembed.py) and check-box widgets
(rl/checkboxes.py). That needs ReportLab internals — `canvas._code`,
`canvas._escape`, `canvas._doc`, `canvas._extgstate`, `canvas._formsinuse`,
`canvas._addAnnotation`, `TTFont.State`, `TTFont._asciiReadable`,
`acroform.ZDSyms` and the pdfdoc object classes — which may change in any
release. They are used only with the ReportLab versions in TESTED, where
tests/test_rl.py and tests/test_text_drawing.py compare every fast path
with ReportLab's own output. With any other version (or with
HANDOUTGEN_PLAIN_REPORTLAB=1), FAST is False and every caller uses plain
ReportLab: slower, the same page.
"""

from __future__ import annotations

import os

import reportlab

TESTED = ("5.1.0",)  # ReportLab versions whose internals the fast paths were checked against

FAST = reportlab.Version in TESTED and os.environ.get("HANDOUTGEN_PLAIN_REPORTLAB", "") in ("", "0")
