"""Stage 4b: fonts. The brand font draws what it can; a wide-coverage
fallback (Noto Sans) draws, run by run, the letters it lacks. A character
neither can draw is an error, never a box.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from handoutgen.fontembed import SubsetCachingTTFont

from handoutgen.atomic import write_atomic
from handoutgen.cache import cache_dir

DEFAULT_FAMILY = "Atkinson Hyperlegible"
FALLBACK_NAME = "HG-Fallback"


def _package_files(module: str) -> Path:
    mod = __import__(module)
    return Path(mod.__file__).resolve().parent / "files"


def default_font_files() -> tuple[Path, Path]:
    files = _package_files("fontpkg_atkinson_hyperlegible")
    return files / "AtkinsonHyperlegible-Regular.ttf", files / "AtkinsonHyperlegible-Bold.ttf"


def fallback_source() -> Path:
    return _package_files("fontpkg_noto_sans") / "NotoSans[wdth,wght].ttf"


@lru_cache(maxsize=None)
def _cmap(path: Path) -> frozenset[int]:
    """The characters a font file maps to glyphs, read without loading it for drawing."""
    from fontTools.ttLib import TTFont as FTFont  # only for the fallback: keeps start-up fast

    font = FTFont(str(path), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _static_instance(weight: int) -> Path:
    """Noto Sans is a variable font; ReportLab needs static outlines.

    Instancing takes seconds, so the result is cached on disk, keyed by the
    source file's content, and only made the first time it is needed.
    """
    source = fallback_source()
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    style = "Bold" if weight >= 700 else "Regular"
    target = cache_dir("fonts") / f"NotoSans-{style}-{digest}.ttf"
    if not target.exists():
        from io import BytesIO

        from fontTools.ttLib import TTFont as FTFont
        from fontTools.varLib import instancer

        font = FTFont(str(source))
        static = instancer.instantiateVariableFont(font, {"wght": weight, "wdth": 100})
        # ReportLab merges fonts that share a PostScript name: give each its own.
        names = static["name"]
        for record in list(names.names):
            if record.nameID in (2, 4, 6, 17):
                names.removeNames(nameID=record.nameID)
        names.setName(style, 2, 3, 1, 0x409)
        names.setName(f"Noto Sans {style}", 4, 3, 1, 0x409)
        names.setName(f"NotoSans-{style}", 6, 3, 1, 0x409)
        buffer = BytesIO()
        static.save(buffer)
        write_atomic(target, buffer.getvalue())
    return target


@lru_cache(maxsize=None)
def _register(name: str, path: Path) -> str:
    pdfmetrics.registerFont(SubsetCachingTTFont(name, str(path)))
    return name


def _drawable(name: str) -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(name).face.charToGlyph)


def _register_family(family: str, regular: str, bold: str) -> None:
    addMapping(family, 0, 0, regular)
    addMapping(family, 1, 0, bold)
    addMapping(family, 0, 1, regular)  # no italics: body text is never italic
    addMapping(family, 1, 1, bold)


def _is_blank(ch: str) -> bool:
    return ch.isspace()


@dataclass
class FontSet:
    """The main font family plus the fallback, as ReportLab font names."""

    regular_path: Path
    bold_path: Path
    regular: str = field(init=False)
    bold: str = field(init=False)
    _fallback_ready: bool = field(default=False, init=False)

    def __post_init__(self):
        digest = hashlib.sha1(f"{self.regular_path}|{self.bold_path}".encode()).hexdigest()[:8]
        self.regular = _register(f"HG-{digest}-R", self.regular_path)
        self.bold = _register(f"HG-{digest}-B", self.bold_path)
        _register_family(self.regular, self.regular, self.bold)
        # What ReportLab, which draws them, finds in the fonts' character maps.
        self._main = _drawable(self.regular) & _drawable(self.bold)
        self._fallback: frozenset[int] | None = None  # read on first need
        self._covers: dict[str, bool] = {}

    def in_main(self, ch: str) -> bool:
        return ord(ch) in self._main or _is_blank(ch)

    def in_fallback(self, ch: str) -> bool:
        if self._fallback is None:
            self._fallback = _cmap(fallback_source())
        return ord(ch) in self._fallback

    def missing(self, text: str) -> list[str]:
        """Characters of `text` that no font can draw, in order, once each."""
        if self.covers(text):
            return []
        seen: list[str] = []
        for ch in text:
            if not self.in_main(ch) and not self.in_fallback(ch) and ch not in seen:
                seen.append(ch)
        return seen

    def covers(self, text: str) -> bool:
        """True if the main font draws every character of `text` (the usual case)."""
        known = self._covers.get(text)
        if known is None:
            if len(self._covers) > 50_000:  # texts of many handouts: keep memory bounded
                self._covers.clear()
            known = self._covers[text] = all(self.in_main(ch) for ch in set(text))
        return known

    def runs(self, text: str) -> list[tuple[bool, str]]:
        """Split text into (needs_fallback, segment) runs."""
        if self.covers(text):
            return [(False, text)] if text else []
        out: list[tuple[bool, str]] = []
        for ch in text:
            fb = not self.in_main(ch)
            if out and (out[-1][0] == fb or _is_blank(ch)):
                out[-1] = (out[-1][0], out[-1][1] + ch)
            else:
                out.append((fb, ch))
        if any(fb for fb, _ in out):
            self._ensure_fallback()
        return out

    def _ensure_fallback(self) -> None:
        if not self._fallback_ready:
            regular = _register(FALLBACK_NAME, _static_instance(400))
            bold = _register(FALLBACK_NAME + "-Bold", _static_instance(700))
            _register_family(regular, regular, bold)
            self._fallback_ready = True

    @property
    def fallback(self) -> str:
        return FALLBACK_NAME


def describe(ch: str) -> str:
    return f"\"{ch}\" (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')})"


@lru_cache(maxsize=None)
def font_set(regular: Path, bold: Path) -> FontSet:
    return FontSet(regular, bold)
