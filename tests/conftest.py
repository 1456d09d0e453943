"""Shared fixtures: a copy of the sample clinic, a CLI runner, PDF readers."""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

# The tool's cache (instanced fonts, prepared pictures) goes to a folder of this
# test session, never the developer's ~/.cache; .ci/run sets its own, kept as is.
if not os.environ.get("HANDOUTGEN_CACHE_DIR"):
    _SESSION_CACHE = tempfile.mkdtemp(prefix="handoutgen-test-cache-")
    os.environ["HANDOUTGEN_CACHE_DIR"] = _SESSION_CACHE
    atexit.register(shutil.rmtree, _SESSION_CACHE, ignore_errors=True)

import pypdf
import pypdfium2 as pdfium
import pytest
import yaml
from click.testing import CliRunner

from handoutgen import models
from handoutgen import pdf as _pdf
from handoutgen.cli import cli
from handoutgen.flowables import LARGE_MIN_TEXT_PT, MIN_TEXT_PT
from visible import visibility_problems

REPO = Path(__file__).resolve().parent.parent
SAMPLE = "knee-arthritis-walking"


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """A private copy of the sample clinic to modify freely."""
    root = tmp_path / "clinic"
    root.mkdir()
    shutil.copy(REPO / "brand.yaml", root / "brand.yaml")
    for folder in ("handouts", "exercises", "images"):
        shutil.copytree(REPO / folder, root / folder)
    return root


class Result:
    def __init__(self, result):
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.exception = result.exception

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(*args: str, root: Path | None = None) -> Result:
    argv = list(args)
    if root is not None:
        argv += ["--root", str(root)]
    result = CliRunner().invoke(cli, argv, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result)


QPDF = shutil.which("qpdf")


def check_pdf(path: Path, margin: float | None = None) -> None:
    """The file opens cleanly in three independent readers: qpdf (structure,
    when installed; CI installs it), pypdf (strict) and PDFium (Chrome's),
    and every word on it is plainly visible (visible.py): inside the
    margins (`margin`; by default the narrowest of the brands in the
    test's folder), in or out of each box but never across its edge, on
    no picture, over no other word, and no smaller than the floor
    (FLOOR, which is flowables.MIN_TEXT_PT; LARGE_FLOOR for a PDF in large print)."""
    if QPDF:
        done = subprocess.run([QPDF, "--check", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, f"qpdf on {path}: " + done.stdout + done.stderr
    reader = pypdf.PdfReader(str(path), strict=True)
    pypdf_pages = len(reader.pages)
    floor = LARGE_FLOOR if is_large_print(reader) else FLOOR
    document = pdfium.PdfDocument(str(path))
    try:
        assert len(document) == pypdf_pages >= 1, f"{path}: readers disagree on the page count"
        for index in range(len(document)):
            page = document[index]
            assert page.get_textpage().get_text_range().strip(), f"{path}: PDFium finds no text on page {index + 1}"
    finally:
        document.close()
    if margin is None:
        margin = brand_margin(path)
    key = (str(path), path.stat().st_mtime_ns, path.stat().st_size, margin)
    if key not in _VISIBLE:  # pdf_pages checked it during the test, the fixture checks it again after
        _VISIBLE[key] = visibility_problems(path, margin=margin, floor=floor)
    problems = _VISIBLE[key]
    assert not problems, f"{path}: text not plainly visible ({len(problems)}):\n" + "\n".join(problems)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    _PASSED[digest] = max(margin, _PASSED.get(digest, margin))


_VISIBLE: dict[tuple, list[str]] = {}
# Every PDF that passed check_pdf this session, by SHA-256: the widest margins it passed at (a
# check at wider margins is the stricter one, so it stands for any check at narrower margins).
_PASSED: dict[str, float] = {}

# Every PDF handoutgen makes in this process is checked too, wherever it went: written outside
# the test's folder (a module's clinic, `-o -`), served by the web page, or never written at all.
# pdf._make_pdf is where every page is drawn, with the brand's own margins.
_MADE: list[tuple[bytes, float]] = []  # made during the running test: (the PDF, its margins)
_MADE_DIR = tempfile.mkdtemp(prefix="handoutgen-test-made-")
atexit.register(shutil.rmtree, _MADE_DIR, ignore_errors=True)


def _recording(make):
    @functools.wraps(make)
    def made(*args, **kwargs):
        data = make(*args, **kwargs)
        if _TEST_FOLDER:
            _MADE.append((data, kwargs["margin"]))
        return data

    made.__wrapped_by_conftest__ = True  # type: ignore[attr-defined]
    return made


if not getattr(_pdf._make_pdf, "__wrapped_by_conftest__", False):
    _pdf._make_pdf = _recording(_pdf._make_pdf)


def check_made_pdfs() -> None:
    """check_pdf on every PDF made in this process since the test began (each distinct one once
    a session, at its brand's margins), then forgets them."""
    made, _MADE[:] = list(_MADE), []
    for data, margin in made:
        digest = hashlib.sha256(data).hexdigest()
        if _PASSED.get(digest, -1.0) >= margin:
            continue
        path = Path(_MADE_DIR) / f"made-{digest[:16]}.pdf"  # outside every test's folder
        path.write_bytes(data)
        try:
            check_pdf(path, margin=margin)
        finally:
            path.unlink()
_TEST_FOLDER: list[Path] = []  # the running test's tmp_path, where its brand files are
FLOOR = MIN_TEXT_PT  # pt: the page engine never prints smaller text (the one definition, flowables.py)
LARGE_FLOOR = LARGE_MIN_TEXT_PT  # pt: nor, in large print, smaller than this


def is_large_print(reader: pypdf.PdfReader) -> bool:
    """Whether the PDF was made in large print (its subject says so: pipeline.py)."""
    subject = (reader.metadata or {}).get("/Subject") or ""
    return "large print" in str(subject)


def brand_margin(path: Path) -> float:
    """The margins of the brand that made the PDF: the narrowest of the
    brand files in the running test's folder (a test may have several; none
    of the valid ones is narrower than the PDF's) or, for a PDF elsewhere,
    the brand.yaml of the clinic folder it is in; else the narrowest the
    brand model accepts."""
    narrowest = getattr(models, "MARGIN_RANGE", (18.0,))[0]
    folder = _TEST_FOLDER[-1] if _TEST_FOLDER else None
    if folder is not None and path.is_relative_to(folder):
        candidates = folder.rglob("*.yaml")
    else:  # e.g. clinic/out/x.pdf, made in a module's clinic
        candidates = [parent / "brand.yaml" for parent in list(path.parents)[:3]]
    found = [margin for candidate in candidates if (margin := _margins_of(candidate)) is not None]
    return min(found, default=narrowest)


_BRAND = re.compile(r"^clinic:.*^phone:|^phone:.*^clinic:", re.MULTILINE | re.DOTALL)


def _margins_of(candidate: Path) -> float | None:
    """The margins a brand file sets, or None if it is not a valid brand file."""
    try:
        text = candidate.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not _BRAND.search(text):  # exercises and handouts: no need to parse them
        return None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        value = data.get("margins")
        return models.Brand.model_fields["margins"].default if value is None else models._margin(value)
    except Exception:  # an invalid brand, which makes no PDF; or the model changed
        return None


@pytest.fixture(autouse=True)
def every_pdf_is_readable(tmp_path):
    """After each test, every PDF handoutgen made in this process during it (check_made_pdfs),
    and every PDF in its temporary folder (made by other processes too), is checked."""
    _TEST_FOLDER.append(tmp_path)
    _MADE.clear()
    try:
        yield
        check_made_pdfs()  # first: at the exact margins, so the same files found below pass at once
        for path in tmp_path.rglob("*.pdf"):
            if path.is_file() and path.read_bytes()[:5] == b"%PDF-":
                if _PASSED.get(hashlib.sha256(path.read_bytes()).hexdigest(), -1.0) < brand_margin(path):
                    check_pdf(path)
    finally:
        _TEST_FOLDER.pop()
        _MADE.clear()
        _VISIBLE.clear()


def pdf_pages(path: Path) -> list[str]:
    """Text of each page, whitespace folded so wrapped lines compare equal,
    after checking the file with every reader (check_pdf)."""
    check_pdf(path)
    reader = pypdf.PdfReader(str(path), strict=True)
    return [normalize(page.extract_text()) for page in reader.pages]


def picture_widths(path: Path) -> list[float]:
    """Every picture's printed width, the logo included, pt."""
    document = pdfium.PdfDocument(str(path))
    widths = []
    try:
        for index in range(len(document)):
            for obj in document[index].get_objects(max_depth=4):
                if obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE:
                    left, _, right, _ = obj.get_bounds()
                    widths.append(right - left)
    finally:
        document.close()
    return widths


def normalize(text: str) -> str:
    return " ".join(text.split())


def assert_on_one_page(pages: list[str], strings) -> None:
    """Every string appears, and on exactly one page."""
    for s in strings:
        hits = [i for i, page in enumerate(pages) if normalize(s) in page]
        assert len(hits) == 1, f"{s!r} found on pages {hits}"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_user_error(result: Result, *expected: str) -> None:
    """Exit 1 with a clean message containing every expected fragment."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    for fragment in expected:
        assert fragment in result.output, f"{fragment!r} not in:\n{result.output}"


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file; the text must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def render_checked(clinic: Path, tmp_path: Path, *args: str) -> tuple[Result, Path]:
    """Render the sample to tmp_path/out.pdf; on failure, no PDF and no temp file may be left."""
    out = tmp_path / "out.pdf"
    result = run("render", SAMPLE, "-o", str(out), *args, root=clinic)
    if result.exit_code != 0:
        assert not out.exists(), "a PDF was written despite an error"
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")], "a temp file was left behind"
    return result, out
