"""The speed baseline: the handout page drawn by hand on a ReportLab canvas.

No YAML, validation, templates, markup or fitting: fixed positions, text
wrapped with simpleSplit, the same font files (loaded by ReportLab's own
TTFont, see bench/run.py) and the same cached, compressed pictures. It is
what the fastest hand-written generator of this page costs, so
bench/run.py can say how much handoutgen's pipeline adds on top.
"""

from __future__ import annotations

from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from handoutgen.rl.xobject import draw_encoded

MARGIN = 36
INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#3D3D3D")


class HandPlaced:
    def __init__(self, fonts, pictures: dict, primary: str, accent: str):
        self.regular, self.bold = fonts.regular, fonts.bold
        self.pictures = pictures  # name → images.Picture
        self.primary, self.accent = colors.HexColor(primary), colors.HexColor(accent)

    def page(self, page: dict, size: float = 14.0) -> bytes:
        """`page`: brand, title, patient, date, summary [str], exercises
        [{name, purpose, steps, say, short, image, note}], bullets, heading."""
        out = BytesIO()
        c = Canvas(out, pagesize=LETTER, invariant=1, initialFontName=self.regular)
        c.setTitle(page["title"])
        c.setAuthor(page["brand"]["clinic"])
        width, height = LETTER
        inner = width - 2 * MARGIN
        y = height - MARGIN
        brand = page["brand"]
        logo = self.pictures[brand["logo"]]
        draw_encoded(c, logo.encoded(58 / logo.aspect, 58), logo.digest[:16], MARGIN, y - 58, 58 / logo.aspect, 58)
        c.setFillColor(self.primary)
        c.setFont(self.bold, 20)
        c.drawString(MARGIN + 70, y - 24, brand["clinic"])
        c.setFillColor(MUTED)
        c.setFont(self.regular, 13)
        c.drawString(MARGIN + 70, y - 42, brand["tagline"])
        c.drawRightString(width - MARGIN, y - 18, "Questions? Call")
        c.setFillColor(self.primary)
        c.setFont(self.bold, 20)
        c.drawRightString(width - MARGIN, y - 42, brand["phone"])
        y -= 66
        c.setStrokeColor(self.primary)
        c.setLineWidth(3)
        c.line(MARGIN, y, width - MARGIN, y)
        c.setStrokeColor(self.accent)
        c.setLineWidth(1.5)
        c.line(MARGIN, y - 4, width - MARGIN, y - 4)
        y -= 34
        c.setFont(self.bold, size * 1.75)
        c.drawString(MARGIN, y, page["title"])
        y -= size * 1.8
        c.setFillColor(MUTED)
        c.setFont(self.regular, size)
        c.drawString(MARGIN, y, f"Patient: {page['patient']}    Date: {page['date']}")
        y = self.text(c, page["summary"], MARGIN, y - size * 1.5, inner, size)
        for number, ex in enumerate(page["exercises"], 1):
            y -= 12
            top = y
            c.setFillColor(self.primary)
            c.setFont(self.bold, size * 1.3)
            c.drawString(MARGIN + 10, y - size * 1.3, f"{number}. {ex['name']}")
            y -= size * 1.3 + 8
            pic = self.pictures[ex["image"]]
            w = 110
            draw_encoded(c, pic.encoded(w, w * pic.aspect), pic.digest[:16], width - MARGIN - 10 - w,
                         y - w * pic.aspect, w, w * pic.aspect)
            y = self.text(c, [ex["purpose"]], MARGIN + 10, y, inner - w - 30, size)
            y = min(y, top - size * 1.3 - 8 - w * pic.aspect) - 4
            for i, step in enumerate(ex["steps"], 1):
                c.setFillColor(self.primary)
                c.setFont(self.bold, size)
                c.drawString(MARGIN + 10, y - size, f"{i}.")
                y = self.text(c, [step], MARGIN + 30, y, inner - 40, size)
            c.setFillColor(colors.HexColor("#FBEADF"))
            c.rect(MARGIN + 10, y - 2.6 * size - 6, inner - 20, 2.6 * size + 4, stroke=0, fill=1)
            c.setFillColor(INK)
            c.setFont(self.bold, size)
            c.drawString(MARGIN + 16, y - size - 2, ex["say"])
            c.setFont(self.regular, size)
            c.drawString(MARGIN + 16, y - 2.2 * size - 2, ex["short"])
            y -= 2.6 * size + 8
            if ex.get("note"):
                y = self.text(c, ["Note: " + ex["note"]], MARGIN + 10, y, inner - 20, size)
            c.setStrokeColor(self.primary)
            c.setLineWidth(1.2)
            c.rect(MARGIN, y - 6, inner, top - y + 6, stroke=1, fill=0)
            y -= 6
        c.setFillColor(self.primary)
        c.setFont(self.bold, size * 1.3)
        c.drawString(MARGIN, y - size * 2, page["heading"])
        y -= size * 2.3
        for item in page["bullets"]:
            c.setFillColor(self.accent)
            c.circle(MARGIN + 6, y - size * 0.7, 2, stroke=0, fill=1)
            y = self.text(c, [item], MARGIN + 18, y, inner - 18, size)
        c.setFillColor(INK)
        c.setFont(self.bold, size)
        c.drawString(MARGIN + 8, MARGIN + 40, brand["safety"])
        c.setFont(self.regular, 12)
        c.drawCentredString(width / 2, MARGIN + 4, f"{brand['clinic']} · {brand['address']} · {brand['phone']}")
        c.showPage()
        c.save()
        return out.getvalue()

    def text(self, c: Canvas, paragraphs: list[str], x: float, y: float, width: float, size: float) -> float:
        c.setFillColor(INK)
        c.setFont(self.regular, size)
        for paragraph in paragraphs:
            for line in simpleSplit(paragraph, self.regular, size, width):
                y -= size * 1.22
                c.drawString(x, y, line)
            y -= 4
        return y
