"""Stage 4c: pictures. Each file is decoded, checked, turned upright,
flattened onto white and scaled to at most 300 dpi at its largest printed
size once per process, then shared by every page that shows it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from reportlab.lib.utils import ImageReader

from handoutgen.errors import HandoutError, Problem

MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_PRINT_INCHES = 3.0  # the largest a picture is ever printed
MAX_DPI = 300


@dataclass(frozen=True)
class Picture:
    reader: ImageReader
    width_px: int
    height_px: int

    @property
    def aspect(self) -> float:
        return self.height_px / self.width_px


def load_picture(path: Path, shown: str) -> Picture:
    stat = path.stat()
    return _load(path, stat.st_mtime_ns, stat.st_size, shown)


@lru_cache(maxsize=256)
def _load(path: Path, _mtime: int, _size: int, shown: str) -> Picture:
    def fail(message: str):
        raise HandoutError(Problem(shown, None, "", message))

    try:
        with Image.open(path) as img:
            if img.format not in ("PNG", "JPEG"):
                fail(f"is a {img.format} picture; save it as PNG or JPEG")
            if img.width * img.height > MAX_PIXELS:
                fail(f"is {img.width}×{img.height} pixels, too large to print; scale it down")
            img = ImageOps.exif_transpose(img)
            img.load()
            img = _flatten(img)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        fail(f"cannot be read as a picture ({exc.__class__.__name__}); re-save it as PNG or JPEG")
    limit = int(MAX_PRINT_INCHES * MAX_DPI)
    if max(img.size) > limit:
        img.thumbnail((limit, limit), Image.LANCZOS)
    return Picture(ImageReader(img), img.width, img.height)


def _flatten(img: Image.Image) -> Image.Image:
    """RGB on white: transparent areas print white, CMYK prints right."""
    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, img).convert("RGB")
    if img.mode in ("L", "RGB"):
        return img
    return img.convert("RGB")
