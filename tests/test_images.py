"""The picture pipeline: printed size, compression, exactness, caching."""

from __future__ import annotations

import math
from io import BytesIO

import pypdf
import pytest
from PIL import Image, ImageDraw
from reportlab.pdfgen.canvas import Canvas

from conftest import SAMPLE, picture_widths, run
from handoutgen import images
from handoutgen.images import MAX_DPI, encode, load_picture
from handoutgen.rl.xobject import draw_encoded


def _pdf_images(path):
    reader = pypdf.PdfReader(str(path))
    return [(img.image.width, img.image.height, img.image) for img in reader.pages[0].images]


def _through_pdf(encoded) -> Image.Image:
    """Embed `encoded` in a PDF and read it back with pypdf, an independent decoder."""
    out = BytesIO()
    canv = Canvas(out, invariant=1)
    draw_encoded(canv, encoded, "t", 0, 0, 100, 100)
    canv.showPage()
    canv.save()
    return pypdf.PdfReader(BytesIO(out.getvalue())).pages[0].images[0].image


def _drawing(size=(300, 200)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    draw.line((10, 10, 290, 190), fill=(27, 94, 140), width=9)
    draw.ellipse((100, 50, 180, 130), fill=(232, 119, 46))
    return img


def test_few_colour_drawing_is_stored_exactly():
    img = _drawing()
    encoded = encode(img, img.size, photo=False)
    assert encoded.space == "Indexed" and encoded.filter == "FlateDecode"
    back = _through_pdf(encoded).convert("RGB")
    assert back.tobytes() == img.tobytes()


def test_antialiased_drawing_is_reduced_invisibly_and_grey_stays_grey():
    img = _drawing((600, 400)).resize((290, 190), Image.LANCZOS)  # thousands of shades
    assert img.getcolors(256) is None
    encoded = encode(img, img.size, photo=False)
    back = _through_pdf(encoded).convert("RGB")
    worst = max(abs(a - b) for a, b in zip(back.tobytes(), img.tobytes(), strict=True))
    assert worst <= images.MAX_SHADE_ERROR
    grey = encode(img.convert("L").convert("RGB"), img.size, photo=False)
    assert grey.space in ("DeviceGray", "Indexed") and grey.colors == 1


def test_photo_stays_jpeg_and_noise_is_not_palettised():
    noise = Image.effect_noise((200, 150), 60).convert("RGB")
    assert encode(noise, noise.size, photo=True).filter == "DCTDecode"
    flat = encode(noise, noise.size, photo=False)
    assert flat.space == "DeviceGray" or flat.space == "DeviceRGB"  # too varied for a palette


def test_twelve_megapixel_photo_is_scaled_to_300_dpi_at_printed_size(clinic, tmp_path):
    photo = Image.effect_noise((4000, 3000), 40).convert("RGB")
    photo = Image.merge("RGB", (photo.getchannel(0), photo.getchannel(0).rotate(90, expand=False),
                                photo.getchannel(0)))
    photo.save(clinic / "images" / "push-off.png".replace(".png", ".jpg"), quality=95)
    ex = clinic / "exercises" / "push-off.yaml"
    ex.write_text(ex.read_text().replace("image: push-off.png", "image: push-off.jpg"))
    out = tmp_path / "photo.pdf"
    result = run("render", SAMPLE, "--date", "2026-12-01", "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    widest_print_pt = max(picture_widths(out))  # as printed on this page
    assert widest_print_pt < 4000 * 72 / MAX_DPI  # printed smaller than 300 dpi of the photo would make it
    limit = math.ceil(widest_print_pt * MAX_DPI / 72)
    pictures = _pdf_images(out)
    assert len(pictures) == 3
    assert all(w <= limit for w, _, _ in pictures)
    assert out.stat().st_size < 250_000  # a 12 MP photo does not make a 12 MP PDF


def test_pictures_are_prepared_once_and_reused_from_the_cache(clinic, tmp_path, monkeypatch):
    first = tmp_path / "a.pdf"
    assert run("render", SAMPLE, "--date", "2026-12-01", "-o", str(first), root=clinic).exit_code == 0
    # A new process would start with empty memory caches; the disk cache must suffice.
    images._load.cache_clear()
    images._encoded.cache_clear()
    images._decoded.cache_clear()

    def no_decoding(*args, **kwargs):
        raise AssertionError("a cached picture was decoded again")

    monkeypatch.setattr(images, "_decode", no_decoding)
    second = tmp_path / "b.pdf"
    assert run("render", SAMPLE, "--date", "2026-12-01", "-o", str(second), root=clinic).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_changed_picture_content_is_not_served_from_the_cache(clinic, tmp_path):
    path = clinic / "images" / "push-off.png"
    before = load_picture(path, "images/push-off.png")
    _drawing((400, 100)).save(path)
    after = load_picture(path, "images/push-off.png")
    assert after.digest != before.digest
    assert (after.width_px, after.height_px) == (400, 100)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "CMYK", "I;16"])
def test_every_pixel_format_becomes_printable(mode):
    base = _drawing((60, 40))
    img = base.convert(mode) if mode != "I;16" else base.convert("L").convert("I;16")
    flat = images._flatten(img)
    assert flat.mode in ("RGB", "L")
    encoded = encode(flat, flat.size, photo=False)
    assert _through_pdf(encoded).size == (60, 40)
