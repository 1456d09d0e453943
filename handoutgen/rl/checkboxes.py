"""Form check boxes for the checklist, made cheaply.

ReportLab's AcroForm.checkbox builds six appearance streams and a generic
dictionary of fifteen entries for every box, and formats each entry through
its general machinery: half the cost of a checklist page. Every box looks
the same, so the appearance streams are made once per process and the
style entries once per document (by ReportLab's own code, so they look
exactly as before), and each box's widget is written from a template with
only its name, place and page filled in.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO

from reportlab.lib.colors import Color
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.acroform import ZDSyms, bsPDF  # type: ignore[attr-defined]  # ZDSyms: not in the stubs
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFObject, PDFString
from reportlab.pdfgen.canvas import Canvas

from handoutgen import rl
from handoutgen.rl.preformatted import Frozen

STYLE = "check"
BORDER_WIDTH = 1.3


@lru_cache(maxsize=16)
def _appearance_streams(size: float, border: tuple, fill: tuple, text: tuple,
                        compression: int) -> dict[tuple[str, str], bytes]:
    """The six appearance streams of a box (colours as RGBA), as
    AcroForm.checkbox makes them, formatted once per process: they refer to
    no other object, so the same bytes serve every document."""
    scratch = Canvas(BytesIO(), invariant=1, pageCompression=compression)
    form, doc = scratch.acroForm, scratch._doc  # type: ignore[attr-defined]  # private: not in the stubs
    streams = {}
    for key in "NDR":  # normal, pressed ("down"), rollover
        t, b, f = form.varyColors(key, Color(*text), Color(*border), Color(*fill))
        for value in ("Yes", "Off"):
            # The stubs say int for borderWidth and size; ReportLab takes any number (as its checkbox does).
            stream = form.checkboxAP(key, value, buttonStyle=STYLE, shape="square", fillColor=f, borderColor=b,
                                     textColor=t, borderWidth=BORDER_WIDTH,  # type: ignore[arg-type]
                                     borderStyle="solid", size=size, dashLen=3)  # type: ignore[arg-type]
            streams[key, value] = stream.format(doc)
    return streams


class BoxStyle:
    """What every box of one document shares."""

    def __init__(self, canv, size: float, border, fill, text):
        form = canv.acroForm
        streams = _appearance_streams(size, border.rgba(), fill.rgba(), text.rgba(), canv._doc.compression)
        appearances = {key: PDFDictionary({value: form.getRef(Frozen(streams[key, value], ref_only=True))
                                           for value in ("Yes", "Off")})
                       for key in "NDR"}
        self.shared = PDFDictionary({
            "AP": PDFDictionary(appearances),
            "MK": PDFDictionary({"CA": f"({ZDSyms[STYLE]})", "BC": PDFArray(form.colorTuple(border)),
                                 "BG": PDFArray(form.colorTuple(fill))}),
            "BS": bsPDF(BORDER_WIDTH, "solid", 3),  # type: ignore[arg-type]  # stubs: int; any number works
        })
        self.size, self.border, self.fill = size, border, fill
        self._formatted: bytes | None = None

    def entries(self, document) -> bytes:
        """The shared entries as PDF bytes, formatted once (at save time)."""
        if self._formatted is None:
            whole = pdfdoc.format(self.shared, document)
            self._formatted = whole.strip()[2:-2].strip()  # without the << >>
        return self._formatted


class Widget(PDFObject):
    """One check box: a widget annotation that is also a form field."""

    def __init__(self, style: BoxStyle, name: str, rect: tuple, page_ref):
        self.style, self.name, self.rect, self.page_ref = style, name, rect, page_ref

    def format(self, document):
        return b"".join([
            b"<< /Type /Annot /Subtype /Widget /FT /Btn /F 4 /Ff 0 /H /N /V /Off /AS /Off /T ",
            PDFString(self.name).format(document),
            b" /Rect [", fp_str(*self.rect).encode(), b"] /P ", pdfdoc.format(self.page_ref, document),
            b" ", self.style.entries(document), b" >>"])


def style_for(canv, size: float, border, fill, text) -> BoxStyle:
    cache = canv.__dict__.setdefault("_handoutgen_box_styles", {})
    key = (size, border.rgba(), fill.rgba(), text.rgba())
    if key not in cache:
        cache[key] = BoxStyle(canv, size, border, fill, text)
    return cache[key]


def add_boxes(canv, style: BoxStyle, boxes: list[tuple[str, float, float]]) -> None:
    """Check boxes (name, x, y), lower left corners in the current coordinates."""
    half = BORDER_WIDTH / 2
    canv.saveState()
    canv.setLineWidth(BORDER_WIDTH)
    canv.setStrokeColor(style.border)
    canv.setFillColor(style.fill)
    for name, x, y in boxes:
        # Drawn on the page too, so it prints even where a viewer hides form fields.
        canv.rect(x + half, y + half, style.size - BORDER_WIDTH, style.size - BORDER_WIDTH, stroke=1, fill=1)
        ax, ay = canv.absolutePosition(x, y)
        widget = Widget(style, name, (ax, ay, ax + style.size, ay + style.size), canv._doc.thisPageRef())
        canv._addAnnotation(widget)
        canv.acroForm.fields.append(canv.acroForm.getRef(widget))
    canv.restoreState()


def draw_boxes(canv, size: float, border, fill, text, boxes: list[tuple[str, float, float]]) -> None:
    """Check boxes (name, x, y), lower left corners in the current coordinates: the fast
    widgets above when handoutgen.rl.FAST, else ReportLab's own acroForm.checkbox (the same
    widget, tests/test_checkboxes.py)."""
    if rl.FAST:
        add_boxes(canv, style_for(canv, size, border, fill, text), boxes)
        return
    half = BORDER_WIDTH / 2
    canv.saveState()
    canv.setLineWidth(BORDER_WIDTH)
    canv.setStrokeColor(border)
    canv.setFillColor(fill)
    for name, x, y in boxes:
        canv.rect(x + half, y + half, size - BORDER_WIDTH, size - BORDER_WIDTH, stroke=1, fill=1)
        ax, ay = canv.absolutePosition(x, y)
        canv.acroForm.checkbox(name=name, x=ax, y=ay, size=size, buttonStyle=STYLE, shape="square",
                               borderColor=border, fillColor=fill, textColor=text, borderWidth=BORDER_WIDTH,
                               borderStyle="solid", fieldFlags="", annotationFlags="print", forceBorder=False)
    canv.restoreState()
