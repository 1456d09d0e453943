"""The rest of the bad-input matrix (docs/safety.md): hostile YAML, content at
the limits, hostile pictures and characters. Each case asserts the exact
behaviour: a clear `file:line: field` message, exit 1, no PDF, no traceback
(or, where the input is merely unusual, a correct page)."""

from __future__ import annotations

import struct
import tracemalloc
import zlib
from io import BytesIO

import pypdf
import pytest
from PIL import Image

from conftest import SAMPLE, assert_on_one_page, assert_user_error, edit, line_of, pdf_pages, render_checked, write
from handoutgen.errors import HandoutError
from handoutgen.yamlload import load_yaml, load_yaml_bytes

HANDOUT = f"handouts/{SAMPLE}.yaml"


def _render(clinic, tmp_path, *args):
    return render_checked(clinic, tmp_path, "--date", "2026-12-01", *args)


# ---------------------------------------------------------------- YAML

@pytest.mark.parametrize("value", ["1:30", '"ten"', "ten", "3.5", "-3", "0", "010", "1e3", "yes", "on", "[3]"])
def test_counts_that_are_not_counts(clinic, tmp_path, value):
    edit(clinic / HANDOUT, "reps: 10,", f"reps: {value},")
    result, _ = _render(clinic, tmp_path)
    line = line_of(clinic / HANDOUT, f"reps: {value}")
    assert_user_error(result, f"{HANDOUT}:{line}: exercises[0].dosage.reps: must be a whole number from 1 to 100")


def test_billion_laughs_is_refused_fast_with_flat_memory():
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
    bomb = ("\n".join(levels) + "\ntitle: x\n").encode()
    tracemalloc.start()
    with pytest.raises(HandoutError) as caught:
        load_yaml_bytes(bomb, "handouts/bomb.yaml")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "anchors and aliases (& and *) are not supported" in str(caught.value)
    assert "handouts/bomb.yaml:2: b[0]" in str(caught.value)  # where the alias is used
    assert "handouts/bomb.yaml:9: i[8]" in str(caught.value)
    assert peak < 5_000_000  # 9**9 strings were never built


def test_five_megabyte_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.write(b"title: x\n" + b"# padding\n" * 500_000)
    read = []
    monkeypatch.setattr(type(big), "read_bytes", lambda self: read.append(self) or b"")
    with pytest.raises(HandoutError) as caught:
        load_yaml(big, "handouts/big.yaml")
    assert "handouts/big.yaml: file is 5,000,009 bytes; the limit is 1,000,000" in str(caught.value)
    assert read == []


def test_control_characters_in_yaml_are_refused_with_their_line(clinic, tmp_path):
    edit(clinic / HANDOUT, "title: Relieve", "title: Re\x07lieve")
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, f"{HANDOUT}:1: contains the control character U+0007, which YAML does not allow; "
                              "delete it")


def test_a_list_where_a_mapping_belongs(clinic, tmp_path):
    edit(clinic / HANDOUT, "checklist: {days: 14, pain_score: true}", "checklist: [14, true]")
    result, _ = _render(clinic, tmp_path)
    line = line_of(clinic / HANDOUT, "checklist:")
    assert_user_error(result, f"{HANDOUT}:{line}: checklist:")


# ------------------------------------------------------------- content

def test_a_300_character_word_is_broken_across_lines_not_lost(clinic, tmp_path):
    word = "".join("abcdefghij"[i % 10] for i in range(300))
    edit(clinic / "exercises/calf-stretch.yaml", "equipment: a wall to lean on", f"equipment: {word}")
    result, out = _render(clinic, tmp_path, "--patient", "Jane Doe")
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert len(pages) == 1
    assert word in "".join(pages[0].split())  # every letter, in order, wrapped where it had to be


def test_twenty_five_exercises_fit_or_fail_cleanly(clinic, tmp_path):
    entries = "".join(f"  - name: Exercise number {n}\n    steps: [Do step one of exercise {n}.]\n"
                      f"    dosage: {{reps: {n % 9 + 1}}}\n" for n in range(1, 26))
    write(clinic / HANDOUT, f"title: Twenty-five\nexercises:\n{entries}")
    result, out = _render(clinic, tmp_path)
    if result.exit_code == 0:
        pages = pdf_pages(out)
        assert len(pages) == 1
        assert_on_one_page(pages, [f"Do step one of exercise {n}." for n in range(1, 26)])
    else:
        assert_user_error(result, f"{HANDOUT}: the handout does not fit on one page",
                          "too long even with 12 pt text")


def test_a_note_with_a_newline_prints_as_one_line(clinic, tmp_path):
    edit(clinic / HANDOUT, "    note: Keep your arch domed during the whole stretch.",
          '    note: "Keep your arch domed\\nduring the whole stretch."')
    result, out = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    assert_on_one_page(pdf_pages(out), ["Note: Keep your arch domed during the whole stretch."])


def test_references_cannot_nest(clinic, tmp_path):
    """An exercise file cannot `use:` another, so there is no cycle to follow."""
    edit(clinic / "exercises/calf-stretch.yaml", "name: Calf Stretch", "use: calf-stretch\nname: Calf Stretch")
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "exercises/calf-stretch.yaml:1: use: unknown field")


# ---------------------------------------------------------------- images

def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10))
            + chunk(b"IEND", b""))


def _use_picture(clinic, name: str, data: bytes):
    (clinic / "images" / name).write_bytes(data)
    edit(clinic / "exercises/calf-stretch.yaml", "image: calf-stretch.png", f"image: {name}")


def test_png_claiming_20000_by_20000_pixels_is_refused_before_decoding(clinic, tmp_path):
    _use_picture(clinic, "huge.png", _png_claiming(20000, 20000))
    tracemalloc.start()
    result, _ = _render(clinic, tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert_user_error(result, "exercises/calf-stretch.yaml:2: image: "
                      "images/huge.png is 20000×20000 pixels, too large to print; scale it down")
    assert peak < 200_000_000  # decoding would need 1.2 GB


def test_truncated_jpeg_is_refused(clinic, tmp_path):
    photo = BytesIO()
    Image.effect_noise((400, 300), 50).convert("RGB").save(photo, "JPEG")
    _use_picture(clinic, "cut.jpg", photo.getvalue()[:3000])
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "exercises/calf-stretch.yaml:2: image: "
                      "images/cut.jpg cannot be read as a picture", "re-save it as PNG or JPEG")


def test_text_file_named_png_is_refused(clinic, tmp_path):
    _use_picture(clinic, "notes.png", b"these are my notes, not a picture\n")
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "exercises/calf-stretch.yaml:2: image: "
                      "images/notes.png cannot be read as a picture")


def _embedded_pictures(out):
    return [img.image for img in pypdf.PdfReader(str(out)).pages[0].images]


def _picture_shaped(out, width: int, height: int):
    """The one embedded picture with this picture's proportions."""
    found = [img for img in _embedded_pictures(out) if abs(img.width / img.height - width / height) < 0.02]
    assert len(found) == 1, [(img.width, img.height) for img in _embedded_pictures(out)]
    return found[0].convert("RGB")


def test_phone_photo_with_exif_orientation_6_prints_upright(clinic, tmp_path):
    # Stored landscape (200×150, red band on the left) with "rotate 90° clockwise to view".
    stored = Image.new("RGB", (200, 150), "white")
    stored.paste((220, 0, 0), (0, 0, 40, 150))
    exif = Image.Exif()
    exif[0x0112] = 6
    data = BytesIO()
    stored.save(data, "JPEG", exif=exif, quality=95)
    _use_picture(clinic, "phone.jpg", data.getvalue())
    result, out = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    portrait = [img for img in _embedded_pictures(out) if img.height > img.width]
    assert len(portrait) == 1, "the photo must be turned upright (portrait)"
    top = portrait[0].convert("RGB").getpixel((portrait[0].width // 2, 3))
    assert top[0] > 180 and top[1] < 80  # the red band is now at the top


def test_cmyk_jpeg_prints_in_the_right_colours(clinic, tmp_path):
    cmyk = Image.new("CMYK", (200, 120), (0, 255, 255, 0))  # pure red in CMYK
    data = BytesIO()
    cmyk.save(data, "JPEG", quality=95)
    _use_picture(clinic, "cmyk.jpg", data.getvalue())
    result, out = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    picture = _picture_shaped(out, 200, 120)
    r, g, b = picture.getpixel((picture.width // 2, picture.height // 2))
    assert r > 200 and g < 60 and b < 60, (r, g, b)


def test_transparent_areas_of_an_rgba_png_print_white(clinic, tmp_path):
    rgba = Image.new("RGBA", (200, 120), (0, 0, 0, 0))  # transparent black
    rgba.paste((20, 90, 160, 255), (50, 30, 150, 90))
    data = BytesIO()
    rgba.save(data, "PNG")
    _use_picture(clinic, "clear.png", data.getvalue())
    result, out = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    picture = _picture_shaped(out, 200, 120)
    assert picture.getpixel((2, 2)) == (255, 255, 255)
    centre = picture.getpixel((picture.width // 2, picture.height // 2))
    assert abs(centre[2] - 160) < 10


# ------------------------------------------------------------ characters

@pytest.mark.parametrize("text,code,name", [
    ("Ann \U0001F600", "U+1F600", "GRINNING FACE"),
    ("王芳", "U+738B", "CJK UNIFIED IDEOGRAPH-738B"),
    ("Ⴀ", "U+10A0", "GEORGIAN CAPITAL LETTER AN"),
])
def test_characters_no_font_has_are_named_never_boxes(clinic, tmp_path, text, code, name):
    result, _ = _render(clinic, tmp_path, "--patient", text)
    assert_user_error(result, "command line: --patient: the character", code, name, "would print as a box")


@pytest.mark.parametrize("text,code", [("فاطمة", "U+0641 ARABIC LETTER FEH"), ("שרה", "U+05E9 HEBREW LETTER SHIN"),
                                       ("Ann ٣", "U+0663 ARABIC-INDIC DIGIT THREE")])
def test_right_to_left_text_is_refused_never_printed_reversed(clinic, tmp_path, text, code):
    result, _ = _render(clinic, tmp_path, "--patient", text)
    assert_user_error(result, "command line: --patient: the character", code, "is written right to left",
                      "would come out reversed")


def test_characters_in_yaml_text_are_named_with_their_line(clinic, tmp_path):
    edit(clinic / HANDOUT, "    note: Keep your arch", "    note: 你好 Keep your arch")
    result, _ = _render(clinic, tmp_path)
    line = line_of(clinic / HANDOUT, "你好")
    assert_user_error(result, f"{HANDOUT}:{line}: exercises[1].note: the character", "CJK UNIFIED IDEOGRAPH")


def test_combining_accents_print_as_one_letter(clinic, tmp_path):
    decomposed = "Jose\u0301 Nun\u0303ez"  # e + combining acute, n + combining tilde
    result, out = _render(clinic, tmp_path, "--patient", decomposed)
    assert result.exit_code == 0, result.output
    assert_on_one_page(pdf_pages(out), ["José Nuñez"])


@pytest.mark.parametrize("text", ["\u0301Push off the ball", "Push \u0484off the ball"])
def test_an_accent_with_no_letter_before_it_is_refused(clinic, tmp_path, text):
    """It would sit on nothing: in the margin at the start of a line, or over a space."""
    edit(clinic / "exercises/push-off.yaml", "Push off the ball", text)
    result, _ = _render(clinic, tmp_path)
    line = line_of(clinic / "exercises/push-off.yaml", "off the ball")
    assert_user_error(result, f"exercises/push-off.yaml:{line}: steps[1]: has an accent with no letter before it, "
                              f"U+{ord(text.strip('Push ')[0]):04X}")


@pytest.mark.parametrize("char", ["\u200b", "\u200d", "\u00ad", "\u202e", "\ufeff"])
def test_invisible_and_direction_characters_are_refused(clinic, tmp_path, char):
    edit(clinic / "exercises/push-off.yaml", "Push off the ball", f"Push{char} off the ball")
    result, _ = _render(clinic, tmp_path)
    line = line_of(clinic / "exercises/push-off.yaml", "off the ball")
    assert_user_error(result, f"exercises/push-off.yaml:{line}: steps[1]: contains an invisible character "
                              f"U+{ord(char):04X}")


def test_invisible_characters_on_the_command_line_are_refused(clinic, tmp_path):
    result, _ = _render(clinic, tmp_path, "--therapist", "Sam\u200b Lee")
    assert_user_error(result, "command line: --therapist: contains an invisible character U+200B")
