"""Pictures, the picture cache and QR codes under hostile input (issue 12:
class 9, the picture and QR parts of class 12, and two structure items).

A cache that cannot be written only costs time; what is read back from it is
verified; a bad picture or video link gets a clear message, never
`internal error`; importing handoutgen leaves Pillow's own bomb guard alone."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pypdf
import pytest

from conftest import REPO, SAMPLE, assert_user_error, edit, render_checked
from handoutgen import cache, images

HANDOUT = f"handouts/{SAMPLE}.yaml"
EXERCISE = "exercises/calf-stretch.yaml"


def _forget():
    """Drop what this process remembers, so the next render goes to the cache folder."""
    for memo in (images._load, images._load_svg, images._svg_drawing, images._encoded, images._decoded):
        memo.cache_clear()
    forget = getattr(cache, "forget", None)
    if forget is not None:
        forget()


def _render(clinic, tmp_path, *args):
    _forget()
    return render_checked(clinic, tmp_path, "--date", "2026-12-01", *args)


def _pictures(pdf: Path) -> list[bytes]:
    """Every embedded picture, decoded: a broken stream fails here."""
    return [img.image.tobytes() for page in pypdf.PdfReader(str(pdf)).pages for img in page.images]


# ------------------------------------------------------------ the cache folder

@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_a_cache_folder_that_cannot_exist_only_costs_time(clinic, tmp_path, monkeypatch, where):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the cache folder should be\n")
    monkeypatch.setenv("HANDOUTGEN_CACHE_DIR", str(blocker if where == "a file" else blocker / "cache"))
    result, out = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    assert len(_pictures(out)) >= 2
    assert blocker.read_text().startswith("a regular file")


def test_no_home_and_no_cache_settings_still_renders(clinic, tmp_path, monkeypatch):
    for name in ("HOME", "XDG_CACHE_HOME", "HANDOUTGEN_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)

    def no_home(cls=None):
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", classmethod(no_home))
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)
    monkeypatch.chdir(tmp_path)
    cache.cache_dir("images")  # never raises
    result, out = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    assert len(_pictures(out)) >= 2
    assert not (tmp_path / "~").exists()  # no "~/.cache" made in the working folder


def test_a_cache_that_refuses_every_write_only_costs_time(clinic, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("HANDOUTGEN_CACHE_DIR", str(folder))
    real_open, real_mkdir = os.open, os.mkdir
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT

    def guarded_open(path, flags, *args, **kwargs):
        if flags & writes and str(path).startswith(str(folder)):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    def guarded_mkdir(path, *args, **kwargs):
        if str(path).startswith(str(folder)):
            raise PermissionError(13, "Permission denied", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "mkdir", guarded_mkdir)
    result, out = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    assert len(_pictures(out)) >= 2


def test_no_folder_anywhere_can_be_written_still_renders(clinic, tmp_path, monkeypatch):
    import tempfile

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file\n")
    monkeypatch.setenv("HANDOUTGEN_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(cache, "_fallback", [])

    def no_temp(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", no_temp)
    folder = cache.cache_dir("images")  # a path all the same: writing there fails with OSError
    assert isinstance(folder, Path)
    cache.store("images", "x", b"data")  # never raises
    assert cache.load("images", "x") is None
    result, out = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    assert len(_pictures(out)) >= 2


def test_truncated_or_altered_cache_entries_are_ignored_and_rebuilt(clinic, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("HANDOUTGEN_CACHE_DIR", str(folder))
    result, first = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    good = first.read_bytes()
    entries = [p for p in (folder / "images").iterdir() if p.is_file()]
    assert entries
    for entry in entries:  # a crash or a full disk cut each entry short; one bit flipped in a long one
        data = entry.read_bytes()
        if len(data) > 2000:
            entry.write_bytes(data[:1000] + bytes([data[1000] ^ 1]) + data[1001:])
        else:
            entry.write_bytes(data[: len(data) // 2])
    result, again = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    _pictures(again)
    assert again.read_bytes() == good
    result, third = _render(clinic, tmp_path)  # the rebuilt entries are good again
    assert third.read_bytes() == good


def test_the_picture_cache_is_keyed_by_the_library_versions(clinic, tmp_path, monkeypatch):
    import PIL

    folder = tmp_path / "cache"
    monkeypatch.setenv("HANDOUTGEN_CACHE_DIR", str(folder))
    result, _ = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    before = {p.name for p in (folder / "images").iterdir()}
    monkeypatch.setattr(PIL, "__version__", "0.0.0-another-pillow")
    result, _ = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    after = {p.name for p in (folder / "images").iterdir()}
    assert after - before, "an entry made by another Pillow was reused"


def test_importing_and_rendering_leaves_pillows_bomb_guard_alone(clinic, tmp_path):
    script = f"""
import PIL.Image
before = PIL.Image.MAX_IMAGE_PIXELS
from click.testing import CliRunner
from handoutgen.cli import cli
result = CliRunner().invoke(cli, ["render", "{SAMPLE}", "-o", r"{tmp_path / 'out.pdf'}", "--root", r"{clinic}",
                                  "--date", "2026-12-01"])
assert result.exit_code == 0, result.output
assert PIL.Image.MAX_IMAGE_PIXELS == before, PIL.Image.MAX_IMAGE_PIXELS
print("same", before)
"""
    env = {**os.environ, "HANDOUTGEN_CACHE_DIR": str(tmp_path / "fresh-cache")}  # a miss: pictures are decoded
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "same" in done.stdout


# ------------------------------------------------------------ bad pictures

def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def _use_picture(clinic, name: str, data: bytes):
    (clinic / "images" / name).write_bytes(data)
    edit(clinic / EXERCISE, "image: calf-stretch.png", f"image: {name}")


@pytest.mark.parametrize("size", [(1, 40_000_000), (40_000_000, 1), (6000, 20)])
def test_a_picture_too_thin_to_print_is_refused_by_its_shape(clinic, tmp_path, size):
    _use_picture(clinic, "strip.png", _png_claiming(*size))
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "exercises/calf-stretch.yaml:2: image: "
                      f"images/strip.png is {size[0]}×{size[1]} pixels", "crop it")
    assert "text" not in result.output.lower()


def test_a_png_beyond_pillows_own_limit_gets_our_message(clinic, tmp_path):
    _use_picture(clinic, "huge.png", _png_claiming(30_000, 30_000))
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "exercises/calf-stretch.yaml:2: image: "
                      "images/huge.png is 30000×30000 pixels, too large to print; scale it down")


def _svg(attrs: str, inner: str = '<rect x="1" y="1" width="5" height="5" stroke="black"/>') -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" {attrs}>\n  {inner}\n</svg>\n'


@pytest.mark.parametrize("svg, line, says", [
    (_svg('width="inf" height="10"'), 1, 'width "inf"'),
    (_svg('width="nan" height="10"'), 1, 'width "nan"'),
    (_svg('width="10" height="Infinity"'), 1, 'height "Infinity"'),
    (_svg('width="10" height="10" viewBox="0 0 nan 10"'), 1, 'viewBox "0 0 nan 10"'),
    (_svg('width="10" height="10"', '<rect x="1" y="1" width="5" height="5" stroke-width="1e308"/>'), 2,
     'stroke-width "1e308"'),
    (_svg('width="10" height="10"', '<path d="M1,1 L1e40,5"/>'), 2, 'd "M1,1 L1e40,5"'),
    (_svg('width="10" height="10"', '<rect style="stroke-width: 1e300" width="5" height="5"/>'), 2, "style"),
    (_svg('width="1e308" height="10"'), 1, 'width "1e308"'),
], ids=["width-inf", "width-nan", "height-Infinity", "viewBox-nan", "stroke-width-1e308", "path-1e40",
        "style-1e300", "width-1e308"])
def test_svg_numbers_that_cannot_be_drawn_are_refused_with_their_line(clinic, tmp_path, svg, line, says):
    _use_picture(clinic, "drawing.svg", svg.encode())
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "exercises/calf-stretch.yaml:2: image: "
                      f"images/drawing.svg:{line}: ", says, "export the drawing again")
    assert "text" not in result.output.lower()


def test_an_svg_logo_of_infinite_width_is_refused(clinic, tmp_path):
    (clinic / "images/logo.svg").write_text(_svg('width="inf" height="10"'))
    edit(clinic / "brand.yaml", "logo: logo.png", "logo: logo.svg")
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "brand.yaml:7: logo: images/logo.svg:1: ", 'width "inf"')


def test_an_ordinary_svg_still_prints(clinic, tmp_path):
    _use_picture(clinic, "drawing.svg", _svg('width="40" height="30" viewBox="0 0 40 30"',
                                               '<path d="M1,1 L39,29" stroke="#1e999f" stroke-width="2"/>').encode())
    result, out = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output


def test_an_image_that_is_a_symlink_loop_is_named_as_one(clinic, tmp_path):
    (clinic / "images/loop.png").symlink_to("loop.png")
    edit(clinic / EXERCISE, "image: calf-stretch.png", "image: loop.png")
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, f"{EXERCISE}:2: image: ", "loop of symbolic links")


def test_a_picture_swapped_for_a_fifo_is_refused_not_waited_on(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    os.mkfifo(folder / "pipe.png")
    with pytest.raises(images.HandoutError) as caught:
        images.load_picture(folder / "pipe.png", "images/pipe.png", roots=(tmp_path,))
    assert "images/pipe.png: is not a regular file" in str(caught.value)


def test_a_picture_outside_the_allowed_folders_is_refused(tmp_path):
    (tmp_path / "elsewhere.png").write_bytes(_png_claiming(10, 10))
    (tmp_path / "clinic").mkdir()
    (tmp_path / "clinic/linked.png").symlink_to(tmp_path / "elsewhere.png")
    with pytest.raises(images.HandoutError) as caught:
        images.load_picture(tmp_path / "clinic/linked.png", "images/linked.png", roots=(tmp_path / "clinic",))
    assert "images/linked.png: leads outside the clinic folder" in str(caught.value)


# ------------------------------------------------------------ video links

def test_a_video_link_too_long_for_a_qr_code_is_a_clear_error(clinic, tmp_path):
    url = "https://example.org/" + "a" * 5000
    path = clinic / EXERCISE
    path.write_text(path.read_text() + f"video: {url}\n")
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "video", "QR code", "shorter link")
    assert url not in result.output  # not 5,000 characters of echo


def test_the_longest_video_link_a_qr_code_holds_still_prints(clinic, tmp_path):
    from handoutgen.flowables import QR_MAX_CHARS

    url = "https://example.org/" + "a" * (QR_MAX_CHARS - 20)
    path = clinic / EXERCISE
    path.write_text(path.read_text() + f"video: {url}\n")
    result, _ = _render(clinic, tmp_path)
    assert "internal error" not in result.output


@pytest.mark.parametrize("ratio", [8, 20])
def test_a_wide_logo_is_shrunk_to_leave_the_clinic_name_its_room(clinic, tmp_path, ratio):
    from PIL import Image

    Image.new("RGB", (ratio * 60, 60), (200, 30, 30)).save(clinic / "images/wide.png")
    edit(clinic / "brand.yaml", "logo: logo.png", "logo: wide.png")
    result, out = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    assert len(_pictures(out)) >= 3
