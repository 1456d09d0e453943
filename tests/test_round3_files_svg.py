"""SVG pictures and logos under hostile input, round three (issue 21).

A drawing of tens of thousands of shapes made every render take half a minute
(svglib reads about three thousand elements a second); svglib stops copying
<use>s after 10,000 and prints the rest of the drawing without them; the
DOCTYPE guard read only the first 200,000 bytes of a file allowed 2 MB. Each
is now refused before svglib sees the file, with a message naming the file and
the limit; drawings within the limits print whole."""

from __future__ import annotations

from io import BytesIO

import pytest

from conftest import assert_user_error, edit, render_checked
from handoutgen import images

EXERCISE = "exercises/calf-stretch.yaml"
SHOWN = f"{EXERCISE}:2: image: images/drawing.svg"


def _svg(inner: str, size: str = 'width="100" height="100"') -> bytes:
    return f'<svg xmlns="http://www.w3.org/2000/svg" {size}>\n{inner}\n</svg>\n'.encode()


def _rects(count: int) -> str:
    return "".join(f'<rect x="{i % 100}" y="{i // 100 % 100}" width="1" height="1"/>' for i in range(count))


def _nested_uses(fan: int, depth: int) -> bytes:
    """g0 is one square; each g(n) is `fan` <use>s of g(n-1); the drawing shows g(depth):
    fan ** depth squares, drawn by <use>s of <use>s."""
    parts = ['<g id="g0"><rect width="1" height="1"/></g>']
    for level in range(1, depth + 1):
        parts.append(f'<g id="g{level}">' + "".join(f'<use href="#g{level - 1}" x="{i}"/>' for i in range(fan))
                     + "</g>")
    return _svg("<defs>" + "".join(parts) + f'</defs>\n<use href="#g{depth}"/>')


def _render(clinic, tmp_path, data: bytes, name: str = "drawing.svg"):
    (clinic / "images" / name).write_bytes(data)
    edit(clinic / EXERCISE, "image: calf-stretch.png", f"image: {name}")
    for memo in (images._load_svg, images._svg_drawing):
        memo.cache_clear()
    return render_checked(clinic, tmp_path, "--date", "2026-12-01")


def _refused(data: bytes) -> str:
    with pytest.raises(images.HandoutError) as caught:
        images.check_svg(data, "images/drawing.svg")
    return str(caught.value)


def _shapes(drawing) -> int:
    from reportlab.graphics.shapes import Group

    count, stack = 0, [drawing]
    while stack:
        node = stack.pop()
        if isinstance(node, Group):
            stack.extend(node.contents)
        else:
            count += 1
    return count


# ------------------------------------------------------------ how much drawing

def test_an_svg_of_sixty_thousand_shapes_is_refused_naming_the_limit():
    data = _svg('<rect width="1" height="1"/>' * 60_000)
    assert len(data) < images.MAX_SVG_BYTES  # within the size limit: only the count refuses it
    message = _refused(data)
    assert f"has 60,001 shapes and other elements (counting each copy a <use> makes), more than the " \
           f"{images.MAX_SVG_ELEMENTS:,} a picture may have" in message
    assert "or save it as PNG" in message


def test_a_picture_of_too_many_shapes_is_a_clear_error_naming_the_file(clinic, tmp_path):
    result, _ = _render(clinic, tmp_path, _svg(_rects(images.MAX_SVG_ELEMENTS)))
    assert_user_error(result, f"{SHOWN} has {images.MAX_SVG_ELEMENTS + 1:,} shapes and other elements",
                      f"more than the {images.MAX_SVG_ELEMENTS:,} a picture may have")


def test_a_logo_of_too_many_shapes_is_a_clear_error(clinic, tmp_path):
    (clinic / "images/logo.svg").write_bytes(_svg(_rects(images.MAX_SVG_ELEMENTS)))
    edit(clinic / "brand.yaml", "logo: logo.png", "logo: logo.svg")
    images._load_svg.cache_clear()
    result, _ = render_checked(clinic, tmp_path, "--date", "2026-12-01")
    assert_user_error(result, "brand.yaml:7: logo: images/logo.svg has 5,001 shapes")


def test_a_drawing_at_the_limit_prints_every_shape(clinic, tmp_path):
    data = _svg(_rects(images.MAX_SVG_ELEMENTS - 1))  # and the <svg> itself
    images.check_svg(data, "images/drawing.svg")
    result, out = _render(clinic, tmp_path, data)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fan, depth", [(10, 4), (10_001, 1), (3, 8)])
def test_uses_the_svg_library_would_leave_out_are_refused(clinic, tmp_path, fan, depth):
    """svglib copies at most 10,000 <use>s and prints the drawing without the rest (here: none
    of 10,000 squares, or 9,004 of them): a wrong picture. Refused instead."""
    result, _ = _render(clinic, tmp_path, _nested_uses(fan, depth))
    assert_user_error(result, f"{SHOWN} repeats parts of the drawing ",
                      f"times with <use> (counting the <use>s inside what is repeated), more than the "
                      f"{images.MAX_SVG_USES:,} a picture may: the SVG library would leave some out")


def test_uses_within_the_limits_print_every_copy(clinic, tmp_path):
    data = _nested_uses(6, 3)  # 216 squares, 258 copies
    images.check_svg(data, "images/drawing.svg")
    assert _shapes(images._svg_drawing(clinic / "images/drawing.svg", "x", data)) == 6 ** 3
    result, _ = _render(clinic, tmp_path, data)
    assert result.exit_code == 0, result.output


def test_a_use_that_repeats_what_contains_it_is_refused_with_its_line(clinic, tmp_path):
    """svglib skips such a <use> (logging "Circular <use> reference") and prints the rest."""
    data = _svg('<rect width="5" height="5"/>\n<g id="loop">\n<rect width="1" height="1"/>\n'
                '<use href="#loop" x="2"/>\n</g>')
    result, _ = _render(clinic, tmp_path, data)
    assert_user_error(result, f'{SHOWN}:5: <use> of "#loop" repeats a part of the drawing that contains '
                              "this <use>, without end")


def test_a_use_of_itself_is_refused(clinic, tmp_path):
    result, _ = _render(clinic, tmp_path, _svg('<use id="me" href="#me"/>\n<rect width="5" height="5"/>'))
    assert_user_error(result, f'{SHOWN}:2: <use> of "#me" repeats a part of the drawing')


def test_too_much_path_data_is_refused_naming_the_limit(clinic, tmp_path):
    path = "M0,0 " + " ".join(f"L{i % 97},{i % 89}" for i in range(90_000))
    assert len(path) > images.MAX_SVG_PATH_DATA
    result, _ = _render(clinic, tmp_path, _svg(f'<path d="{path}" stroke="black"/>'))
    assert_user_error(result, f"{SHOWN} has {len(path):,} characters of path data",
                      f"more than the {images.MAX_SVG_PATH_DATA:,} a picture may have")


def test_path_data_repeated_by_uses_counts_each_copy():
    path = "M0,0 " + " ".join(f"L{i % 97},{i % 89}" for i in range(8_000))  # about 60 KB
    data = _svg(f'<defs><path id="p" d="{path}"/></defs>' + '<use href="#p"/>' * 10)
    assert "characters of path data" in _refused(data)
    images.check_svg(_svg(f'<defs><path id="p" d="{path}"/></defs>' + '<use href="#p"/>' * 2), "x.svg")


def test_every_problem_of_a_drawing_at_once():
    message = _refused(_nested_uses(10, 4))
    assert "repeats parts of the drawing" in message and "shapes and other elements" in message


# ------------------------------------------------------------ DOCTYPE and entities, in the whole file

@pytest.mark.parametrize("entity", ['<!ENTITY x "expanded">', '<!ENTITY x SYSTEM "file:///etc/hostname">'])
def test_a_doctype_after_210_kb_of_comment_is_refused(clinic, tmp_path, entity):
    data = (b'<?xml version="1.0"?>\n<!--' + b" padding " * 23_400 + b"-->\n"
            + f"<!DOCTYPE svg [{entity}]>\n".encode()
            + _svg('<text x="1" y="9">&x;</text>'))
    assert data.index(b"<!DOCTYPE") > 210_000
    result, _ = _render(clinic, tmp_path, data)
    assert_user_error(result, f"{SHOWN} has a DOCTYPE or entity declarations, which are not allowed in pictures")


def test_a_doctype_anywhere_before_the_drawing_is_refused():
    for padding in (0, 1_000, 1_500_000):
        data = b"<!--" + b"x" * padding + b"-->" + b"<!DOCTYPE svg>" + _svg('<rect width="1" height="1"/>')
        assert "has a DOCTYPE" in _refused(data)


def test_a_comment_that_only_mentions_a_doctype_is_a_comment():
    images.check_svg(_svg('<!-- exported without <!DOCTYPE svg> -->\n<rect width="1" height="1"/>'), "x.svg")


def test_style_text_is_checked_whole():
    """A <style> arrives from the parser in pieces: a url() or @import across two is still seen."""
    style = "/*" + "x" * 70_000 + "*/ rect { fill: url(file:///etc/hostname) }"
    assert "pictures must not refer to other files" in _refused(_svg(f"<style>{style}</style>"))


def test_the_drawing_svglib_reads_is_the_one_checked():
    """svglib sees the same bytes, and makes every shape of an ordinary drawing."""
    data = _svg(_rects(50))
    images.check_svg(data, "x.svg")
    from svglib.svglib import svg2rlg

    assert _shapes(svg2rlg(BytesIO(data))) == 50
