"""Branding: one file rebrands everything; bad brand input is a clear error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from conftest import REPO, SAMPLE, assert_user_error, line_of, pdf_pages, run, write

LATO = Path(__import__("fontpkg_lato").__file__).parent / "files"
EXAMPLES = REPO / "docs" / "examples"  # the Riverside Physio brand of docs/branding.md


def riverside(clinic: Path, name: str = "brand.yaml") -> Path:
    (clinic / "fonts").mkdir(exist_ok=True)
    for face in ("Regular", "Bold"):
        shutil.copy(LATO / f"Lato-{face}.ttf", clinic / "fonts" / f"Lato-{face}.ttf")
    shutil.copy(EXAMPLES / "riverside.svg", clinic / "images" / "riverside.svg")
    return write(clinic / name, (EXAMPLES / "riverside.yaml").read_text())


def _fonts(path: Path) -> set[str]:
    page = pypdf.PdfReader(str(path)).pages[0]
    return {str(f["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}


def test_rebranding_changes_every_output(clinic):
    assert run("build", root=clinic).exit_code == 0
    before = {p.name: p.read_bytes() for p in (clinic / "out").glob("*.pdf")}
    riverside(clinic)
    result = run("build", root=clinic)
    assert result.exit_code == 0, result.output
    assert "2 rendered" not in result.stdout and "1 rendered" in result.stdout  # one handout, two PDFs
    after = {p.name: p.read_bytes() for p in (clinic / "out").glob("*.pdf")}
    assert set(after) == set(before) and all(after[n] != before[n] for n in after)
    for name in after:
        path = clinic / "out" / name
        text = pdf_pages(path)[0]
        assert "Riverside Physio" in text and "020 7946 0321" in text
        assert "More 4 Life" not in text and "314-941-3970" not in text
        box = pypdf.PdfReader(str(path)).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)
        fonts = _fonts(path)
        assert any("Lato-Regular" in f for f in fonts) and any("Lato-Bold" in f for f in fonts), fonts
        assert not any("Atkinson" in f for f in fonts)


def test_a_second_brand_builds_into_its_own_folder(clinic):
    riverside(clinic, "brands/riverside.yaml")
    assert run("build", root=clinic).exit_code == 0
    result = run("build", "--brand", "brands/riverside.yaml", root=clinic)
    assert result.exit_code == 0, result.output
    main, second = clinic / "out" / f"{SAMPLE}.pdf", clinic / "out" / "riverside" / f"{SAMPLE}.pdf"
    assert "More 4 Life" in pdf_pages(main)[0]
    assert "Riverside Physio" in pdf_pages(second)[0]
    # Each brand keeps its own manifest: neither build undoes the other.
    assert "0 rendered, 1 unchanged" in run("build", root=clinic).stdout
    assert "0 rendered, 1 unchanged" in run("build", "--brand", "brands/riverside.yaml", root=clinic).stdout
    out = clinic / "rv.pdf"
    assert run("render", SAMPLE, "--brand", str(clinic / "brands/riverside.yaml"), "-o", str(out),
               root=clinic).exit_code == 0
    assert "Riverside Physio" in pdf_pages(out)[0]
    assert_user_error(run("check", "--brand", "brands/nope.yaml", root=clinic),
                      "brands/nope.yaml: --brand: no such brand file")


def test_low_contrast_brand_fails_with_the_ratio_and_a_darker_shade(clinic):
    brand = clinic / "brand.yaml"
    brand.write_text(brand.read_text().replace('primary: "#1B5E8C"', 'primary: "#F2C12E"'))
    result = run("check", root=clinic)
    line = line_of(brand, "#F2C12E")
    assert_user_error(result, f'brand.yaml:{line}: colors.primary: "#F2C12E" on white is 1.6',
                      "need at least 4.5:1", 'A darker shade of the same colour that passes: "#')
    suggested = result.output.split('passes: "')[1][:7]
    brand.write_text(brand.read_text().replace("#F2C12E", suggested))
    assert run("check", root=clinic).exit_code == 0, "the suggested shade must pass"


def test_contrast_just_below_the_bar_is_not_rounded_up(clinic):
    brand = clinic / "brand.yaml"
    brand.write_text(brand.read_text().replace('primary: "#1B5E8C"', 'primary: "#2E7D32"'))
    assert_user_error(run("check", root=clinic), "is 4.48:1")


def test_a_clinic_layout_overrides_and_the_rest_fall_back(clinic, tmp_path):
    source = (REPO / "layouts" / "handout.xml.j2").read_text()
    write(clinic / "layouts" / "handout.xml.j2",
          source.replace("<title>", "<p>Our own layout, seen first.</p>\n<title>"))
    both = tmp_path / "both.pdf"
    result = run("render", SAMPLE, "--kind", "both", "--date", "2026-12-01", "-o", str(both), root=clinic)
    assert result.exit_code == 0, result.output
    handout, checklist = pdf_pages(both)
    assert "Our own layout, seen first." in handout
    assert "Exercise log" in checklist  # checklist.xml.j2 is not overridden: the built-in one


def test_clinic_templates_cannot_reach_python_internals(clinic, tmp_path):
    source = (REPO / "layouts" / "handout.xml.j2").read_text()
    layout = write(clinic / "layouts" / "handout.xml.j2",
                   source.replace("{{ handout.title }}", "{{ ''.__class__.__mro__ }}"))
    out = tmp_path / "x.pdf"
    result = run("render", SAMPLE, "-o", str(out), root=clinic)
    assert_user_error(result, f"layouts/handout.xml.j2:{line_of(layout, '__mro__')}:")
    assert "object" not in result.output.split("__mro__")[-1][:40] or "unsafe" in result.output
    assert not out.exists()


@pytest.mark.parametrize("kind,size", [("handout", (850, 1100)), ("checklist", (850, 1100)),
                                       ("both", (850 * 2 + 24, 1100))])
def test_preview_writes_a_png_of_the_page(clinic, kind, size):
    out = clinic / "page.png"
    result = run("preview", SAMPLE, "--kind", kind, "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    with Image.open(out) as img:
        assert img.format == "PNG" and img.size == size
        # Not blank: the header's primary colour is on the page.
        assert (0x1B, 0x5E, 0x8C) in {rgb for _, rgb in img.convert("RGB").getcolors(1 << 20)}
    assert not list(clinic.rglob("*.pdf")), "preview writes no PDF"


def test_preview_of_an_a4_brand_and_default_path(clinic):
    riverside(clinic)
    result = run("preview", SAMPLE, "--dpi", "72", root=clinic)
    assert result.exit_code == 0, result.output
    with Image.open(clinic / "out" / f"{SAMPLE}.png") as img:
        assert img.size == (596, 842)  # A4 is 595.3 × 841.9 pt; PDFium rounds up


def test_init_then_build_with_the_package_installed_from_a_wheel(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
                   check=True, capture_output=True)
    site = tmp_path / "site"
    wheel = next(wheels.glob("handoutgen-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    # Run from an unrelated folder with the wheel first on the path: nothing comes from the repository.
    env = dict(os.environ, PYTHONPATH=str(site))
    cmd = [sys.executable, "-c", "import sys, handoutgen.cli as c; assert 'site' in c.__file__, c.__file__; "
                                 "sys.argv[0] = 'handoutgen'; c.main()"]
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(cmd + ["init", "newclinic"], cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "created newclinic/brand.yaml" in done.stdout
    brand = (work / "newclinic" / "brand.yaml").read_text()
    assert brand.count("\n#") >= 10  # every field explained
    done = subprocess.run(cmd + ["build", "--root", "newclinic"], cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 rendered, 0 failed" in done.stdout
    text = pdf_pages(work / "newclinic" / "out" / "example.pdf")[0]
    assert "Your Clinic Physical Therapy" in text and "Loosen Tight Calves" in text
    again = subprocess.run(cmd + ["init", "newclinic"], cwd=work, env=env, capture_output=True, text=True)
    assert again.returncode == 1 and "already exists" in again.stderr


# ------------------------------------------------------------ bad brand input

def _brand_error(clinic: Path, old: str, new: str, *expected: str, files: dict | None = None):
    brand = clinic / "brand.yaml"
    text = brand.read_text()
    assert old in text
    brand.write_text(text.replace(old, new, 1))
    for name, content in (files or {}).items():
        target = clinic / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    line = line_of(brand, new.splitlines()[0]) if new else None
    out = clinic / "x.pdf"
    result = run("render", SAMPLE, "-o", str(out), root=clinic)
    assert_user_error(result, *[e.format(line=line) for e in expected])
    assert not out.exists()
    return result


# `#GGG`, `page_size: legal` and a missing phone are in test_bad_input.py's CASES.
BAD_BRANDS = {
    "logo missing": ("logo: logo.png", "logo: lgo.png", ['brand.yaml:{line}: logo: no file "images/lgo.png"'], {}),
    "logo corrupt": ("logo: logo.png", "logo: broken.png",
                     ["brand.yaml:{line}: logo: images/broken.png cannot be read as a picture"],
                     {"images/broken.png": "not a picture\n"}),
    "logo outside by path": ("logo: logo.png", "logo: ../../logo.png",
                             ["brand.yaml:{line}: logo: must be a file name inside the clinic's images/ folder"], {}),
    "svg logo with external picture": (
        "logo: logo.png", "logo: evil.svg", ['brand.yaml:{line}: logo: images/evil.svg contains <image>'],
        {"images/evil.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
                            '<image href="file:///etc/hostname" width="9" height="9"/></svg>'}),
    "svg logo with entities": (
        "logo: logo.png", "logo: ent.svg",
        ["brand.yaml:{line}: logo: images/ent.svg has a DOCTYPE or entity declarations"],
        {"images/ent.svg": '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
                           '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><text>&x;</text></svg>'}),
    "svg logo that is not svg": ("logo: logo.png", "logo: fake.svg",
                                 ["brand.yaml:{line}: logo: images/fake.svg cannot be read as an SVG"],
                                 {"images/fake.svg": "\x89PNG not xml"}),
    "colour with injection": ('accent: "#E8772E"', 'accent: "red; x"',
                              ['brand.yaml:{line}: colors.accent: must be a colour', '(got "red; x")'], {}),
    "font not a font": ("font: Atkinson Hyperlegible", "font: fonts/Fake-Regular.ttf",
                        ["brand.yaml:{line}: font: cannot be used as a font"],
                        {"fonts/Fake-Regular.ttf": "this is not a font\n"}),
    "font missing": ("font: Atkinson Hyperlegible", "font: fonts/None.ttf",
                     ['brand.yaml:{line}: font: no file "fonts/None.ttf" in the clinic folder'], {}),
    "font outside": ("font: Atkinson Hyperlegible", "font: /etc/hostname",
                     ["brand.yaml:{line}: font:"], {}),
    "bold with built-in font": ("font: Atkinson Hyperlegible", "font: Atkinson Hyperlegible\nfont_bold: x.ttf",
                                ["font_bold: only goes with a font file of your own"], {}),
    "margins too wide": ("page_size: letter", "page_size: letter\nmargins: 2 in",
                         ["margins: must be from 0.25 in (6.4 mm) to 1.5 in (38 mm)"], {}),
    "margins without unit": ("page_size: letter", "page_size: letter\nmargins: 20",
                             ['margins: must be a length with its unit, e.g. "0.5 in"'], {}),
    "clinic name the font lacks": ("clinic: More 4 Life Physical Therapy", "clinic: 診療所 More 4 Life",
                                   ['brand.yaml:{line}: clinic: the font has no "療"'], {}),
}


@pytest.mark.parametrize("case", sorted(BAD_BRANDS))
def test_bad_brand_input(clinic, case):
    old, new, expected, files = BAD_BRANDS[case]
    _brand_error(clinic, old, new, *expected, files=files)


def test_logo_symlinked_from_outside_is_refused(clinic, tmp_path):
    outside = tmp_path / "secret.png"
    shutil.copy(clinic / "images" / "logo.png", outside)
    (clinic / "images" / "linked.png").symlink_to(outside)
    _brand_error(clinic, "logo: logo.png", "logo: linked.png",
                 "brand.yaml:{line}: logo: leads outside the clinic folder")


def test_font_symlinked_from_outside_is_refused(clinic, tmp_path):
    (clinic / "fonts").mkdir()
    (clinic / "fonts" / "Lato-Regular.ttf").symlink_to(LATO / "Lato-Regular.ttf")
    _brand_error(clinic, "font: Atkinson Hyperlegible", "font: fonts/Lato-Regular.ttf",
                 'brand.yaml:{line}: font: "fonts/Lato-Regular.ttf" leads outside the clinic folder')


def test_font_with_postscript_outlines_is_named(clinic):
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({ord("A"): "A"})
    pen = T2CharStringPen(500, None)
    pen.moveTo((0, 0)), pen.lineTo((500, 700)), pen.lineTo((500, 0)), pen.closePath()
    strings = {".notdef": T2CharStringPen(500, None).getCharString(), "A": pen.getCharString()}
    builder.setupCFF("Cff-Regular", {"FullName": "Cff"}, strings, {})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "A": (500, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Cff", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    (clinic / "fonts").mkdir()
    builder.save(str(clinic / "fonts" / "Cff-Regular.otf"))
    _brand_error(clinic, "font: Atkinson Hyperlegible", "font: fonts/Cff-Regular.otf",
                 "brand.yaml:{line}: font: has PostScript (CFF) outlines", "use the TrueType (.ttf) version")


def test_a_brand_with_only_name_and_phone_still_prints_a_safety_line(clinic, tmp_path):
    write(clinic / "brand.yaml", "clinic: Minimal Clinic\nphone: 555-0199\n")
    out = tmp_path / "m.pdf"
    result = run("render", SAMPLE, "--date", "2026-12-01", "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    text = pdf_pages(out)[0]
    assert "Stop any exercise that causes sharp pain, and call us at 555-0199." in text
    assert "Minimal Clinic" in text
