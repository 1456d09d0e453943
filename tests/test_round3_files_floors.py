"""The page's furniture holds the floor too: the clinic's name, its tagline, the running
header of later pages and the footer (issue 21).

Each of them prints smaller than the body to keep to its lines, down to the floor
(12 pt; 16 pt in large print). No test page drove them there, so a tagline let
down to 9.5 pt, or a running header with no floor, passed every test but the
browser's. Here a brand with a long name and tagline, and a program that only
fits with small type, press each against its floor; the checker (conftest's
check_pdf, on every PDF) holds every glyph to it, and this test checks that each
part really reached its floor, so the pages keep testing what they are for."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypdf
import pytest

from conftest import REPO, _margins_of, is_large_print, run
from handoutgen.flowables import LARGE_MIN_TEXT_PT, MIN_TEXT_PT
from visible import text_sizes, visibility_problems

PROGRAMS = REPO / "tests" / "programs"
CLINIC = ("Cedar Valley Physical Therapy, Hand Therapy, Aquatic Therapy and Sports Rehabilitation "
          "Center of Southern Wisconsin and the Driftless Area Hills")
# Too long for one line at the floor, short enough for one line a little under it.
TAGLINE = "Orthopedic, sports, balance, vestibular, pelvic health and hand therapy"
FOOTER = "Cedar Valley PT is open Monday"
ADDRESS = "2150 Fish Hatchery Road"

CASES = {  # print size: (program, options, floor)
    "normal": ("total-knee-replacement", ["--pages", "2"], MIN_TEXT_PT),
    "large print": ("ankle-sprain", ["--pages", "3", "--large-print"], LARGE_MIN_TEXT_PT),
}


@pytest.fixture(scope="module")
def pressed(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("floors") / "clinic"
    shutil.copytree(PROGRAMS, root)
    brand = (root / "brand.yaml").read_text(encoding="utf-8")
    brand = re.sub(r"^clinic: .*$", f"clinic: {CLINIC}", brand, flags=re.M)
    brand = re.sub(r"^tagline: .*$", f"tagline: {TAGLINE}", brand, flags=re.M)
    (root / "brand.yaml").write_text(brand, encoding="utf-8")
    return root


def _runs(pdf: Path) -> list[list[tuple[str, float]]]:
    return text_sizes(pdf)


def _smallest(pages, *starts: str, first_page: bool | None = None) -> float:
    """The smallest letter of the runs of text that start with any of `starts`."""
    found = [size for number, page in enumerate(pages) for text, size in page
             if any(text.startswith(s) for s in starts) and (first_page is None or (number == 0) == first_page)]
    assert found, f"no text starting with {starts}"
    return min(found)


@pytest.mark.parametrize("kind", ["handout", "checklist", "both"])
@pytest.mark.parametrize("size", list(CASES))
def test_the_header_tagline_running_header_and_footer_hold_the_floor(pressed, tmp_path, size, kind):
    name, options, floor = CASES[size]
    out = tmp_path / f"{name}.pdf"
    result = run("render", name, *options, "--kind", kind, "--date", "2026-12-01", "-o", str(out), root=pressed)
    assert result.exit_code == 0, result.output
    assert is_large_print(pypdf.PdfReader(str(out))) == (size == "large print")  # so conftest holds it to `floor`
    assert visibility_problems(out, margin=_margins_of(pressed / "brand.yaml"), floor=floor) == []
    pages = _runs(out)
    assert len(pages) >= 2, "no page after the first: no running header"
    every = [s for page in pages for _, s in page]
    assert min(every) >= floor - 0.01
    # Each part reached its floor, to within the half point it shrinks by (else this page no
    # longer tests it: choose content that drives it there):
    def at_floor(smallest: float) -> bool:
        return floor - 0.01 <= smallest < floor + 0.5

    assert at_floor(_smallest(pages, "(608) 555-0172 ·")), "the running header did not shrink to the floor"
    if kind != "checklist":
        assert at_floor(_smallest(pages, FOOTER, ADDRESS)), "the footer did not shrink to the floor"
    if size == "normal":
        assert at_floor(_smallest(pages, "Cedar Valley Physical", first_page=True)), \
            "the clinic's name did not shrink to the floor"
    # The tagline does not fit one line at the floor: it wraps at its own size, never smaller.
    tagline = [text for text, _ in pages[0] if TAGLINE.startswith(text.strip()[:20])]
    assert tagline and not any(text.strip() == TAGLINE for text in tagline), "the tagline fits one line"
    assert _smallest(pages, TAGLINE[:20], first_page=True) >= max(13.0, floor)
