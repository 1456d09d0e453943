"""Fonts (issue 12, classes 4, 5 and 15): right-to-left text is refused whatever
the font; a damaged brand font is refused when the brand loads, naming the
field; the fallback font the cache builds is the same bytes whenever it is
built, so PDFs using it are reproducible.

The fonts used here are made at test time with fontTools from Lato (the
fontpkg-lato test package): Lato with Hebrew and Arabic glyphs added, and
Lato damaged in the ways a real file gets damaged."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE, assert_user_error, edit, line_of, render_checked, run

LATO = Path(__import__("fontpkg_lato").__file__).parent / "files" / "Lato-Regular.ttf"
HANDOUT = f"handouts/{SAMPLE}.yaml"
HEBREW_NAME = "דוד כהן"
ARABIC_WORD = "فهد"


# ------------------------------------------------------------ fonts made here

def lato_with_letters(target: Path, text: str) -> Path:
    """Lato plus a glyph with a real outline for every letter of `text` it lacks."""
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    font = TTFont(str(LATO))
    glyf, hmtx = font["glyf"], font["hmtx"]
    best = font.getBestCmap()
    added = {}
    for ch in sorted(set(text)):
        if ch.isspace() or ord(ch) in best:
            continue
        name = f"uni{ord(ch):04X}"
        pen = TTGlyphPen(None)
        pen.moveTo((50, 0)), pen.lineTo((50, 600)), pen.lineTo((450, 600)), pen.lineTo((450, 0))
        pen.closePath()
        glyf[name] = pen.glyph()
        hmtx[name] = (500, 50)
        added[ord(ch)] = name
    font["maxp"].numGlyphs = len(font.getGlyphOrder())
    for table in font["cmap"].tables:
        if table.isUnicode():
            table.cmap.update(added)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(target))
    return target


def _tables(data: bytes) -> dict[str, tuple[int, int]]:
    count = struct.unpack(">H", data[4:6])[0]
    out = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack(">4sLLL", data[12 + 16 * i: 28 + 16 * i])
        out[tag.decode()] = (offset, length)
    return out


def _patched(data: bytes, tag: str, offset_in_table: int, new: bytes) -> bytes:
    start = _tables(data)[tag][0] + offset_in_table
    return data[:start] + new + data[start + len(new):]


def _zero_table(data: bytes, tag: str) -> bytes:
    offset, length = _tables(data)[tag]
    return data[:offset] + bytes(length) + data[offset + length:]


def _garbage_table(data: bytes, tag: str) -> bytes:
    offset, length = _tables(data)[tag]
    return data[:offset] + (b"\xff\x7f\x03" * length)[:length] + data[offset + length:]


def _cmap_offsets_past_the_end(data: bytes) -> bytes:
    start = _tables(data)["cmap"][0]
    count = struct.unpack(">H", data[start + 2: start + 4])[0]
    for i in range(count):
        data = _patched(data, "cmap", 8 + 8 * i, b"\x7f\xff\xff\xff")
    return data


LATO_BYTES = LATO.read_bytes()
DAMAGED = {
    "truncated to half": lambda d: d[: len(d) // 2],
    "truncated inside the table directory": lambda d: d[:40],
    "glyph locations zeroed": lambda d: _zero_table(d, "loca"),
    "maxp.numGlyphs huge": lambda d: _patched(d, "maxp", 4, b"\xff\xff"),
    "maxp.numGlyphs 3": lambda d: _patched(d, "maxp", 4, struct.pack(">H", 3)),
    "cmap garbage": lambda d: _garbage_table(d, "cmap"),
    "cmap subtables past the end": lambda d: _cmap_offsets_past_the_end(d),
    "glyf zeroed": lambda d: _zero_table(d, "glyf"),
    "hmtx cut by hhea.numberOfHMetrics huge": lambda d: _patched(d, "hhea", 34, b"\xff\xff"),
}


def _use_font(clinic: Path, data: bytes, name: str = "Broken-Regular.ttf") -> int:
    (clinic / "fonts").mkdir(exist_ok=True)
    (clinic / "fonts" / name).write_bytes(data)
    edit(clinic / "brand.yaml", "font: Atkinson Hyperlegible", f"font: fonts/{name}")
    return line_of(clinic / "brand.yaml", f"font: fonts/{name}")


# ------------------------------------------------------------ 4. right to left

@pytest.fixture
def rtl_clinic(clinic: Path) -> Path:
    """The sample clinic with a brand font that has the Hebrew and Arabic letters."""
    lato_with_letters(clinic / "fonts" / "Lato-Regular.ttf", HEBREW_NAME + ARABIC_WORD)
    edit(clinic / "brand.yaml", "font: Atkinson Hyperlegible", "font: fonts/Lato-Regular.ttf")
    return clinic


def test_the_test_font_really_has_the_letters(rtl_clinic):
    from fontTools.ttLib import TTFont

    font = TTFont(str(rtl_clinic / "fonts" / "Lato-Regular.ttf"))
    cmap, glyf = font.getBestCmap(), font["glyf"]
    for ch in HEBREW_NAME.replace(" ", "") + ARABIC_WORD:
        glyph = glyf[cmap[ord(ch)]]
        assert glyph.numberOfContours > 0


@pytest.mark.parametrize("option", ["--patient", "--therapist"])
def test_hebrew_name_on_the_command_line_is_refused_even_with_a_font_that_has_it(rtl_clinic, tmp_path, option):
    result, _ = render_checked(rtl_clinic, tmp_path, option, HEBREW_NAME)
    assert_user_error(result, f"command line: {option}: the character", "U+05D3 HEBREW LETTER DALET",
                      "is written right to left", "would come out reversed")
    assert HEBREW_NAME not in result.output and "דוד" not in result.output


def test_arabic_in_an_exercise_step_is_refused_with_its_line(rtl_clinic, tmp_path):
    path = rtl_clinic / "exercises" / "push-off.yaml"
    edit(path, "Push off the ball", f"Push {ARABIC_WORD} off the ball")
    result, _ = render_checked(rtl_clinic, tmp_path)
    line = line_of(path, ARABIC_WORD)
    assert_user_error(result, f"exercises/push-off.yaml:{line}: steps[1]: the character",
                      "ARABIC LETTER FEH", "is written right to left")


def test_hebrew_in_the_handout_title_is_refused(rtl_clinic, tmp_path):
    edit(rtl_clinic / HANDOUT, "title: ", f"title: {HEBREW_NAME} ")
    result, _ = render_checked(rtl_clinic, tmp_path)
    line = line_of(rtl_clinic / HANDOUT, HEBREW_NAME)
    assert_user_error(result, f"{HANDOUT}:{line}: title: the character", "is written right to left")


def test_hebrew_in_the_brand_is_refused_when_the_brand_loads(rtl_clinic, tmp_path):
    edit(rtl_clinic / "brand.yaml", "clinic: More 4 Life", f"clinic: {HEBREW_NAME} More 4 Life")
    result, _ = render_checked(rtl_clinic, tmp_path)
    line = line_of(rtl_clinic / "brand.yaml", "clinic:")
    assert_user_error(result, f"brand.yaml:{line}: clinic: the character", "is written right to left")
    check = run("check", root=rtl_clinic)
    assert_user_error(check, f"brand.yaml:{line}: clinic: the character", "is written right to left")


def test_left_to_right_text_with_the_same_font_still_prints(rtl_clinic, tmp_path):
    result, out = render_checked(rtl_clinic, tmp_path, "--patient", "Dana Cohen")
    assert result.exit_code == 0, result.output
    assert out.exists()


# ------------------------------------------------------------ 5. damaged fonts

@pytest.mark.parametrize("damage", sorted(DAMAGED))
def test_a_damaged_brand_font_is_refused_naming_the_field(clinic, tmp_path, damage):
    line = _use_font(clinic, DAMAGED[damage](LATO_BYTES))
    result, out = render_checked(clinic, tmp_path)
    assert_user_error(result, f"brand.yaml:{line}: font:")
    assert "struct.error" not in result.output
    assert not out.exists()


def test_a_damaged_bold_font_names_font_bold(clinic, tmp_path):
    (clinic / "fonts").mkdir()
    (clinic / "fonts" / "Good-Regular.ttf").write_bytes(LATO_BYTES)
    (clinic / "fonts" / "Bad-Bold.ttf").write_bytes(_zero_table(LATO_BYTES, "loca"))
    edit(clinic / "brand.yaml", "font: Atkinson Hyperlegible",
         "font: fonts/Good-Regular.ttf\nfont_bold: fonts/Bad-Bold.ttf")
    result, _ = render_checked(clinic, tmp_path)
    line = line_of(clinic / "brand.yaml", "font_bold:")
    assert_user_error(result, f"brand.yaml:{line}: font_bold:")


def test_zeroed_glyph_locations_say_the_letters_would_be_invisible(clinic, tmp_path):
    line = _use_font(clinic, _zero_table(LATO_BYTES, "loca"))
    result, _ = render_checked(clinic, tmp_path)
    assert_user_error(result, f"brand.yaml:{line}: font:", "no outline", "damaged")


def test_an_intact_copy_of_the_same_font_prints(clinic, tmp_path):
    _use_font(clinic, LATO_BYTES, "Lato-Regular.ttf")
    result, out = render_checked(clinic, tmp_path, "--patient", "Jane Doe")
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_a_font_is_read_under_the_one_read_rule(clinic, tmp_path):
    """A FIFO named as the font is refused by readsafe, never opened for reading."""
    (clinic / "fonts").mkdir()
    os.mkfifo(clinic / "fonts" / "Pipe-Regular.ttf")
    edit(clinic / "brand.yaml", "font: Atkinson Hyperlegible", "font: fonts/Pipe-Regular.ttf")
    result, _ = render_checked(clinic, tmp_path)
    line = line_of(clinic / "brand.yaml", "font: fonts/Pipe")
    assert_user_error(result, f"brand.yaml:{line}: font:")
    from handoutgen import fonts

    pipe = clinic / "fonts" / "Pipe-Regular.ttf"
    with pytest.raises(fonts.BadFont, match="not a regular file"):
        fonts.font_set(pipe, pipe, roots=[clinic])
    (clinic / "fonts" / "Lato-Regular.ttf").write_bytes(LATO_BYTES)
    with pytest.raises(fonts.BadFont, match="leads outside"):
        fonts.font_set(clinic / "fonts" / "Lato-Regular.ttf", LATO, roots=[clinic])


def test_a_font_changed_in_place_is_checked_again(clinic, tmp_path):
    """Fonts are known by their content, not their path: one changed in place is
    read and checked again (and drawn from the very bytes that were checked)."""
    from handoutgen import fonts

    path = clinic / "fonts" / "Lato-Regular.ttf"
    path.parent.mkdir()
    path.write_bytes(LATO_BYTES)
    first = fonts.font_set(path, path, roots=[clinic])
    path.write_bytes(_zero_table(LATO_BYTES, "loca"))  # changed in place, same name
    with pytest.raises(fonts.BadFont) as caught:
        fonts.font_set(path, path, roots=[clinic])
    assert "no outline" in caught.value.message and caught.value.path == path
    path.write_bytes(LATO_BYTES)
    assert fonts.font_set(path, path, roots=[clinic]) is first


def test_validation_is_cached_per_file_content(tmp_path, monkeypatch):
    from handoutgen import fonts

    calls = []
    original = fonts._validate_uncached
    monkeypatch.setattr(fonts, "_validate_uncached", lambda *a: calls.append(1) or original(*a))
    a, b = tmp_path / "a.ttf", tmp_path / "b.ttf"
    data = LATO_BYTES + b"\0" * 4  # content no other test validated
    a.write_bytes(data), b.write_bytes(data)
    fonts.validate_font(a.read_bytes())
    fonts.validate_font(b.read_bytes())
    assert len(calls) == 1


# ------------------------------------------------------------ 15. reproducible fallback font

PATIENT = "Nguyễn Thị Lễ"  # letters Atkinson Hyperlegible lacks: drawn with the fallback font

# A render in a fresh process whose clock says `when`. The fallback font is built
# from a small variable subset of Noto Sans (the same instancing, in a fraction of
# the time the whole font takes).
_RENDER_AT = """
import sys, time
from pathlib import Path
time.time = lambda: {when}
import handoutgen.fonts as fonts
small = Path({small!r})
fonts.fallback_source = lambda: small
roots = getattr(fonts, "package_font_roots", list)
fonts.package_font_roots = lambda: [*roots(), small.parent]
from handoutgen.cli import cli
cli(sys.argv[1:])
"""


def _small_noto(folder: Path) -> Path:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    import handoutgen.fonts as fonts

    font = TTFont(str(fonts.fallback_source()))
    options = subset.Options()
    options.layout_features, options.name_IDs, options.notdef_outline = [], ["*"], True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=PATIENT)
    subsetter.subset(font)
    assert "fvar" in font  # still a variable font: the cache instances it as for the real one
    folder.mkdir()
    font.save(str(folder / "NotoSans[wdth,wght].ttf"))
    return folder / "NotoSans[wdth,wght].ttf"


def _render_with_cache(clinic: Path, small: Path, cache: Path, out: Path, when: float) -> bytes:
    env = {**os.environ, "HANDOUTGEN_CACHE_DIR": str(cache)}
    env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run([sys.executable, "-c", _RENDER_AT.format(when=when, small=str(small)), "render", SAMPLE,
                           "-o", str(out), "--patient", PATIENT, "--date", "2026-12-01", "--root", str(clinic)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert any(cache.rglob("*.ttf")), "the fallback font was not built into the cache"
    return out.read_bytes()


def test_the_fallback_font_is_the_same_bytes_whenever_it_is_built(clinic, tmp_path):
    small = _small_noto(tmp_path / "noto")
    first = _render_with_cache(clinic, small, tmp_path / "cache1", tmp_path / "a.pdf", 1_000_000_000.0)
    second = _render_with_cache(clinic, small, tmp_path / "cache2", tmp_path / "b.pdf", 1_900_000_000.0)
    fonts1 = sorted((tmp_path / "cache1").rglob("*.ttf"))
    fonts2 = sorted((tmp_path / "cache2").rglob("*.ttf"))
    assert [f.name for f in fonts1] == [f.name for f in fonts2]
    for f1, f2 in zip(fonts1, fonts2, strict=True):
        assert f1.read_bytes() == f2.read_bytes(), f1.name
    assert first == second
