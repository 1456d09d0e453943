"""Stage 4c: pictures.

Each file is decoded once, checked, turned upright and flattened onto white.
For every size it is printed at, it is scaled to at most 300 dpi and
compressed once (PNG-predicted Flate for drawings, JPEG for photos); the
result is kept in memory and in the cache folder, keyed by the file's
content hash and the versions of the libraries that made it, so a batch,
and the next run, reuse it without decoding. What is read back from the
cache is verified (cache.load); a cache that cannot be written costs time.

Picture files are read under the one rule of readsafe.py (inside the
allowed folders, a regular file, size bounded). Pillow's own settings are
never changed: the size of a picture is read from its header and checked
before Pillow decodes it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import struct
import warnings
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import NoReturn

from handoutgen import cache
from handoutgen.errors import HandoutError, Problem
from handoutgen.readsafe import Refused, inside, read_inside

MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_ASPECT = 20  # a picture longer than this many times its width prints as a strip nobody can see
MAX_SVG_NUMBER = 1_000_000  # no drawing needs a size or coordinate beyond this (PDF numbers end near 1e20)
MAX_FILE_BYTES = 50_000_000
MAX_SVG_BYTES = 2_000_000
MAX_DPI = 300
JPEG_QUALITY = 85
MAX_SHADE_ERROR = 8  # of 255: below what the eye sees on paper
ENCODER = "v3"  # bump when the encoding changes, so old cache entries are not used


@dataclass(frozen=True)
class Encoded:
    """A picture ready to be a PDF image XObject."""

    width: int
    height: int
    bits: int  # per component
    colors: int  # components per pixel in the stream (1 for palette and grey)
    space: str  # DeviceGray, DeviceRGB or Indexed
    filter: str  # FlateDecode (with PNG predictors) or DCTDecode
    palette: bytes  # RGB triplets when space is Indexed
    data: bytes

    def to_bytes(self) -> bytes:
        head = {"width": self.width, "height": self.height, "bits": self.bits, "colors": self.colors,
                "space": self.space, "filter": self.filter, "palette": self.palette.hex()}
        return json.dumps(head).encode() + b"\n" + self.data

    @classmethod
    def from_bytes(cls, blob: bytes) -> Encoded:
        head, _, data = blob.partition(b"\n")
        fields = json.loads(head)
        fields["palette"] = bytes.fromhex(fields["palette"])
        return cls(data=data, **fields)


@dataclass(frozen=True)
class Picture:
    """A checked picture file: its content hash and upright size."""

    path: Path
    digest: str
    width_px: int
    height_px: int
    photo: bool  # a JPEG: keep it a JPEG
    shown: str = ""  # how messages name the file
    roots: tuple[Path, ...] = ()  # the folders it may be read from (readsafe)

    @property
    def aspect(self) -> float:
        return self.height_px / self.width_px

    def encoded(self, width_pt: float, height_pt: float) -> Encoded:
        """The picture compressed for printing at width_pt × height_pt."""
        scale = min(1.0, width_pt * MAX_DPI / 72 / self.width_px, height_pt * MAX_DPI / 72 / self.height_px)
        size = (max(1, math.ceil(self.width_px * scale)), max(1, math.ceil(self.height_px * scale)))
        return _encoded(self, size)


@dataclass(frozen=True)
class VectorPicture:
    """An SVG picture (a logo, usually): drawn as vectors, sharp at any size."""

    path: Path
    digest: str
    width_pt: float
    height_pt: float
    data: bytes = field(default=b"", repr=False, compare=False)  # the checked file, as read

    @property
    def aspect(self) -> float:
        return self.height_pt / self.width_pt

    def drawing(self):
        return _svg_drawing(self.path, self.digest, self.data)


def load_picture(path: Path, shown: str, roots=None) -> Picture | VectorPicture:
    """Check a picture file, without decoding it again if it was seen before.

    The file is read only under readsafe's rule: inside one of `roots` (the
    clinic folder; by default the picture's own folder), a regular file,
    size bounded."""
    allowed = tuple(Path(r) for r in roots) if roots else (Path(path).absolute().parent,)
    # The file seen before (same place, time and size) is not checked again: the rule is
    # applied whenever the file is read (read_inside), and a cached check reads nothing.
    try:
        stat = os.stat(path)
    except OSError:
        try:
            inside(path, allowed)  # says why: a loop of links, a link to nothing, …
        except Refused as exc:
            _fail(shown, exc.message)
        _fail(shown, "cannot be opened")
    if Path(path).suffix.lower() == ".svg":
        return _load_svg(Path(path), stat.st_mtime_ns, stat.st_size, shown, allowed)
    return _load(Path(path), stat.st_mtime_ns, stat.st_size, shown, allowed)


def _read(path: Path, roots: tuple[Path, ...], limit: int, shown: str) -> bytes:
    try:
        return read_inside(path, roots, limit)
    except Refused as exc:
        _fail(shown, exc.message)


@lru_cache(maxsize=64)
def _load_svg(path: Path, _mtime: int, size: int, shown: str, roots: tuple[Path, ...]) -> VectorPicture:
    if size > MAX_SVG_BYTES:
        _fail(shown, f"is {size // 1000} KB, too large for a logo drawing; simplify it or save it as PNG")
    data = _read(path, roots, MAX_SVG_BYTES, shown)
    check_svg(data, shown)
    digest = hashlib.sha256(data).hexdigest()
    drawing = _svg_drawing(path, digest, data, shown)
    width, height = float(drawing.width), float(drawing.height)
    _check_shape(shown, width, height, "pt")
    return VectorPicture(path, digest, width, height, data)


@lru_cache(maxsize=16)
def _svg_drawing(path: Path, digest: str, data: bytes, shown: str = ""):
    from svglib.svglib import svg2rlg  # only when a clinic uses SVG

    try:
        drawing = svg2rlg(BytesIO(data), resolve_entities=False, external_reference_root=str(path.parent))
    except Exception as exc:  # svglib raises many kinds on broken files
        _fail(shown, f"cannot be read as an SVG drawing ({exc.__class__.__name__}); re-save it, or use PNG")
    size = (drawing.width, drawing.height) if drawing is not None else (0, 0)
    if not all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in size):
        _fail(shown, "cannot be read as an SVG drawing (no size or no content); give the <svg> a width "
                     "and height or a viewBox, or save it as PNG")
    return drawing


def _check_shape(shown: str, width: float, height: float, unit: str) -> None:
    """Refuse a picture too thin to print at a size anyone can see."""
    long, short = max(width, height), min(width, height)
    if short <= 0 or long / short > MAX_ASPECT:
        size = f"{width:g}×{height:g} {unit}" if unit != "pixels" else f"{int(width)}×{int(height)} pixels"
        way = ("tall", "wide") if height > width else ("wide", "tall")
        ratio = f"{long / short:,.0f} times as {way[0]} as it is {way[1]}" if short > 0 else "of no size"
        _fail(shown, f"is {size}: a strip {ratio}, too thin to print at a size anyone can see; "
                     f"crop it (or draw it) at most {MAX_ASPECT} times as {way[0]} as it is {way[1]}")


_SVG_REFUSED = {"image", "foreignObject", "script", "iframe", "video", "audio"}
# How much drawing an SVG may ask for. svglib takes about a third of a millisecond per
# element each time a process reads the file (60,000 shapes: 24 s and more for every
# render), and stops copying <use>s after 10,000 (svglib.MAX_USE_EXPANSIONS), printing
# the rest of the drawing without them. A logo or an exercise drawing needs far less.
MAX_SVG_ELEMENTS = 5_000  # shapes, groups and the like, each copy a <use> makes counted
MAX_SVG_USES = 2_000  # copies made by <use>, those inside copied parts counted too
MAX_SVG_PATH_DATA = 500_000  # characters of path data (d=, points=), each copy counted
_PATH_DATA = {"d", "points"}
_HUGE = 10 ** 12  # counts stop growing here (<use>s of <use>s grow them exponentially)


class _Forbidden(Exception):
    """A DOCTYPE, an entity or a notation declaration, met while parsing."""


def check_svg(data: bytes, shown: str) -> None:
    """Refuse anything in an SVG that could reach outside the file (a DOCTYPE or
    entity declaration anywhere in it, embedded or linked pictures, scripts, links to
    other files), numbers that cannot be drawn, and more drawing than a page needs
    (MAX_SVG_ELEMENTS, MAX_SVG_USES, MAX_SVG_PATH_DATA).

    The whole file is read by one XML parser (expat) that refuses any DTD the moment it
    starts (as defusedxml's forbid_dtd does), so nothing is declared or expanded, wherever
    in the file it is; svglib only sees a file that has passed."""
    from xml.parsers import expat

    svg = _SvgScan()
    parser = expat.ParserCreate(namespace_separator="}")

    def forbidden(*_args) -> NoReturn:
        raise _Forbidden

    parser.StartDoctypeDeclHandler = forbidden
    parser.EntityDeclHandler = forbidden
    parser.UnparsedEntityDeclHandler = forbidden
    parser.NotationDeclHandler = forbidden
    parser.ExternalEntityRefHandler = forbidden
    parser.StartElementHandler = lambda tag, attrs: svg.start(tag, attrs, parser.CurrentLineNumber)
    parser.EndElementHandler = svg.end
    parser.CharacterDataHandler = svg.chars
    try:
        parser.Parse(data, True)
    except _Forbidden:
        _fail(shown, "has a DOCTYPE or entity declarations, which are not allowed in pictures; "
                     "export it again as plain SVG")
    except expat.ExpatError as exc:
        _fail(shown, f"cannot be read as an SVG drawing (line {exc.lineno}: not well-formed XML)")
    if svg.root_tag != "svg":
        _fail(shown, "is not an SVG drawing (its first element is not <svg>)")
    if svg.refused:
        _fail(shown, svg.refused)
    if svg.numbers:
        raise HandoutError([Problem(shown, line, "", f'{name} "{_clip(value)}" {why}; export the drawing again '
                                                     "with ordinary sizes (or save it as PNG)")
                            for line, name, value, why in svg.numbers[:10]])
    problems = svg.complexity(shown)
    if problems:
        raise HandoutError(problems)


# Attributes that name things rather than measure them: their digits are not numbers.
_SVG_NAMES = {"id", "class", "href", "font-family", "xmlns", "version", "baseProfile", "lang", "name"}
_NOT_FINITE = re.compile(r"(?<![A-Za-z])(?:inf(?:inity)?|nan)(?![A-Za-z])", re.IGNORECASE)
_SVG_NUMBER = re.compile(r"(?<![\d.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SVG_NOT_NUMBERS = re.compile(r"#[0-9A-Za-z_-]+|url\([^)]*\)")  # colours and references


class _SvgScan:
    """What check_svg learns from the parser's events, in one pass over the file:
    the first thing refused, numbers that cannot be drawn (inf, nan, beyond
    MAX_SVG_NUMBER: 1e308 overflows the PDF's numbers; each with its line), and the
    tree of elements with their ids, <use> targets and path data, to count the drawing
    as svglib will make it."""

    def __init__(self) -> None:
        self.root_tag: str | None = None
        self.refused = ""
        self.numbers: list[tuple[int, str, str, str]] = []  # (line, attribute, value, why)
        self.parents: list[int] = []  # of each element, -1 for the root
        self.path_data: list[int] = []  # characters of d= and points= of each element
        self.targets: dict[int, tuple[str, int]] = {}  # a <use>'s index: (the id it copies, its line)
        self.ids: dict[str, int] = {}
        self._open: list[int] = []  # the elements not yet closed
        self._style: list[str] | None = None  # the text of the <style> being read (it comes in pieces)
        self._style_line = 0

    def start(self, tag: str, attrs: dict[str, str], line: int) -> None:
        name = tag.rpartition("}")[2]
        index = len(self.parents)
        self.parents.append(self._open[-1] if self._open else -1)
        self._open.append(index)
        if self.root_tag is None:
            self.root_tag = name
        if name in _SVG_REFUSED:
            self._refuse(f"contains <{name}>, which is not allowed in pictures; export the drawing "
                         "without embedded pictures, scripts or other content")
        data = 0
        for key, value in attrs.items():
            local = key.rpartition("}")[2]
            self._references(local, value)
            if local == "href" and value.startswith("#") and name == "use":
                self.targets[index] = (value[1:], line)
            elif local == "id" and "}" not in key:
                self.ids.setdefault(value, index)
            if local in _PATH_DATA and "}" not in key:
                data += len(value)
            if local not in _SVG_NAMES and "}" not in key:  # inkscape:*, sodipodi:*: the editor's notes
                self._check_number(line, local, value)
        self.path_data.append(data)
        if name == "style":
            self._style, self._style_line = [], line

    def end(self, tag: str) -> None:
        self._open.pop()
        if tag.rpartition("}")[2] == "style" and self._style is not None:
            text = "".join(self._style)
            self._references("style", text)
            self._check_number(self._style_line, "style", text.strip())
            self._style = None

    def chars(self, text: str) -> None:
        if self._style is not None:
            self._style.append(text)

    def _refuse(self, message: str) -> None:
        self.refused = self.refused or message

    def _references(self, key: str, value: str) -> None:
        if key == "href" and not value.startswith("#"):
            self._refuse(f'links to "{value[:60]}"; pictures must not refer to other files')
        for target in re.findall(r"url\(\s*['\"]?([^'\")]*)", value):
            if not target.startswith("#"):
                self._refuse(f'refers to "{target[:60]}"; pictures must not refer to other files')
        if "@import" in value:
            self._refuse("imports a style sheet; pictures must not refer to other files")

    def _check_number(self, line: int, name: str, value: str) -> None:
        text = _SVG_NOT_NUMBERS.sub(" ", value)
        if _NOT_FINITE.search(text):
            self.numbers.append((line, name, value, "is not a finite number"))
            return
        for token in _SVG_NUMBER.findall(text):
            number = float(token)
            if not math.isfinite(number) or abs(number) > MAX_SVG_NUMBER:
                self.numbers.append((line, name, value,
                                     f"holds {token}, beyond the ±{MAX_SVG_NUMBER:,} a drawing may use"))
                return

    def complexity(self, shown: str) -> list[Problem]:
        """The drawing counted as svglib makes it: every element, and for each <use>
        a copy of what it names (the <use>s inside that copied again, and so on).
        Each element's totals are counted once (memoised), without recursion."""
        count = len(self.parents)
        children: list[list[int]] = [[] for _ in range(count)]
        for index, parent in enumerate(self.parents):
            if parent >= 0:
                children[parent].append(index)
        target = {use: self.ids.get(name) for use, (name, _) in self.targets.items()}
        elements, uses, data = [0] * count, [0] * count, [0] * count
        state = [0] * count  # 0 not counted, 1 being counted, 2 counted
        for top in range(count):
            if state[top]:
                continue
            stack = [top]
            while stack:
                node = stack[-1]
                edges = children[node] + ([t] if (t := target.get(node)) is not None else [])
                if state[node] == 0:
                    state[node] = 1
                    for edge in edges:
                        if state[edge] == 1:  # a <use> of a part that contains it
                            name, line = self.targets[node]
                            return [Problem(shown, line, "", f'<use> of "#{_clip(name)}" repeats a part of the '
                                                             "drawing that contains this <use>, without end; "
                                                             "remove it, or save the drawing as PNG")]
                        if state[edge] == 0:
                            stack.append(edge)
                    continue
                stack.pop()
                if state[node] == 2:
                    continue
                state[node] = 2
                copies = 1 if node in target else 0
                elements[node] = min(_HUGE, 1 + sum(elements[e] for e in edges))
                uses[node] = min(_HUGE, copies + sum(uses[e] for e in edges))
                data[node] = min(_HUGE, self.path_data[node] + sum(data[e] for e in edges))
        problems = []
        roots = [i for i in range(count) if self.parents[i] < 0]
        total_uses, total_elements, total_data = (min(_HUGE, sum(v[r] for r in roots)) for v in (uses, elements, data))
        if total_uses > MAX_SVG_USES:
            problems.append(Problem(shown, None, "", f"repeats parts of the drawing {_many(total_uses)} times with "
                                    "<use> (counting the <use>s inside what is repeated), more than the "
                                    f"{MAX_SVG_USES:,} a picture may: the SVG library would leave some out; "
                                    "simplify the drawing, or save it as PNG"))
        if total_elements > MAX_SVG_ELEMENTS:
            problems.append(Problem(shown, None, "", f"has {_many(total_elements)} shapes and other elements "
                                    "(counting each copy a <use> makes), more than the "
                                    f"{MAX_SVG_ELEMENTS:,} a picture may have: it would take seconds to print "
                                    "each time; simplify the drawing (fewer objects), or save it as PNG"))
        if total_data > MAX_SVG_PATH_DATA:
            problems.append(Problem(shown, None, "", f"has {_many(total_data)} characters of path data (counting "
                                    "each copy a <use> makes), more than the "
                                    f"{MAX_SVG_PATH_DATA:,} a picture may have; simplify its paths in the "
                                    "drawing program, or save it as PNG"))
        return problems


def _many(count: int) -> str:
    return f"{count:,}" if count < _HUGE else f"over {_HUGE:,}"


def _clip(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= 40 else value[:37] + "..."


@lru_cache(maxsize=1024)
def _load(path: Path, _mtime: int, size: int, shown: str, roots: tuple[Path, ...]) -> Picture:
    if size > MAX_FILE_BYTES:
        _fail(shown, f"is {size // 1_000_000} MB, too large for a handout picture; save it smaller")
    data = _read(path, roots, MAX_FILE_BYTES, shown)
    digest = hashlib.sha256(data).hexdigest()
    meta = _cache_key(digest, "json")  # versioned: a new check rule re-checks old files
    blob = cache.load("images", meta)
    if blob is not None:
        try:
            fields = json.loads(blob)
            width, height, photo = fields["width"], fields["height"], fields["photo"]
            if isinstance(width, int) and isinstance(height, int) and isinstance(photo, bool):
                _check_size(shown, width, height)
                return Picture(path, digest, width, height, photo, shown, roots)
        except (ValueError, KeyError, TypeError):
            pass
    _check_size(shown, *_header_size(data))
    img, photo = _decode(data, shown)
    picture = Picture(path, digest, img.width, img.height, photo, shown, roots)
    cache.store("images", meta, json.dumps({"width": img.width, "height": img.height, "photo": photo}).encode())
    return picture


def _check_size(shown: str, width: int, height: int) -> None:
    """Too many pixels to decode, or too thin to print (0×0: size unknown, Pillow decides)."""
    if width * height > MAX_PIXELS:
        _fail(shown, f"is {width}×{height} pixels, too large to print; scale it down")
    if width and height:
        _check_shape(shown, width, height, "pixels")


def _header_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's or JPEG's header, read without Pillow; (0, 0) if not found."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        pos = 2
        while pos + 9 <= len(data):
            if data[pos] != 0xFF:
                return 0, 0
            marker = data[pos + 1]
            if marker == 0xFF:  # fill byte
                pos += 1
                continue
            if 0xD0 <= marker <= 0xD9 or marker == 0x01:  # no length
                pos += 2
                continue
            (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame
                height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
                return width, height
            pos += 2 + length
    return 0, 0


def _fail(shown: str, message: str) -> NoReturn:
    raise HandoutError(Problem(shown, None, "", message))


def _decode(data: bytes, shown: str):
    """The picture upright, in RGB or grey on white; (image, is a photo)."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # only needed on a cache miss

    # Pillow's own bomb guard (Image.MAX_IMAGE_PIXELS) is left as it is: our
    # lower limit is checked first, from the header (_header_size, by the
    # caller) and again below, so a huge picture gets a message with its size.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as img:
                if img.format not in ("PNG", "JPEG"):
                    _fail(shown, f"is a {img.format} picture; save it as PNG or JPEG (or SVG)")
                _check_size(shown, img.width, img.height)
                photo = img.format == "JPEG"
                upright = ImageOps.exif_transpose(img)
                upright.load()
                return _flatten(upright), photo
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _fail(shown, "has too many pixels to print; scale it down")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        _fail(shown, f"cannot be read as a picture ({exc.__class__.__name__}); re-save it as PNG or JPEG")


def _flatten(img):
    """RGB or grey on white: transparent areas print white, CMYK prints right."""
    from PIL import Image

    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, img).convert("RGB")
    if img.mode in ("L", "RGB"):
        return img
    if img.mode in ("I;16", "I;16B", "I", "F", "1"):
        return img.convert("L")
    return img.convert("RGB")


@lru_cache(maxsize=256)
def _encoded(picture: Picture, size: tuple[int, int]) -> Encoded:
    name = _cache_key(f"{picture.digest}-{size[0]}x{size[1]}", "bin")
    blob = cache.load("images", name)
    if blob is not None:
        try:
            encoded = Encoded.from_bytes(blob)
            if (encoded.width, encoded.height) == size:
                return encoded
        except (ValueError, KeyError, TypeError):
            pass
    img, _ = _decoded(picture)
    encoded = encode(img, size, picture.photo)
    cache.store("images", name, encoded.to_bytes())
    return encoded


def printable_image(picture: Picture, width_pt: float, height_pt: float):
    """The picture as a Pillow image of the pixels `picture.encoded` would print,
    for drawing with ReportLab's own drawImage (see handoutgen.rl)."""
    from PIL import Image

    encoded = picture.encoded(width_pt, height_pt)
    img, _ = _decoded(picture)
    size = (encoded.width, encoded.height)
    return img if img.size == size else img.resize(size, Image.Resampling.LANCZOS)


@lru_cache(maxsize=2)  # a decoded 12-megapixel photo is 36 MB: keep few
def _decoded(picture: Picture):
    shown = picture.shown or str(picture.path)
    data = _read(picture.path, picture.roots or (picture.path.parent,), MAX_FILE_BYTES, shown)
    if hashlib.sha256(data).hexdigest() != picture.digest:
        _fail(shown, "changed while the handout was being made; run the command again")
    return _decode(data, shown)


def encode(img, size: tuple[int, int], photo: bool) -> Encoded:
    """Scale `img` (RGB or L) to `size` and compress it for a PDF."""
    from PIL import Image

    if img.size != size:
        img = img.resize(size, Image.Resampling.LANCZOS)
    if img.mode == "RGB" and _is_grey(img):
        img = img.convert("L")
    if photo:
        out = BytesIO()
        img.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        space = "DeviceGray" if img.mode == "L" else "DeviceRGB"
        return Encoded(img.width, img.height, 8, 1 if img.mode == "L" else 3, space, "DCTDecode",
                       b"", out.getvalue())
    palette = b""
    if img.mode == "RGB":
        indexed = _indexed(img)
        if indexed is not None:
            img = indexed
            palette = bytes(img.getpalette()[:3 * (img.getextrema()[1] + 1)])
    if palette:
        # A full 256-entry palette makes Pillow write 8 bits a pixel even for a
        # 3-colour drawing: some PDF readers (pypdf 7, for one) decode 1-, 2-
        # and 4-bit palette images with PNG predictors wrongly.
        img.putpalette(palette + bytes(768 - len(palette)))
    out = BytesIO()
    img.save(out, "PNG", optimize=True)
    bits, data = _png_stream(out.getvalue())
    if palette:
        return Encoded(img.width, img.height, bits, 1, "Indexed", "FlateDecode", palette, data)
    space = "DeviceGray" if img.mode == "L" else "DeviceRGB"
    return Encoded(img.width, img.height, bits, 1 if img.mode == "L" else 3, space, "FlateDecode",
                   b"", data)


def _indexed(img):
    """A drawing as 256 colours or fewer, when no one can see the difference.

    Few colours are indexed exactly. Anti-aliased drawings (thousands of
    near-identical shades) are reduced if no pixel moves by more than
    MAX_SHADE_ERROR of 255; photos saved as PNG fail that test and stay RGB.
    """
    from PIL import Image, ImageChops, ImageStat

    counts = img.getcolors(256)
    if counts is not None:
        lookup = Image.new("P", (1, 1))
        lookup.putpalette(b"".join(bytes(rgb) for _, rgb in counts))
        return img.quantize(palette=lookup, dither=Image.Dither.NONE)
    reduced = img.quantize(256, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
    error = ImageChops.difference(img, reduced.convert("RGB"))
    worst = max(high for _, high in error.getextrema())
    if worst <= MAX_SHADE_ERROR and max(ImageStat.Stat(error).rms) <= 1.5:
        return reduced
    return None


def _is_grey(img) -> bool:
    from PIL import ImageChops

    r, g, b = img.split()
    return ImageChops.difference(r, g).getbbox() is None and ImageChops.difference(g, b).getbbox() is None


def _png_stream(png: bytes) -> tuple[int, bytes]:
    """(bit depth, zlib data) of a PNG: PDF reads it with /Predictor 15."""
    pos, bits, idat = 8, 8, []
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            bits, interlace = body[8], body[12]
            if interlace:
                raise ValueError("interlaced PNG")
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    data = b"".join(idat)
    zlib.decompressobj().decompress(data, 1)  # fails loudly on a broken stream
    return bits, data


def _cache_key(stem: str, ext: str) -> str:
    """A cache entry's name: what it is made from, the encoder's version and the libraries' versions."""
    return f"{stem}-{ENCODER}-{cache.library_versions()}.{ext}"
