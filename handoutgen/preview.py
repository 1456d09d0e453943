"""A picture of the page, so staff see a change without a PDF viewer.

PDFium (pypdfium2) rasterises the PDF the pipeline made, in memory: the PNG
shows exactly what prints. Pages of a 2-page PDF are placed side by side.
"""

from __future__ import annotations

from io import BytesIO

DEFAULT_DPI = 100
GAP_PX = 24


def to_png(pdf: bytes, dpi: int = DEFAULT_DPI, fast: bool = False) -> tuple[bytes, tuple[int, int]]:
    """(PNG bytes, (width, height) in pixels). `fast` (the web page's live preview) spends
    a few more bytes to encode it in a fraction of the time."""
    import pypdfium2 as pdfium
    from PIL import Image

    document = pdfium.PdfDocument(pdf)
    document.init_forms()  # the checklist's tick boxes are form fields: draw them as a PDF app does
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            pages.append(page.render(scale=dpi / 72, may_draw_forms=True).to_pil().convert("RGB"))
            page.close()
    finally:
        document.close()
    if len(pages) == 1:
        sheet = pages[0]
    else:
        width = sum(p.width for p in pages) + GAP_PX * (len(pages) - 1)
        sheet = Image.new("RGB", (width, max(p.height for p in pages)), (200, 200, 200))
        x = 0
        for page in pages:
            sheet.paste(page, (x, 0))
            x += page.width + GAP_PX
    out = BytesIO()
    if fast:
        sheet.save(out, "PNG", compress_level=1)
    else:
        sheet.save(out, "PNG", optimize=True)
    return out.getvalue(), sheet.size


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, in reading order as PDFium finds it."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    texts = []
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range().replace("\r\n", "\n"))
            textpage.close()
            page.close()
    finally:
        document.close()
    return texts


def empty_bands(pdf: bytes, margin: float, dpi: int = 36) -> list[float]:
    """For each page, the tallest band across the page, inside the margins, with
    no ink at all, in pt: the room a layout leaves unused. A picture's frame
    counts as ink, its own white background too: that is picture, not room.
    (Down one half of the page, short lines of text would read as holes: the
    engine reports holes under a shorter column, Rendered.holes_pt.)"""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(pdf)
    document.init_forms()
    bands = []
    try:
        for index in range(len(document)):
            page = document[index]
            image = page.render(scale=dpi / 72, may_draw_forms=True, grayscale=True).to_pil().convert("L")
            height = page.get_height()
            scale = dpi / 72
            pictures = [(round((height - top) * scale), round((height - bottom) * scale))  # rows, from the top
                        for _, bottom, _, top in (o.get_bounds() for o in
                                                  page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4))]
            page.close()
            inset = round(margin * scale)
            frame = image.crop((inset, inset, image.width - inset, image.height - inset))
            tallest = run = 0
            for row in range(frame.height):
                # Nothing darker than near-white, and no picture's frame.
                empty = frame.crop((0, row, frame.width, row + 1)).getextrema()[0] >= 245
                if empty and not any(first <= row + inset < last for first, last in pictures):
                    run += 1
                    tallest = max(tallest, run)
                else:
                    run = 0
            bands.append(tallest * 72 / dpi)
    finally:
        document.close()
    return bands


def tallest_empty_band(pdf: bytes, margin: float, holes: tuple[float, ...] = (), dpi: int = 36) -> float:
    """The tallest empty band (empty_bands) of the pages before the last, where
    room left unused is paper lost; of a one-page PDF, of its page. `holes` are
    the engine's holes under a shorter column, page by page (Rendered.holes_pt):
    a scan across the page does not see them."""
    bands = empty_bands(pdf, margin, dpi)
    if holes:
        bands = [max(band, hole) for band, hole in zip(bands, holes, strict=True)]
    return max(bands[:-1] or bands)
