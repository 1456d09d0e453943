"""Stage 6: turn layout markup into ReportLab flowables.

Text reaches ReportLab only through `inline()`, which escapes it and marks
runs the fallback font must draw, so YAML text is never read as markup.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, HRFlowable, Paragraph

from handoutgen import checklist, i18n, rl, words
from handoutgen.boxes import Box, Columns, Line
from handoutgen.contrast import blend
from handoutgen.fonts import FALLBACK_NAME, FontSet
from handoutgen.images import Picture, VectorPicture, printable_image
from handoutgen.markup import MarkupError, Node
from handoutgen.memo import Recent
from handoutgen.rl import text as rltext
from handoutgen.rl.xobject import draw_encoded

T = TypeVar("T")

INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#3D3D3D")
CAUTION = colors.HexColor("#8A1C00")
MIN_TEXT_PT = 12.0  # pt: the floor; no text is ever printed smaller (page.settings.SIZES and the tests derive from it)
LARGE_MIN_TEXT_PT = 16.0  # pt: the floor in large print (page.settings.sizes(large=True) and the tests derive from it)
MIN_BLOCK_GAP = 6.0  # pt between two boxes, however tight the spacing: boxes never touch


def block_gap(units: float, space: float) -> float:
    """The gap between two blocks of the page: `units` pt at normal spacing, scaled, never under the floor."""
    return max(MIN_BLOCK_GAP, units * space)


@dataclass(frozen=True)
class Fit:
    """The settings of one layout trial; the page engine (handoutgen/page/) searches them."""

    body: float = 14.0  # body text size, pt
    image: float = 150.0  # widest a picture may print, pt (a card may cap it lower)
    space: float = 1.0  # scale for gaps and padding
    floor: float = MIN_TEXT_PT  # no text smaller, pt: LARGE_MIN_TEXT_PT in large print

    @property
    def scale(self) -> float:
        """How much larger than normal print (1 or 4/3): what pictures and the QR code grow by."""
        return self.floor / MIN_TEXT_PT


@dataclass
class Context:
    fonts: FontSet
    primary: colors.Color
    accent: colors.Color
    pictures: dict[str, Picture | VectorPicture]
    fit: Fit
    width: float  # frame width, pt


def _mix(color: colors.Color, amount: float) -> colors.Color:
    """`color` blended with white; amount 0 = white, 1 = color."""
    return colors.Color(*blend((color.red, color.green, color.blue), amount))


class Text(Paragraph):
    """A paragraph that breaks its lines once per width.

    Line breaking is the costliest step of a page. The fitter, the page and
    the boxes around a paragraph wrap it again and again at the same
    widths, and a batch prints the same exercise steps in many handouts, so
    paragraphs are shared (see `paragraph`) and remember each width's lines.
    """

    def __init__(self, markup: str, style: ParagraphStyle, bullet: str | None = None):
        super().__init__(markup, style, bulletText=bullet)
        self._by_width: dict[float, tuple] = {}

    def wrap(self, avail_width, avail_height):
        done = self._by_width.get(avail_width)
        if done is None:
            super().wrap(avail_width, avail_height)
            self._by_width[avail_width] = (self.blPara, self.height, self._wrapWidths)
        else:
            self.blPara, self.height, self._wrapWidths = done
            self.width = avail_width
        return self.width, self.height

    def drawOn(self, canvas, x, y, _sW=0):
        """Paragraphs in one font are written straight into the page (handoutgen.rl.text);
        anything else (bold words, fallback letters) is drawn by ReportLab."""
        if not (rl.FAST and rltext.draw(self, canvas, x, y, _sW)):
            super().drawOn(canvas, x, y, _sW)


TEXT_CACHE_SIZE = 4096
_TEXTS: Recent[Text] = Recent(TEXT_CACHE_SIZE)


def paragraph(markup: str, style: ParagraphStyle, bullet: str | None = None) -> Text:
    """The paragraph for this markup in this style, made once per process.

    Sharing is safe: a paragraph's lines depend only on markup, style and
    width, and each use wraps it (restoring that width's lines) just before
    it is drawn.
    """
    def make() -> Text:
        made = Text(markup, style, bullet)
        # Paragraphs whose styles differ only in the space around them break alike: one set of lines.
        made._by_width = _LINES.get((markup, bullet, _style_key(style, _SPACING)), dict)
        return made

    return _TEXTS.get((markup, bullet, _style_key(style)), make)


_INLINE: Recent[str] = Recent(TEXT_CACHE_SIZE)  # paragraph markup of a node's text, by content and fonts
_HEADERS: Recent[list] = Recent(64)  # the clinic header's flowables, by brand, style and width
_LINES: Recent[dict] = Recent(TEXT_CACHE_SIZE)  # each width's lines, by markup and wrapping style
_SPACING = frozenset({"spaceBefore", "spaceAfter"})  # settings that do not change how lines break


_SIZED: Recent[ParagraphStyle] = Recent(256)  # _fewest_lines' choices

_STYLE_IDS: dict[tuple, int] = {}


_PHONE = re.compile(r"[+(]?\d[\d ().\-/]{5,}\d")  # a run of digits and what separates a phone's groups


def keep_phones(text: str) -> str:
    """`text` with no-break spaces inside each phone number ("+34 952 771 408"): seven
    digits or more, so doses and dates ("3 sets of 10") break as usual."""
    def keep(match: re.Match) -> str:
        found = match.group(0)
        return found.replace(" ", "\xa0") if sum(c.isdigit() for c in found) >= 7 else found

    return _PHONE.sub(keep, text) if " " in text else text


def escape(text: str) -> str:
    """Text as paragraph markup: its own <, > and & are never read as tags."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _style_key(style: ParagraphStyle, ignore: frozenset = frozenset()) -> int:
    """A number per distinct style: equal styles made apart share it (and so their
    paragraphs). Settings in `ignore` are left out of the comparison."""
    # Kept with the id of its own style: a style made with parent= copies its parent's
    # __dict__, this cache included (ReportLab's PropertySet.refresh), and would take its
    # parent's key, and so its parent's paragraphs, whatever its own size.
    owner, cached = style.__dict__.get("_handoutgen_keys", (None, None))
    if owner != id(style) or cached is None:
        cached = {}
        style.__dict__["_handoutgen_keys"] = (id(style), cached)
    key = cached.get(ignore)
    if key is None:
        # Every setting: the standard ones and any other given (bulletColor has no default).
        names = set(ParagraphStyle.defaults) | {n for n in style.__dict__ if not n.startswith("_")}
        names -= {"name", "parent"} | ignore
        values = tuple((name, repr(getattr(style, name))) for name in sorted(names))
        key = cached[ignore] = _STYLE_IDS.setdefault(values, len(_STYLE_IDS))
    return key


@lru_cache(maxsize=64)
def _label_width(font: str, size: float, lang: str) -> float:
    """The widest "Page k of n" in `lang` (the page's language: the words differ): every page's
    running text then wraps alike (digits differ in width)."""
    return max(stringWidth(words.page_of(k, n), font, size) for n in range(1, 10) for k in range(1, n + 1))


QR_MAX_CHARS = 2213  # the longest link (in UTF-8 bytes) a QR code at level M holds (version 40)


def qr_problem(href: str) -> str | None:
    """Why `href` cannot be printed as a QR code, or None (for validating a video link early)."""
    size = len(href.encode("utf-8"))
    if size > QR_MAX_CHARS:
        return (f"the link is {size:,} characters, more than a QR code can hold ({QR_MAX_CHARS:,}); "
                "use a shorter link to the video (e.g. the video site's share link)")
    return None


@lru_cache(maxsize=256)
def _qr_code(href: str, size: float):
    """A QR code of `href`, `size` pt square: encoded once per process (it is costly).
    ValueError (with qr_problem's words) if the link is too long for a QR code."""
    from reportlab.graphics.barcode.qr import QrCodeWidget  # only for videos: keeps start-up fast
    from reportlab.graphics.shapes import Drawing

    problem = qr_problem(href)
    if problem is not None:
        raise ValueError(problem)
    try:
        widget = QrCodeWidget(href, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
    except Exception as exc:  # ReportLab raises a bare Exception on overflow
        raise ValueError("the link cannot be made into a QR code; use a shorter link to the video") from exc
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


class PictureBox(Flowable):
    """A picture at a fixed size, compressed once for that size."""

    def __init__(self, picture: Picture | VectorPicture, width: float, height: float):
        super().__init__()
        self.picture, self.width, self.height = picture, width, height

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        if isinstance(self.picture, VectorPicture):
            drawing = self.picture.drawing()
            self.canv.saveState()
            self.canv.scale(self.width / drawing.width, self.height / drawing.height)
            from reportlab.graphics import renderPDF  # only for SVG pictures: keeps start-up fast

            renderPDF.draw(drawing, self.canv, 0, 0)
            self.canv.restoreState()
            return
        if rl.FAST:
            encoded = self.picture.encoded(self.width, self.height)
            draw_encoded(self.canv, encoded, self.picture.digest[:16], 0, 0, self.width, self.height)
        else:
            from reportlab.lib.utils import ImageReader

            image = ImageReader(printable_image(self.picture, self.width, self.height))
            self.canv.drawImage(image, 0, 0, self.width, self.height)


def pictures(flowables) -> Iterator[PictureBox]:
    """The pictures inside these flowables (cards, boxes, columns)."""
    for f in flowables:
        if isinstance(f, PictureBox):
            yield f
        for inner in getattr(f, "content", None) or []:
            yield from pictures([inner])
        for _, cell in getattr(f, "cells", None) or []:
            if cell is not None:
                yield from pictures([cell])
        if isinstance(getattr(f, "flowable", None), Flowable):  # drawn taller (boxes.Spread)
            yield from pictures([f.flowable])


LOGO_SHARE = 0.3  # the most of the header's width the logo takes (LOGO_PT tall unless wider than this)
LOGO_PT = 40.0  # the logo's height in the header
CARD_PAD = 6.0  # pt inside a card at normal spacing (scaled, plus 2)
CARD_GAP = 8.0  # pt between two cards at normal spacing
MAX_PICTURE_PT = 180.0  # 2.5 in: taller pictures crowd out the words
MIN_PICTURE_PT = 54.0  # 0.75 in: a picture less tall is a strip, too thin to see
STEP_EMS = 12  # text beside a picture keeps at least this many ems: about five words a line
MIN_BESIDE_PT = 72.0  # a picture beside text is at least 1 in wide; where it would be less, it goes above
# The most of a card's inner width its picture may take, by where it sits: beside
# all the text, right of the first blocks (the text keeps over half), or above.
PICTURE_SHARE = {"beside": 0.42, "right": 0.46, "above": 1.0}

TITLE_SCALE = 1.5  # the title's size, times the body's (large print: less, the body being large already)
HEADING_SCALE = 1.15  # a card's or section's heading, times the body's


class Styles:
    def __init__(self, ctx: Context):
        b, r, bold = ctx.fit.body, ctx.fonts.regular, ctx.fonts.bold
        s, k = ctx.fit.space, ctx.fit.scale
        # In large print (k > 1) headings stand out by less, the body being large already:
        # the title stays on as few lines, headings stay clearly larger than the text.
        floor, title, heading = ctx.fit.floor, TITLE_SCALE / k ** 0.5, HEADING_SCALE / k ** 0.15

        def style(name, **kw):
            base = dict(fontName=r, fontSize=b, leading=b * 1.22, textColor=INK, alignment=TA_LEFT,
                        splitLongWords=1, allowWidows=1, allowOrphans=1)
            base.update(kw)
            return ParagraphStyle(name, **base)

        self.body = style("body", spaceBefore=4 * s)
        self.title = style("title", fontName=bold, fontSize=b * title, leading=b * (title + 0.15),
                           textColor=ctx.primary, spaceBefore=6 * s + 2, spaceAfter=0)
        self.heading = style("heading", fontName=bold, fontSize=b * heading, leading=b * (heading + 0.2),
                             textColor=ctx.primary)
        self.section_heading = style("section", fontName=bold, fontSize=b * heading, leading=b * (heading + 0.2),
                                     textColor=ctx.primary, spaceBefore=block_gap(10, s))
        self.say = style("say", fontName=bold)
        self.short = style("short", textColor=MUTED, spaceBefore=2 * s)
        self.caution = style("caution", textColor=CAUTION, spaceBefore=4 * s)
        self.item = style("item", spaceBefore=2 * s, leftIndent=b * 1.7, bulletIndent=b * 0.2,
                          bulletFontName=bold, bulletFontSize=b, bulletColor=ctx.primary)
        self.meta = style("meta", textColor=MUTED, spaceBefore=2 * s + 1)
        self.clinic = style("clinic", fontName=bold, fontSize=max(20, b * 1.4), leading=max(23, b * 1.6),
                            textColor=ctx.primary)
        self.tagline = style("tagline", fontSize=max(13, floor, b * 0.93),
                             leading=max(16, floor * 1.2, b * 1.15),
                             textColor=MUTED)
        self.phone = style("phone", fontName=bold, fontSize=max(20, b * 1.4), leading=max(23, b * 1.6),
                           textColor=ctx.primary, alignment=TA_RIGHT)
        self.phone_label = style("phonelabel", fontSize=max(13, floor, b * 0.93),
                                 leading=max(16, floor * 1.2, b * 1.15),
                                 textColor=MUTED, alignment=TA_RIGHT)
        self.safety = style("safety", fontName=bold)
        self.footer = style("footer", fontSize=max(floor, b * 0.9), leading=max(floor * 1.25, b * 1.1),
                            textColor=MUTED, alignment=TA_CENTER)
        self.caption_left = style("captionleft", fontSize=floor, leading=floor * 7 / 6, textColor=MUTED)
        small = max(floor, b * 0.9)
        self.running = style("running", fontSize=small, leading=small * 1.2, textColor=MUTED)
        self.running_page = style("runningpage", fontName=bold, fontSize=small, leading=small * 1.2,
                                  textColor=ctx.primary, alignment=TA_RIGHT)
        self._items: dict[float, ParagraphStyle] = {}

    def item_for(self, labels: list[str]) -> ParagraphStyle:
        """The items' style for a list with these numbers (or bullets): its hanging indent
        fits the widest, so the text of step 10 starts where step 9's does."""
        item = self.item
        widest = max(stringWidth(label, item.bulletFontName, item.bulletFontSize) for label in labels)
        indent = item.bulletIndent + widest + 0.6 * item.bulletFontSize  # what ReportLab keeps for a bullet
        if indent <= item.leftIndent:
            return item
        indent = math.ceil(indent * 4) / 4  # lists of 10 to 99 items alike, near enough (digits differ)
        made = self._items.get(indent)
        if made is None:
            made = self._items[indent] = ParagraphStyle(f"item{indent:g}", parent=item, leftIndent=indent)
        return made


_STYLES: dict[tuple, Styles] = {}


NAME_SHRINK = 0.8  # the clinic's name may print this much smaller to keep to one line


def _resized(style: ParagraphStyle, size: float) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}{size:g}", parent=style, fontSize=size,
                          leading=style.leading * size / style.fontSize)


def _fewest_lines(markup: str, style: ParagraphStyle, room: float, least: float, lines: int = 1) -> ParagraphStyle:
    """`style`, or the largest smaller size of it (in half points, not under `least`) at which
    the paragraph `markup` takes at most `lines` lines of `room` (if none does: `least`)."""
    def choose() -> ParagraphStyle:
        size = style.fontSize
        while True:
            sized = style if size == style.fontSize else _resized(style, size)
            height = Paragraph(markup, sized).wrap(room, 1e6)[1]
            if height <= lines * sized.leading + 0.01 or size - 0.5 < least:
                return sized
            size -= 0.5

    # Styles live as long as the process (styles_for): their ids name them.
    return _SIZED.get((markup, id(style), room, least, lines), choose)


def _one_line(text: str, style: ParagraphStyle, room: float, least: float) -> ParagraphStyle:
    """`style`, or a smaller size of it (in half points, not under `least`) at which `text`
    takes one line of `room`; if none does, `style` (the text wraps at its own size)."""
    size, font = style.fontSize, style.fontName
    while size - 0.5 >= least and stringWidth(text, font, size) > room:
        size -= 0.5
    if size == style.fontSize or stringWidth(text, font, size) > room:
        return style
    return _resized(style, size)


def _labels(node: Node) -> list[str]:
    """What hangs before each item of a <steps> (1., 2., …) or <bullets> (•)."""
    count = len(node.elements("item"))
    return [f"{n}." for n in range(1, count + 1)] if node.tag == "steps" else ["•"] * count


def styles_for(ctx: Context) -> Styles:
    """Styles depend on a few values only; making them once keeps each
    paragraph's style (and so its shared, already-broken lines) the same
    object from one fitting trial and one handout to the next."""
    key = (ctx.fonts.regular, ctx.fonts.bold, ctx.primary.hexval(), ctx.accent.hexval(),
           ctx.fit.body, ctx.fit.space, ctx.fit.floor)
    if key not in _STYLES:
        _STYLES[key] = Styles(ctx)
    return _STYLES[key]


class Renderer:
    def __init__(self, ctx: Context, memo: dict | None = None):
        self.ctx = ctx
        self.st = styles_for(ctx)
        # What a flowable looks like besides its markup, for the memos' keys (cards, headers,
        # placements): the styles (made once per process: fonts, colours, size, spacing) and the
        # page's language, whose words ("Questions? Call", "continued") no markup carries.
        self.style_id = (id(self.st), i18n.current())
        self.space = ctx.fit.space
        # Blocks already made for another fitting trial of this page: only
        # cards depend on the picture size and columns, the rest on size and spacing.
        self.memo = memo if memo is not None else {}

    # ---------------------------------------------------------------- text
    def inline(self, node: Node, bold: bool = False) -> str:
        """ReportLab paragraph markup for the text inside `node`.

        Remembered on the node: every fitting trial asks again, and the answer
        depends only on the node and the fonts, which are the same for the page."""
        cache = node.__dict__.setdefault("_inline", {})
        key = (bold, self.ctx.fonts.regular)
        made = cache.get(key)
        if made is None:
            # The same text (an exercise's steps, in many handouts of a batch) is marked up once.
            shared = (node.key(), bold, self.ctx.fonts.regular, self.ctx.fonts.bold)
            made = cache[key] = _INLINE.get(shared, lambda: self._inline(node, bold))
        return made

    def _inline(self, node: Node, bold: bool) -> str:
        out = []
        for child in node.children:
            if isinstance(child, str):
                out.append(self.text(child, bold))
            elif child.tag == "b":
                out.append(f"<b>{self.inline(child, bold=True)}</b>")
            else:
                raise MarkupError(child.line, f"<{child.tag}> cannot be used inside <{node.tag}>")
        return "".join(out).strip()

    def text(self, text: str, bold: bool = False) -> str:
        """Escaped text; letters the brand font lacks go to the fallback font; a phone
        number never breaks across lines."""
        out = []
        fallback_font = FALLBACK_NAME + ("-Bold" if bold else "")
        for fallback, segment in self.ctx.fonts.runs(keep_phones(text)):
            seg = escape(segment)
            out.append(f'<font name="{fallback_font}">{seg}</font>' if fallback else seg)
        return "".join(out)

    def para(self, node: Node, style: ParagraphStyle) -> Text:
        return paragraph(self.inline(node, bold=style.fontName == self.ctx.fonts.bold), style)

    # -------------------------------------------------------------- blocks
    def remembered(self, key: tuple, make: Callable[..., T], *args) -> T:
        made = self.memo.get(key)
        if made is None:
            made = self.memo[key] = make(*args)
        return made

    def block(self, node: Node) -> list[Flowable]:
        method = getattr(self, f"_{node.tag}", None)
        if method is None:
            raise MarkupError(node.line, f"<{node.tag}> cannot be used here")
        return method(node)

    def blocks(self, nodes: list[Node]) -> list[Flowable]:
        out: list[Flowable] = []
        for node in nodes:
            out.extend(self.block(node))
        return out

    def _header(self, node: Node) -> list[Flowable]:
        """The clinic's header: the same for every handout of a brand, so made once a
        process per style and width (it holds the brand's words only)."""
        logo = node.first("logo")
        picture = self.picture(logo.attrs.get("src"), logo).digest if logo is not None else None
        return _HEADERS.get((node.key(), self.style_id, self.ctx.width, picture), lambda: self._make_header(node))

    def _make_header(self, node: Node) -> list[Flowable]:
        logo = node.first("logo")
        right = [paragraph(words.questions_call(), self.st.phone_label)]
        right += [self.para(n, self.st.phone) for n in node.elements("phone")]
        # The phone's column as wide as the phone number needs, so the clinic's name has the rest.
        phone = max([stringWidth(n.text(), self.st.phone.fontName, self.st.phone.fontSize)
                     for n in node.elements("phone")] + [120.0])
        cells: list[tuple[float | None, Flowable | None]] = [(min(phone + 16, self.ctx.width * 0.45), Box(right))]
        if logo is not None:
            pic = self.picture(logo.attrs.get("src"), logo)
            height = LOGO_PT  # the header's words grow in large print; it is as tall as they are
            # A wide logo is shrunk to LOGO_SHARE of the width: the clinic's name keeps its room.
            width = min(height / pic.aspect, self.ctx.width * LOGO_SHARE)
            cells.insert(0, (width + 10, PictureBox(pic, width, width * pic.aspect)))
        # The name and the tagline each keep to one line of the room left if a smaller size allows:
        # the tagline gives way first (down to the smallest text), the name a little (NAME_SHRINK);
        # a name too long for one line takes two, as large as two allow.
        room = self.ctx.width - sum(w for w, _ in cells if w is not None)
        left = [self.para(n, self._clinic_style(n, room)
                          if n.tag == "clinic" else _one_line(n.text(), self.st.tagline, room, self.ctx.fit.floor))
                for n in node.elements() if n.tag in ("clinic", "tagline")]
        cells.insert(len(cells) - 1, (None, Box(left)))
        return [Box([Columns(cells, valign="middle")], (0, 0, 0, 4)),
                HRFlowable(width="100%", thickness=2.5, color=self.ctx.primary, spaceBefore=1, spaceAfter=0)]

    def _clinic_style(self, node: Node, room: float) -> ParagraphStyle:
        style = self.st.clinic
        one = _one_line(node.text(), style, room, style.fontSize * NAME_SHRINK)
        if stringWidth(node.text(), one.fontName, one.fontSize) <= room:
            return one
        return _fewest_lines(self.inline(node, bold=True), style, room, self.ctx.fit.floor, lines=2)

    def _title(self, node: Node) -> list[Flowable]:
        return [self.para(node, self.st.title)]

    def _meta(self, node: Node) -> list[Flowable]:
        parts = []
        for entry in node.elements("field"):
            label = escape(entry.attrs.get("label", ""))
            value = self.inline(entry, bold=True)
            # A label never ends a line: it stays with its value's first word.
            parts.append(f"{label}:&nbsp;<b>{value}</b>" if label else f"<b>{value}</b>")
        # One line, breaking only between the parts (each name's spaces are no-break ones).
        text = "&nbsp;&nbsp;&nbsp; ".join(parts)
        return [paragraph(text, self.st.meta)]

    def _p(self, node: Node) -> list[Flowable]:
        return [self.para(node, self.st.body)]

    def _heading(self, node: Node) -> list[Flowable]:
        return [self.para(node, self.st.heading)]

    def _steps(self, node: Node) -> list[Flowable]:
        return self.listing(node)

    def _bullets(self, node: Node) -> list[Flowable]:
        return self.listing(node)

    def listing(self, node: Node) -> list[Flowable]:
        """One paragraph an item, its number (<steps>) or bullet hanging in the margin, the
        text of every item at the same indent."""
        items = node.elements("item")
        if len(items) != len(node.elements()):
            raise MarkupError(node.line, f"<{node.tag}> may only contain <item> elements")
        labels = _labels(node)
        style = self.st.item_for(labels) if items else self.st.item
        return [paragraph(self.inline(item), style, label) for label, item in zip(labels, items, strict=True)]

    def _dose(self, node: Node) -> list[Flowable]:
        rows = [self.para(n, self.st.say if n.tag == "say" else self.st.short)
                for n in node.elements() if n.tag in ("say", "short")]
        return [Box(rows, (11, 4 * self.space + 1, 8, 5 * self.space + 1), background=_mix(self.ctx.accent, 0.13),
                    bar=Line(4, self.ctx.accent), hug=True, gap=2, before=6 * self.space)]

    def _video(self, node: Node) -> list[Flowable]:
        """A QR code of the link, with the caption and the address beside it.

        The address is printed, never made a clickable link."""
        href = node.attrs.get("href", "")
        if not href:
            raise MarkupError(node.line, "<video> needs an href")
        size = 64 * self.ctx.fit.scale
        try:
            drawing = _qr_code(href, size)
        except ValueError as exc:
            raise MarkupError(node.line, f"<video> cannot print its QR code: {exc}") from None
        words = [self.para(node, self.st.say), paragraph(self.text(href), self.st.caption_left)]
        return [Columns([(size + 8, drawing), (None, Box(words))], valign="middle", before=6 * self.space)]

    # ----------------------------------------------------------- checklist
    def _grid(self, node: Node) -> list[Flowable]:
        return checklist.grid(self, node)

    def _notes(self, node: Node) -> list[Flowable]:
        return checklist.notes(self, node)

    def _caution(self, node: Node) -> list[Flowable]:
        return [self.para(node, self.st.caution)]

    def _section(self, node: Node) -> list[Flowable]:
        flows = self.blocks(node.elements())
        if flows and isinstance(flows[0], Paragraph) and node.elements()[0].tag == "heading":
            flows[0] = self.para(node.elements()[0], self.st.section_heading)
        return flows

    def _safety(self, node: Node) -> list[Flowable]:
        return [Box([self.para(node, self.st.safety)], (10, 5 * self.space + 1, 10, 6 * self.space + 1),
                    background=_mix(self.ctx.accent, 0.08), border=Line(2, self.ctx.accent),
                    before=block_gap(8, self.space))]

    def _footer(self, node: Node) -> list[Flowable]:
        out: list[Flowable] = [HRFlowable(width="100%", thickness=1, color=self.ctx.primary,
                                          spaceBefore=block_gap(6, self.space), spaceAfter=2)]
        out += [self.para(line, self.st.footer) for line in node.elements("line")]
        return out

    # --------------------------------------------------------------- cards
    def picture(self, key: str | None, node: Node) -> Picture | VectorPicture:
        if key not in self.ctx.pictures:
            raise MarkupError(node.line, f'<{node.tag}> names a picture "{key}" that is not one of '
                                         "this handout's images")
        return self.ctx.pictures[key]

    def card(self, node: Node, width: float, mode: str = "beside", part: tuple[int, int] | None = None) -> Box:
        """An exercise card `width` wide, its picture placed as `mode` says:
        "beside" (a column of its own on the left), "rightN" (right of the
        first N blocks of text) or "above" (centred over the text).

        `part` makes a piece of a card taller than a page: its text blocks
        [start, end); a piece after the first repeats the heading, "continued",
        and has no picture."""
        s = self.space
        pad = CARD_PAD * s + 2
        continued = part is not None and part[0] > 0
        head = self.remembered((id(node), "head", continued, self.ctx.fit.body, s), self._card_head, node, continued)
        content = list(self.remembered((id(node), "body", self.ctx.fit.body, s), self._card_body, node))
        if part is not None:
            content = content[part[0]:part[1]]
        parts: list[Flowable] = list(head)
        image_key = None if continued else node.attrs.get("image")
        inner = width - 2 * pad
        top = 3 * s + 2
        # The boxes of text spread: drawn taller (a row's shorter column, a page's room left),
        # the gaps between the text blocks widen, never those inside the heading or the dose band.
        if not image_key:
            parts.append(Box(content, (pad, top, pad, pad), spread=True))
        elif mode == "beside":
            picture = self._picture_box(image_key, node, self._picture_room(node, inner, mode))
            parts.append(Columns([(picture.width + 2 * pad, Box([picture], (pad, top, 0, pad))),
                                  (None, Box(content, (pad, top, pad, pad), spread=True))]))
        elif mode.startswith("right") and content:
            # Right of the first few blocks (the purpose, the first steps); the rest below, full width.
            beside = int(mode[5:])
            picture = self._picture_box(image_key, node, self._picture_room(node, inner, mode))
            content = [Columns([(None, Box(content[:beside], spread=True)),
                                (picture.width + 8, Box([picture], (8, 0, 0, 0)))])] + content[beside:]
            parts.append(Box(content, (pad, top, pad, pad), spread=True))
        else:
            picture = self._picture_box(image_key, node, self._picture_room(node, inner, "above"))
            parts.append(Box([Box([picture], (pad, top, pad, 0), center=True),
                              Box(content, (pad, top, pad, pad), spread=True)], spread=True))
        return Box(parts, border=Line(1.2, _mix(self.ctx.primary, 0.45)), before=block_gap(CARD_GAP, s))

    def card_blocks(self, node: Node) -> int:
        """How many text blocks a card has (a piece of a card holds a run of them)."""
        return len(self.remembered((id(node), "body", self.ctx.fit.body, self.space), self._card_body, node))

    def _card_head(self, node: Node, continued: bool) -> list[Flowable]:
        """The card's title bar ("3. Heel Raises"; a later piece: "3. Heel Raises, continued")."""
        s = self.space
        pad = CARD_PAD * s + 2
        heading = node.first("heading")
        if heading is None:
            return []
        number = node.attrs.get("number")
        label = f"{escape(number)}. " if number else ""
        text = label + self.inline(heading, bold=True)
        if continued:
            text = words.continued(text)
        title = paragraph(text, self.st.heading)
        return [Box([title], (pad, 3 * s + 2, pad, 3 * s + 2), background=_mix(self.ctx.primary, 0.1))]

    def _card_body(self, node: Node) -> list[Flowable]:
        """The card's text blocks (purpose, each step, the dose, notes, cautions, video):
        the same in every placement and width."""
        return self.blocks([n for n in node.elements() if n.tag != "heading"])

    def card_modes(self, node: Node, wide: bool) -> tuple[str, ...]:
        """The ways this card's picture may be placed (one way without a picture):
        on a wide card in a column of its own or above the text; on a narrow one
        right of its first 1-4 blocks of text, or above it."""
        if not node.attrs.get("image"):
            return ("beside",)
        if wide:
            return ("beside", "above")
        blocks = sum(len(n.elements("item")) if n.tag in ("steps", "bullets") else 1
                     for n in node.elements() if n.tag != "heading")
        return tuple(f"right{k}" for k in range(1, min(4, blocks) + 1)) + ("above",)

    def picture_fits(self, node: Node, picture_width: float, mode: str) -> bool:
        """A picture printed less than MIN_PICTURE_PT tall (a wide, thin drawing in a
        narrow place) is a strip nobody can read: such a placement is not used."""
        key = node.attrs.get("image")
        if not key or mode == "above":
            return True
        k = self.ctx.fit.scale
        return (picture_width >= MIN_BESIDE_PT * k
                and picture_width * self.picture(key, node).aspect >= MIN_PICTURE_PT * k)

    def picture_width(self, node: Node, width: float, mode: str) -> float:
        """The width the card's picture prints at in `mode` (0 without a picture)."""
        key = node.attrs.get("image")
        if not key:
            return 0.0
        inner = width - 2 * (CARD_PAD * self.space + 2)
        return self._width_for(self.picture(key, node), self._picture_room(node, inner, mode))

    def _picture_room(self, node: Node, inner: float, mode: str) -> float:
        """The most a picture may take of a card's inner width. Beside text it leaves
        it STEP_EMS letters' room (and steps their indent), or its lines would hold
        two words each."""
        room = inner * PICTURE_SHARE[mode.rstrip("0123456789")]
        if mode.startswith("right"):
            body = [n for n in node.elements() if n.tag != "heading"]
            paragraphs = next((k for k, n in enumerate(body) if n.tag != "p"), len(body))
            indent = 0.0
            if int(mode[5:]) > paragraphs:
                indent = max([self.st.item.leftIndent] + [self.st.item_for(_labels(n)).leftIndent
                                                          for n in body if n.tag in ("steps", "bullets")])
            room = min(room, inner - 8 - indent - STEP_EMS * self.ctx.fit.body)
        return room

    def _width_for(self, pic: Picture | VectorPicture, room: float) -> float:
        # At least as wide as makes it MIN_PICTURE_PT tall (a wide, thin drawing), room allowing.
        k = self.ctx.fit.scale  # large print: pictures as much larger as the text
        wanted = max(self.ctx.fit.image * k, MIN_PICTURE_PT * k / pic.aspect)
        return float(int(min(wanted, room, MAX_PICTURE_PT * k / pic.aspect)))

    def _picture_box(self, key: str, node: Node, room: float) -> PictureBox:
        """The picture at this trial's width, no wider than `room` nor taller than MAX_PICTURE_PT."""
        pic = self.picture(key, node)
        width = self._width_for(pic, room)
        return PictureBox(pic, width, width * pic.aspect)

    def running(self, node: Node | None, page: Node, label: str) -> list[Flowable]:
        """The one-line header of pages after the first: the layout's <running> text
        on the left (a layout without one: the clinic and its phone, so every page
        still has the phone), `label` ("Page 2 of 2") on the right. Its text prints
        smaller, down to the floor, to keep to one line."""
        if node is not None:
            text = self.inline(node)
        else:
            header = page.first("header")
            sources = [n for n in (header.elements() if header is not None else []) if n.tag in ("clinic", "phone")]
            text = " · ".join(self.inline(n) for n in sources)
        width = _label_width(self.st.running_page.fontName, self.st.running_page.fontSize, i18n.current()) + 12
        style = _fewest_lines(text, self.st.running, self.ctx.width - width, self.ctx.fit.floor)
        right = paragraph(escape(label), self.st.running_page)
        return [Columns([(None, paragraph(text, style)), (width, right)]),
                HRFlowable(width="100%", thickness=1.5, color=self.ctx.primary, spaceBefore=2, spaceAfter=0)]

    def page_line(self, label: str) -> Flowable:
        return paragraph(escape(label), self.st.footer)
