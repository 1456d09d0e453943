"""PDF objects whose bytes were formatted once and are reused in every PDF.

Only for objects that refer to no other object: their bytes are then the
same in every document (object numbers are the only per-document part).
"""

from __future__ import annotations

from reportlab.pdfbase import pdfdoc


def reusable_in(document) -> bool:
    """True when bytes formatted for one PDF serve in `document` too: it is not encrypted."""
    return isinstance(document.encrypt, pdfdoc.NoEncryption)


class Frozen(pdfdoc.PDFObject):
    """Bytes formatted before. Make a new one for each document: ReportLab
    marks an object with the name its document gave it."""

    def __init__(self, data: bytes, ref_only: bool):
        self.data = data
        if ref_only:
            self.__RefOnly__ = 1  # a stream: only ever referenced, never inline

    def format(self, document):
        return self.data
