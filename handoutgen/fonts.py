"""Stage 4b: fonts. The brand font draws what it can; a wide-coverage
fallback (Noto Sans) draws, run by run, the letters it lacks. A character
neither can draw is an error, never a box.
"""

from __future__ import annotations

import hashlib
import struct
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from handoutgen import rl
from handoutgen.atomic import write_atomic
from handoutgen.cache import cache_dir
from handoutgen.readsafe import Refused, read_inside
from handoutgen.rl.fontembed import SubsetCachingTTFont

DEFAULT_FAMILY = "Atkinson Hyperlegible"
FALLBACK_NAME = "HG-Fallback"
FONT_LIMIT = 30_000_000  # bytes of one font file; real text fonts are well under this
# The head.modified (and created) of the fallback font the cache builds: a fixed
# time, so the font, and every PDF drawing letters with it, is the same bytes
# whenever and wherever it is built (1 Jan 2020, in seconds since 1904).
FALLBACK_TIMESTAMP = 3_660_681_600


def _package_files(module: str) -> Path:
    mod = __import__(module)
    if mod.__file__ is None:  # a namespace package: no folder of its own
        raise ModuleNotFoundError(f"{module} is not installed as a font package", name=module)
    return Path(mod.__file__).resolve().parent / "files"


def default_font_files() -> tuple[Path, Path]:
    files = _package_files("fontpkg_atkinson_hyperlegible")
    return files / "AtkinsonHyperlegible-Regular.ttf", files / "AtkinsonHyperlegible-Bold.ttf"


def fallback_source() -> Path:
    return _package_files("fontpkg_noto_sans") / "NotoSans[wdth,wght].ttf"


def package_font_roots() -> list[Path]:
    """The installed font packages, the only fonts read from outside the clinic folder."""
    return [_package_files("fontpkg_atkinson_hyperlegible"), _package_files("fontpkg_noto_sans")]


class BadFont(Exception):
    """A font file that cannot be used. `message` is for the user; `path` is the file."""

    def __init__(self, message: str, path: Path | None = None):
        super().__init__(message)
        self.message = message
        self.path = path


def font_bytes(path: Path, roots) -> bytes:
    """The bytes of a font file, read under the one read rule (readsafe)."""
    try:
        return read_inside(path, roots, FONT_LIMIT)
    except Refused as exc:
        raise BadFont(exc.message, path) from None


_CHECKED: dict[str, tuple[str | None, frozenset[str]]] = {}  # sha256 of a font file -> (why not usable, hollow)
PROBE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def validate_font(data: bytes, face=None) -> frozenset[str]:
    """Raise BadFont unless `data` is a TrueType font whose tables ReportLab
    reads are whole and agree, and whose letters have outlines; return the
    visible characters it maps to a blank glyph (left to the fallback font).
    Checked once per file content, however many handouts or brands use it.
    `face`: the file already parsed by ReportLab, if it has been."""
    digest = hashlib.sha256(data).hexdigest()
    if digest not in _CHECKED:
        try:
            _CHECKED[digest] = (None, _validate_uncached(data, face))
        except BadFont as exc:
            _CHECKED[digest] = (exc.message, frozenset())
    trouble, hollow = _CHECKED[digest]
    if trouble is not None:
        raise BadFont(trouble)
    return hollow


def _validate_uncached(data: bytes, face=None) -> frozenset[str]:
    if face is None:
        from reportlab.pdfbase.ttfonts import TTFontFile

        try:
            face = TTFontFile(BytesIO(data))
        except Exception as exc:  # any failure to parse a user's file means the file is no usable font
            raise BadFont(_parse_trouble(exc)) from None
    hollow = _hollow_letters(face, data)
    probe = [ch for ch in PROBE if ord(ch) in face.charToGlyph]
    blank = [ch for ch in probe if ch in hollow]
    if blank:
        shown = ", ".join(f'"{ch}"' for ch in blank[:6]) + (", …" if len(blank) > 6 else "")
        raise BadFont(f"is damaged: its letters {shown} have no outline and would print invisible; "
                      "use an intact copy of the font file")
    try:  # what ReportLab does when it embeds the font in a PDF, on a probe line
        face.makeSubset([0] + [ord(ch) for ch in probe])
    except Exception as exc:
        raise BadFont(f"is damaged: its letters cannot be embedded in a PDF ({exc.__class__.__name__}); "
                      "use an intact copy of the font file") from None
    return frozenset(hollow)


def _parse_trouble(exc: Exception) -> str:
    text = str(exc)
    if "postscript outlines" in text.lower() or "cff" in text.lower():
        return ("has PostScript (CFF) outlines, which cannot be embedded in the PDF; use the TrueType "
                "(.ttf) version of the font")
    if isinstance(exc, (struct.error, IndexError)):
        return "is damaged: the file is cut short or its tables are broken; use an intact copy of the font file"
    text = text.replace('"(ttf)"', "").replace("  ", " ").strip()
    return f"cannot be used as a font ({text or exc.__class__.__name__}); use a TrueType .ttf file"


def _hollow_letters(face, data: bytes) -> set[str]:
    """Visible characters the font maps to a glyph with no outline (a blank
    would print where the letter should be). Raises BadFont where the tables
    that say where the outlines are do not fit the file or each other."""
    damaged = "is damaged: {}; use an intact copy of the font file"
    for tag in ("head", "hhea", "maxp", "hmtx", "cmap", "loca", "glyf"):
        if tag not in face.table:
            raise BadFont(f"cannot be used as a font (it has no '{tag}' table); use a TrueType .ttf file")
    for tag, record in face.table.items():
        if record["offset"] + record["length"] > len(data):
            raise BadFont(damaged.format(f"the file is cut short (its '{tag.strip()}' table runs past its end)"))
    try:
        long_offsets = struct.unpack(">h", face.get_table("head")[50:52])[0]
        glyphs = struct.unpack(">H", face.get_table("maxp")[4:6])[0]
        metrics = struct.unpack(">H", face.get_table("hhea")[34:36])[0]
    except struct.error:
        raise BadFont(damaged.format("its head, hhea or maxp table is cut short")) from None
    size = 4 if long_offsets else 2
    loca, glyf = face.get_table("loca"), face.get_table("glyf")
    if (glyphs == 0 or not 1 <= metrics <= glyphs or len(loca) < (glyphs + 1) * size
            or len(face.get_table("hmtx")) < 4 * metrics + 2 * (glyphs - metrics)):
        raise BadFont(damaged.format("its tables disagree on how many letters it has (maxp, hhea, hmtx, loca)"))
    offsets = struct.unpack(f">{glyphs + 1}{'L' if long_offsets else 'H'}", loca[: (glyphs + 1) * size])
    if not long_offsets:
        offsets = tuple(o * 2 for o in offsets)
    hollow = set()
    for code, glyph in face.charToGlyph.items():
        if glyph >= glyphs:
            raise BadFont(damaged.format("its character map (cmap) points at letters the font does not have"))
        ch = chr(code)
        if unicodedata.category(ch)[0] not in "LNPS":
            continue  # spaces, marks and controls may rightly be blank
        start, end = offsets[glyph], offsets[glyph + 1]
        if end <= start or end > len(glyf) or struct.unpack(">h", glyf[start:start + 2])[0] == 0:
            hollow.add(ch)
    return hollow


@cache
def _cmap(path: Path) -> frozenset[int]:
    """The characters a font file maps to glyphs, read without loading it for drawing."""
    # Only for the fallback: keeps start-up fast. fontTools ships no type hints.
    from fontTools.ttLib import TTFont as FTFont

    font = FTFont(BytesIO(font_bytes(path, package_font_roots())), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _static_instance(weight: int) -> tuple[Path, bytes]:
    """Noto Sans is a variable font; ReportLab needs static outlines.

    Instancing takes seconds, so the result is cached on disk, keyed by the
    source file's content, and only made the first time it is needed.
    """
    source = fallback_source()
    data = font_bytes(source, package_font_roots())
    digest = hashlib.sha256(data).hexdigest()[:16]
    style = "Bold" if weight >= 700 else "Regular"
    # v2: built with a fixed timestamp (older files carry the time they were built)
    target = cache_dir("fonts") / f"NotoSans-{style}-{digest}-v2.ttf"
    if target.exists():
        try:
            cached = font_bytes(target, [target.parent])
            validate_font(cached)
            return target, cached
        except BadFont:
            pass  # damaged or not a file: made again below
    from fontTools.ttLib import TTFont as FTFont
    from fontTools.varLib import instancer

    font = FTFont(BytesIO(data), recalcTimestamp=False)
    static = instancer.instantiateVariableFont(font, {"wght": weight, "wdth": 100})
    static.recalcTimestamp = False  # head.modified would be the time of building
    static["head"].created = static["head"].modified = FALLBACK_TIMESTAMP
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
    try:
        write_atomic(target, buffer.getvalue())
    except OSError:
        pass  # a cache that cannot be written: made again next time
    return target, buffer.getvalue()


_LOADED: dict[str, tuple[str, frozenset[str]]] = {}  # ReportLab name -> (name, hollow characters)


def _register(name: str, path: Path, data: bytes) -> tuple[str, frozenset[str]]:
    """Register the font `data` (read from `path`) as `name`, once; BadFont if it is unusable."""
    if name not in _LOADED:
        stream = BytesIO(data)
        stream.name = str(path)  # how ReportLab names the file internally
        try:
            font = (SubsetCachingTTFont if rl.FAST else TTFont)(name, stream)
        except Exception as exc:  # any failure to parse a user's file means the file is no usable font
            raise BadFont(_parse_trouble(exc), path) from None
        try:
            hollow = validate_font(data, font.face)
        except BadFont as exc:
            raise BadFont(exc.message, path) from None
        pdfmetrics.registerFont(font)
        _LOADED[name] = (name, hollow)
    return _LOADED[name]


def _drawable(name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(name)
    assert isinstance(font, TTFont), "fonts are registered by _register, as TrueType fonts"
    return frozenset(font.face.charToGlyph)


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
    regular_data: bytes = field(repr=False)
    bold_data: bytes = field(repr=False)
    regular: str = field(init=False)
    bold: str = field(init=False)
    _fallback_ready: bool = field(default=False, init=False)

    def __post_init__(self):
        # Named by the files' content: a font file changed in place is loaded (and checked) anew.
        key = hashlib.sha256(self.regular_data + b"|" + self.bold_data).hexdigest()[:16]
        self.regular, hollow = _register(f"HG-{key}-R", self.regular_path, self.regular_data)
        self.bold, hollow_bold = _register(f"HG-{key}-B", self.bold_path, self.bold_data)
        _register_family(self.regular, self.regular, self.bold)
        # What ReportLab, which draws them, finds in the fonts' character maps,
        # less the letters whose glyphs are blank (the fallback draws those).
        blank = {ord(ch) for ch in hollow | hollow_bold}
        self._main = (_drawable(self.regular) & _drawable(self.bold)) - blank
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
            regular = _register(FALLBACK_NAME, *_static_instance(400))[0]
            bold = _register(FALLBACK_NAME + "-Bold", *_static_instance(700))[0]
            _register_family(regular, regular, bold)
            self._fallback_ready = True

    @property
    def fallback(self) -> str:
        return FALLBACK_NAME


def describe(ch: str) -> str:
    return f"\"{ch}\" (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')})"


_SETS: dict[tuple, FontSet] = {}


def font_set(regular: Path, bold: Path, roots=None) -> FontSet:
    """The fonts of `regular` and `bold`, read under the one read rule from
    inside `roots` (by default: the installed font packages) and checked;
    BadFont (with the file's path) if either cannot be used."""
    roots = list(roots) if roots is not None else package_font_roots()
    data = {path: font_bytes(path, roots) for path in dict.fromkeys((regular, bold))}
    key = (regular, bold, hashlib.sha256(data[regular]).digest(), hashlib.sha256(data[bold]).digest())
    if key not in _SETS:
        if len(_SETS) > 64:  # a long-running server whose clinics change fonts often
            _SETS.clear()
        _SETS[key] = FontSet(regular, bold, data[regular], data[bold])
    return _SETS[key]
