"""Draw an already-compressed picture (images.Encoded) on a ReportLab canvas.

ReportLab's own drawImage re-compresses the raw pixels in every document;
this registers the prepared stream instead. It mirrors what
Canvas.drawImage does with the document's XObject table, so it is used only
when handoutgen.rl.FAST says these internals were checked against the
installed ReportLab (else flowables.PictureBox calls drawImage).
"""

from __future__ import annotations

from functools import lru_cache

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFDocument, PDFName, PDFObject, PDFStream

from handoutgen.images import Encoded
from handoutgen.rl.preformatted import reusable_in

_PLAIN = PDFDocument(invariant=1)  # formats what refers to no other object the same for any PDF


class EncodedImageXObject(PDFObject):
    def __init__(self, encoded: Encoded):
        self.encoded = encoded

    def format(self, document):
        if reusable_in(document):
            return _formatted(self.encoded)  # refers to nothing else: the same bytes in every PDF
        return _format(self.encoded, document)


@lru_cache(maxsize=256)
def _formatted(encoded: Encoded) -> bytes:
    return _format(encoded, _PLAIN)


def _format(e: Encoded, document) -> bytes:
    stream = PDFStream(content=e.data, filters=())
    d = stream.dictionary
    d["Type"] = PDFName("XObject")
    d["Subtype"] = PDFName("Image")
    d["Width"] = e.width
    d["Height"] = e.height
    d["BitsPerComponent"] = e.bits
    if e.space == "Indexed":
        hival = len(e.palette) // 3 - 1
        d["ColorSpace"] = PDFArray([PDFName("Indexed"), PDFName("DeviceRGB"), hival,
                                    b"<" + e.palette.hex().encode() + b">"])
    else:
        d["ColorSpace"] = PDFName(e.space)
    d["Filter"] = PDFName(e.filter)
    if e.filter == "FlateDecode":
        d["DecodeParms"] = PDFDictionary({"Predictor": 15, "Colors": e.colors,
                                          "BitsPerComponent": e.bits, "Columns": e.width})
    return stream.format(document)


def draw_encoded(canv, encoded: Encoded, key: str, x: float, y: float, width: float, height: float) -> None:
    """Draw `encoded` into the box; `key` names it, so a page showing it twice stores it once."""
    name = f"img{key}x{encoded.width}x{encoded.height}"
    doc = canv._doc
    reg_name = doc.getXObjectName(name)
    if doc.idToObject.get(reg_name) is None:
        doc.addForm(name, EncodedImageXObject(encoded))
    canv._currentPageHasImages = 1
    canv.saveState()
    canv.translate(x, y)
    canv.scale(width, height)
    canv._code.append(f"/{reg_name} Do")
    canv.restoreState()
    canv._formsinuse.append(name)
