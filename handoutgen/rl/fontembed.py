"""Embedding font subsets once per batch, not once per PDF.

ReportLab embeds, in every document, a subset of each TrueType font with
the glyphs the document uses: it cuts the subset out of the font, writes a
256-entry width table and a ToUnicode map, and compresses it all. That was
a third of the time of a handout. The subsets of two handouts are nearly
always the same (all of ASCII plus the few other letters used, in order of
first use), so the finished bytes of each part are kept, keyed by the exact
subset, and the next PDF with that subset reuses them. The bytes are the
ones ReportLab would have written: output is unchanged.

This overrides TTFont.addObjects, mirroring ReportLab 5.1.0; used only when handoutgen.rl.FAST (else fonts.py
uses plain TTFont).
"""

from __future__ import annotations

from collections import OrderedDict

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN, TTFont, makeToUnicodeCMap

from handoutgen.rl.preformatted import Frozen, reusable_in

CACHE_SIZE = 64  # subsets per font: a few KB of widths and ~20 KB of glyphs each


class SubsetCachingTTFont(TTFont):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._parts: OrderedDict[tuple, tuple[bytes, bytes, bytes]] = OrderedDict()

    def _subset_parts(self, doc, n: int, base_name: str, subset: list[int]):
        """The formatted bytes of (widths, ToUnicode stream, font file stream)."""
        key = (n, doc.compression, tuple(subset))
        parts = self._parts.get(key)
        if parts is not None:
            self._parts.move_to_end(key)
            return parts
        widths = pdfdoc.PDFArray(list(map(self.face.getCharWidth, subset)))
        cmap = pdfdoc.PDFStream()
        cmap.content = makeToUnicodeCMap(base_name, subset)
        font_file = pdfdoc.PDFStream()
        font_file.content = self.face.makeSubset(subset)
        font_file.dictionary["Length1"] = len(font_file.content)
        if doc.compression:
            cmap.filters = font_file.filters = [pdfdoc.PDFZCompress]
        parts = (widths.format(doc), cmap.format(doc), font_file.format(doc))
        self._parts[key] = parts
        if len(self._parts) > CACHE_SIZE:
            self._parts.popitem(last=False)
        return parts

    def addObjects(self, doc):
        if not reusable_in(doc):
            return super().addObjects(doc)
        try:
            state = self.state[doc]
        except KeyError:
            state = self.state[doc] = TTFont.State(self._asciiReadable)
        state.frozen = 1
        face = self.face
        for n, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            base_name = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            # Fresh wrappers each time: ReportLab marks an object with its document's name for it.
            widths, cmap, font_file = self._subset_parts(doc, n, base_name, subset)
            cmap, font_file = Frozen(cmap, ref_only=True), Frozen(font_file, ref_only=True)

            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {self.fontName} subset {n}"
            pdf_font.Name = internal_name
            pdf_font.BaseFont = base_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = Frozen(widths, ref_only=False)
            pdf_font.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base_name)
            font_file_ref = doc.Reference(font_file, f"fontFile:{face.filename}({base_name})")
            flags = (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC
            descriptor = pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight,
                "Descent": face.descent, "Flags": flags, "FontBBox": pdfdoc.PDFArray(face.bbox),
                "FontName": pdfdoc.PDFName(base_name), "ItalicAngle": face.italicAngle,
                "StemV": face.stemV, "FontFile2": font_file_ref, "MissingWidth": face.defaultWidth,
            })
            pdf_font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base_name)
            doc.Reference(pdf_font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font
        del self.state[doc]
