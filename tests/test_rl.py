"""handoutgen.rl: ReportLab internals are used only with a checked ReportLab
version, and without them (plain ReportLab) every page prints the same."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
import reportlab
from PIL import ImageChops
from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

import handoutgen.rl
from handoutgen.flowables import Text
from handoutgen.rl import text as rltext

REPO = Path(__file__).resolve().parent.parent


def test_internals_are_used_only_with_a_tested_reportlab_version(monkeypatch):
    assert handoutgen.rl.FAST, "the installed ReportLab should be one the fast paths were checked with"
    monkeypatch.setattr(reportlab, "Version", "99.0.0")
    try:
        assert importlib.reload(handoutgen.rl).FAST is False
    finally:
        monkeypatch.undo()
        importlib.reload(handoutgen.rl)
    monkeypatch.setenv("HANDOUTGEN_PLAIN_REPORTLAB", "1")
    try:
        assert importlib.reload(handoutgen.rl).FAST is False
    finally:
        monkeypatch.undo()
        importlib.reload(handoutgen.rl)
    assert handoutgen.rl.FAST


def _render(out: Path, plain: bool, *args: str) -> None:
    env = dict(os.environ, HANDOUTGEN_PLAIN_REPORTLAB="1" if plain else "0")
    subprocess.run([sys.executable, "generate.py", "render", *args, "--date", "2026-01-01",
                    "--patient", "Zoë Ångström", "-o", str(out)], cwd=REPO, env=env, check=True,
                   capture_output=True)


def _letters(path: Path) -> list[tuple[str, tuple[float, ...]]]:
    pdf = pdfium.PdfDocument(path)
    out = []
    for page in pdf:
        text = page.get_textpage()
        for i in range(text.count_chars()):
            out.append((text.get_text_range(i, 1), text.get_charbox(i)))
    return out


@pytest.mark.parametrize("args", [("handouts/knee-arthritis-walking.yaml", "--kind", "both"),
                                  ("general-strengthening", "--root", "tests/programs", "--pages", "3")],
                         ids=["sample", "ten-exercise-program"])
def test_plain_reportlab_prints_every_letter_at_the_same_place(tmp_path, args):
    fast, plain = tmp_path / "fast.pdf", tmp_path / "plain.pdf"
    _render(fast, False, *args)
    _render(plain, True, *args)
    assert fast.read_bytes() != plain.read_bytes()  # the switch did change how it was drawn
    fast_letters, plain_letters = _letters(fast), _letters(plain)
    assert [c for c, _ in fast_letters] == [c for c, _ in plain_letters]
    worst = max(abs(a - b) for (_, one), (_, two) in zip(fast_letters, plain_letters, strict=True)
                for a, b in zip(one, two, strict=True))
    assert worst < 0.02, f"a letter moved by {worst:.3f} pt"
    # The check boxes: the same form fields, named and placed alike.
    assert _widgets(fast) == _widgets(plain)
    assert _widgets(fast) or "both" not in args
    # And the pictures, boxes and rules: the pages look the same (a few anti-aliased pixels apart).
    for one, two in zip(pdfium.PdfDocument(fast), pdfium.PdfDocument(plain), strict=True):
        a = one.render(scale=50 / 72).to_pil().convert("L")
        b = two.render(scale=50 / 72).to_pil().convert("L")
        differ = ImageChops.difference(a, b).point(lambda v: 255 if v > 24 else 0).histogram()[255]
        assert differ < 0.002 * a.width * a.height, f"{differ} pixels differ"


def _widgets(path: Path) -> list[tuple[str, tuple[float, ...], int]]:
    out = []
    for page in pypdf.PdfReader(path).pages:
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            out.append((str(annot["/T"]), tuple(round(float(v), 2) for v in annot["/Rect"]), int(annot["/F"])))
    return out


def _wrapped(**settings) -> Text:
    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))  # ReportLab's own TrueType font
    style = ParagraphStyle("t", fontName="Vera", fontSize=12, leading=14, **settings)
    para = Text("Lift your leg slowly and hold it", style)
    para.wrap(100, 500)
    return para


@pytest.mark.parametrize("settings", [dict(backColor=HexColor("#FFEEEE")), dict(textTransform="uppercase"),
                                      dict(underlineWidth="1"), dict(borderWidth=1),
                                      dict(endDots="."), dict(shaping=1)],
                         ids=lambda s: next(iter(s)))
def test_the_fast_drawing_refuses_any_setting_outside_its_whitelist(tmp_path, settings):
    canvas = Canvas(str(tmp_path / "x.pdf"))
    para = _wrapped(**settings)
    assert rltext.plain_lines(para) is None
    assert rltext.draw(para, canvas, 10, 10) is False


def test_the_fast_drawing_takes_the_settings_it_honours(tmp_path):
    canvas = Canvas(str(tmp_path / "x.pdf"))
    para = _wrapped(leftIndent=4, firstLineIndent=2, spaceBefore=3, textColor=HexColor("#224466"))
    assert rltext.plain_lines(para) is not None
    assert rltext.draw(para, canvas, 10, 10) is True
