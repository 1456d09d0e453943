"""Stage 4c: pictures.

Each file is decoded once, checked, turned upright and flattened onto white.
For every size it is printed at, it is scaled to at most 300 dpi and
compressed once (PNG-predicted Flate for drawings, JPEG for photos); the
result is kept in memory and in the cache folder, keyed by the file's
content hash, so a batch, and the next run, reuse it without decoding.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from handoutgen.atomic import write_atomic
from handoutgen.cache import cache_dir
from handoutgen.errors import HandoutError, Problem

MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_FILE_BYTES = 50_000_000
MAX_SVG_BYTES = 2_000_000
MAX_DPI = 300
JPEG_QUALITY = 85
MAX_SHADE_ERROR = 8  # of 255: below what the eye sees on paper
ENCODER = "v2"  # bump when the encoding changes, so old cache entries are not used


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

    @property
    def aspect(self) -> float:
        return self.height_pt / self.width_pt

    def drawing(self):
        return _svg_drawing(self.path, self.digest)


def load_picture(path: Path, shown: str) -> Picture | VectorPicture:
    """Check a picture file, without decoding it again if it was seen before."""
    stat = path.stat()
    if path.suffix.lower() == ".svg":
        return _load_svg(path, stat.st_mtime_ns, stat.st_size, shown)
    return _load(path, stat.st_mtime_ns, stat.st_size, shown)


@lru_cache(maxsize=64)
def _load_svg(path: Path, _mtime: int, size: int, shown: str) -> VectorPicture:
    if size > MAX_SVG_BYTES:
        _fail(shown, f"is {size // 1000} KB, too large for a logo drawing; simplify it or save it as PNG")
    data = path.read_bytes()
    check_svg(data, shown)
    digest = hashlib.sha256(data).hexdigest()
    drawing = _svg_drawing(path, digest, shown)
    return VectorPicture(path, digest, float(drawing.width), float(drawing.height))


@lru_cache(maxsize=16)
def _svg_drawing(path: Path, digest: str, shown: str = ""):
    from svglib.svglib import svg2rlg  # only when a clinic uses SVG

    try:
        drawing = svg2rlg(BytesIO(path.read_bytes()), resolve_entities=False,
                          external_reference_root=str(path.parent))
    except Exception as exc:  # svglib raises many kinds on broken files
        _fail(shown, f"cannot be read as an SVG drawing ({exc.__class__.__name__}); re-save it, or use PNG")
    if drawing is None or not drawing.width or not drawing.height or drawing.width <= 0 or drawing.height <= 0:
        _fail(shown, "cannot be read as an SVG drawing (no size or no content); give the <svg> a width "
                     "and height or a viewBox, or save it as PNG")
    return drawing


_SVG_REFUSED = {"image", "foreignObject", "script", "iframe", "video", "audio"}


def check_svg(data: bytes, shown: str) -> None:
    """Refuse anything in an SVG that could reach outside the file: entities,
    embedded or linked pictures, scripts, and links to other files."""
    import xml.etree.ElementTree as ET

    lowered = data[:200_000].lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        _fail(shown, "has a DOCTYPE or entity declarations, which are not allowed in pictures; "
                     "export it again as plain SVG")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        _fail(shown, f"cannot be read as an SVG drawing (line {exc.position[0]}: not well-formed XML)")
    if root.tag.rpartition("}")[2] != "svg":
        _fail(shown, "is not an SVG drawing (its first element is not <svg>)")
    for element in root.iter():
        name = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if name in _SVG_REFUSED:
            _fail(shown, f"contains <{name}>, which is not allowed in pictures; export the drawing "
                         "without embedded pictures, scripts or other content")
        texts = list(element.attrib.items()) + ([("style", element.text)] if name == "style" else [])
        for key, value in texts:
            value = value or ""
            if key.rpartition("}")[2] == "href" and not value.startswith("#"):
                _fail(shown, f'links to "{value[:60]}"; pictures must not refer to other files')
            for target in re.findall(r"url\(\s*['\"]?([^'\")]*)", value):
                if not target.startswith("#"):
                    _fail(shown, f'refers to "{target[:60]}"; pictures must not refer to other files')
            if "@import" in value:
                _fail(shown, "imports a style sheet; pictures must not refer to other files")


@lru_cache(maxsize=1024)
def _load(path: Path, _mtime: int, size: int, shown: str) -> Picture:
    if size > MAX_FILE_BYTES:
        _fail(shown, f"is {size // 1_000_000} MB, too large for a handout picture; save it smaller")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    meta = _cache_path(f"{digest}-{ENCODER}.json")  # versioned: a new check rule re-checks old files
    try:
        fields = json.loads(meta.read_text())
        return Picture(path, digest, fields["width"], fields["height"], fields["photo"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    img, photo = _decode(data, shown)
    picture = Picture(path, digest, img.width, img.height, photo)
    _store(meta, json.dumps({"width": img.width, "height": img.height, "photo": photo}).encode())
    return picture


def _fail(shown: str, message: str):
    raise HandoutError(Problem(shown, None, "", message))


def _decode(data: bytes, shown: str):
    """The picture upright, in RGB or grey on white; (image, is a photo)."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # only needed on a cache miss

    # Our own limit (MAX_PIXELS, checked below before decoding) replaces
    # Pillow's, so a huge picture gets a message with its size.
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(BytesIO(data)) as img:
            if img.format not in ("PNG", "JPEG"):
                _fail(shown, f"is a {img.format} picture; save it as PNG or JPEG (or SVG)")
            if img.width * img.height > MAX_PIXELS:
                _fail(shown, f"is {img.width}×{img.height} pixels, too large to print; scale it down")
            photo = img.format == "JPEG"
            img = ImageOps.exif_transpose(img)
            img.load()
            return _flatten(img), photo
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
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
    blob = _cache_path(f"{picture.digest}-{size[0]}x{size[1]}-{ENCODER}.bin")
    try:
        return Encoded.from_bytes(blob.read_bytes())
    except (OSError, ValueError, KeyError, TypeError):
        pass
    img, _ = _decoded(picture)
    encoded = encode(img, size, picture.photo)
    _store(blob, encoded.to_bytes())
    return encoded


@lru_cache(maxsize=2)  # a decoded 12-megapixel photo is 36 MB: keep few
def _decoded(picture: Picture):
    return _decode(picture.path.read_bytes(), str(picture.path))


def encode(img, size: tuple[int, int], photo: bool) -> Encoded:
    """Scale `img` (RGB or L) to `size` and compress it for a PDF."""
    from PIL import Image

    if img.size != size:
        img = img.resize(size, Image.LANCZOS)
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


def _cache_path(name: str) -> Path:
    return cache_dir("images") / name


def _store(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data, durable=False)
    except OSError:
        pass  # the cache is only a shortcut; a read-only cache folder just costs time
