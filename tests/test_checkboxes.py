"""The checklist's tick boxes, which handoutgen writes itself for speed
(handoutgen/rl/checkboxes.py), are the boxes ReportLab's own
`canvas.acroForm.checkbox` makes with the same options — every key and
value of the widget, its appearance streams included — and a ticked box
prints."""

from __future__ import annotations

import io

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest
from PIL import ImageChops
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject
from reportlab.pdfgen.canvas import Canvas

from conftest import REPO, SAMPLE, check_pdf, run
from handoutgen import checklist

BOX = "ex1-day03-s1"  # a box of the sample's checklist


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    """The sample's checklist, and the options its boxes were asked for."""
    boxes_module = checklist.checkboxes
    asked = []
    original = boxes_module.style_for

    def style_for(canv, size, border, fill, text):
        asked.append((size, border, fill, text))
        return original(canv, size, border, fill, text)

    out = tmp_path_factory.mktemp("boxes") / "c.pdf"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(boxes_module, "style_for", style_for)
        result = run("render", SAMPLE, "-o", str(out), "--kind", "checklist", "--date", "2026-12-01",
                     root=REPO)
    assert result.exit_code == 0, result.output
    check_pdf(out)
    assert asked, "the checklist asked for no check boxes"
    assert len({a[0] for a in asked}) == 1 and len({tuple(c.rgba() for c in a[1:]) for a in asked}) == 1, asked
    size, border, fill, text = asked[0]
    return {"pdf": out.read_bytes(), "size": size, "border": border, "fill": fill, "text": text,
            "border_width": boxes_module.BORDER_WIDTH}


def _widgets(reader: pypdf.PdfReader) -> list[DictionaryObject]:
    return [a.get_object() for page in reader.pages for a in page.get("/Annots") or []
            if a.get_object().get("/FT") == "/Btn"]


def _plain(value, page_refs: dict) -> object:
    """A PDF value as plain Python, object numbers left out: a page reference
    becomes its page number, a stream its dictionary (without /Length and
    /Filter) and decoded bytes, a number is rounded to 3 decimals."""
    if isinstance(value, IndirectObject):
        if value.idnum in page_refs:
            return ("page", page_refs[value.idnum])
        return _plain(value.get_object(), page_refs)
    if isinstance(value, StreamObject):
        head = {k: _plain(v, page_refs) for k, v in value.items() if k not in ("/Length", "/Filter")}
        return {"stream": head, "data": value.get_data()}
    if isinstance(value, dict):
        return {k: _plain(v, page_refs) for k, v in value.items()}
    if isinstance(value, (list, ArrayObject)):
        return [_plain(v, page_refs) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(float(value), 3)
    return str(value)


def _described(reader: pypdf.PdfReader, widget) -> dict:
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages, 1)}
    return _plain(widget, pages)


def _reference(rendered: dict, name: str, rect, pagesize) -> dict:
    """The widget ReportLab's own AcroForm.checkbox makes at the same place with the same options."""
    canvas = Canvas(io.BytesIO(), pagesize=pagesize, invariant=1)
    canvas.acroForm.checkbox(name=name, x=float(rect[0]), y=float(rect[1]), size=rendered["size"],
                             buttonStyle="check", shape="square", borderColor=rendered["border"],
                             fillColor=rendered["fill"], textColor=rendered["text"],
                             borderWidth=rendered["border_width"], borderStyle="solid",
                             fieldFlags="", annotationFlags="print", forceBorder=False)
    canvas.showPage()
    canvas.save()
    reader = pypdf.PdfReader(io.BytesIO(canvas.getpdfdata()))
    (widget,) = _widgets(reader)
    return _described(reader, widget)


def test_every_box_is_the_box_reportlab_makes(rendered):
    reader = pypdf.PdfReader(io.BytesIO(rendered["pdf"]), strict=True)
    widgets = _widgets(reader)
    assert len(widgets) == 28
    for widget in widgets:
        page = next(p for p in reader.pages if any(a.get_object() is widget for a in p["/Annots"]))
        ours = _described(reader, widget)
        theirs = _reference(rendered, str(widget["/T"]), widget["/Rect"], (float(page.mediabox.width),
                                                                           float(page.mediabox.height)))
        theirs["/P"] = ours["/P"]  # both the page the box is on (checked below)
        differ = {key: (ours.get(key, "(missing)"), theirs.get(key, "(missing)"))
                  for key in ours.keys() | theirs.keys() if ours.get(key) != theirs.get(key)}
        assert not differ, f"box {widget['/T']}: key: (ours, ReportLab's): {differ}"
    # The things a viewer or a printer relies on, spelled out.
    first = _described(reader, widgets[0])
    assert first["/F"] == 4.0  # print
    assert first["/FT"] == "/Btn" and first["/V"] == first["/AS"] == "/Off"
    assert first["/MK"]["/CA"] == "4"  # ZapfDingbats' check mark
    assert set(first["/AP"]) == {"/N", "/D", "/R"}
    assert all(set(first["/AP"][key]) == {"/Yes", "/Off"} for key in "/N /D /R".split())
    assert first["/P"] == ("page", 1)
    fields = reader.trailer["/Root"]["/AcroForm"]["/Fields"]
    assert sorted(f.get_object()["/T"] for f in fields) == sorted(w["/T"] for w in widgets)


def _with_box(pdf: bytes, name: str, state: str | None = None, drop: str | None = None) -> tuple[bytes, list]:
    """The PDF with one box set to `state` (its /V and /AS, as a PDF app does)
    or with one of its keys removed; and the box's rectangle."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    rect = None
    for annot in writer.pages[0]["/Annots"]:
        annot = annot.get_object()
        if annot.get("/T") == name:
            rect = [float(v) for v in annot["/Rect"]]
            if state:
                annot[NameObject("/V")] = annot[NameObject("/AS")] = NameObject(state)
            if drop:
                del annot[drop]
    assert rect is not None, name
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), rect


SCALE = 3


def _printed(pdf: bytes, rect):
    """The box as printed: form fields flattened the way PDFium does for
    printing (only annotations with the print flag), then rasterised."""
    document = pdfium.PdfDocument(pdf)
    document.init_forms()
    page = document[0]
    assert page.flatten(flag=raw.FLAT_PRINT) in (raw.FLATTEN_SUCCESS, raw.FLATTEN_NOTHINGTODO)
    page.close()
    flat = io.BytesIO()
    document.save(flat)
    document.close()
    document = pdfium.PdfDocument(flat.getvalue())
    image = document[0].render(scale=SCALE, may_draw_forms=False).to_pil().convert("L")
    document.close()
    x0, y0, x1, y1 = (v * SCALE for v in rect)
    return image.crop((round(x0), round(image.height - y1), round(x1), round(image.height - y0)))


def _dark(image) -> int:
    return sum(image.point(lambda v: 255 if v < 128 else 0).histogram()[255:])


def test_a_ticked_box_prints_its_tick(rendered):
    off, rect = _with_box(rendered["pdf"], BOX)
    on, _ = _with_box(rendered["pdf"], BOX, "/Yes")
    before, after = _printed(off, rect), _printed(on, rect)
    assert ImageChops.difference(before, after).getbbox() is not None, "a ticked box prints no tick"
    assert _dark(after) > _dark(before) + 20  # dark pixels of a check mark, inside the box
    # The box itself prints ticked or not (drawn on the page too).
    assert _dark(before) > 0


def test_the_print_check_would_notice_a_box_without_the_print_flag(rendered):
    """The test above relies on PDFium leaving out, when printing, the
    boxes that lack the print flag: a box without /F prints no tick."""
    off, rect = _with_box(rendered["pdf"], BOX, drop="/F")
    on, _ = _with_box(rendered["pdf"], BOX, "/Yes", drop="/F")
    assert ImageChops.difference(_printed(off, rect), _printed(on, rect)).getbbox() is None
