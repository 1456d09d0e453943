"""The dosage checklist: real check boxes, duplex with the handout; the
week grids measured (box sizes and gaps, day headings, splitting between
rows) and the note lines."""

from __future__ import annotations

import datetime as dt
import math
import re
from io import BytesIO
from xml.sax.saxutils import escape

import pypdf
import pytest
from reportlab.lib.colors import HexColor
from reportlab.pdfgen.canvas import Canvas

from conftest import SAMPLE, assert_on_one_page, assert_user_error, line_of, pdf_pages, run
from handoutgen import checklist
from handoutgen.boxes import Ruled
from handoutgen.checklist import NoteLines
from handoutgen.flowables import Context, Fit, Renderer
from handoutgen.fonts import default_font_files, font_set
from handoutgen.markup import parse

HANDOUT = f"handouts/{SAMPLE}.yaml"


def _checkboxes(path) -> list[str]:
    names = []
    for page in pypdf.PdfReader(str(path)).pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/FT") == "/Btn":
                names.append(str(annot["/T"]))
    return names


def _render(clinic, tmp_path, *args):
    out = tmp_path / "c.pdf"
    result = run("render", SAMPLE, "-o", str(out), *args, root=clinic)
    return result, out


def test_sample_checklist(clinic, tmp_path):
    result, out = _render(clinic, tmp_path, "--kind", "checklist", "--patient", "Jane Doe",
                          "--therapist", "Sam Lee, PT", "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert len(pages) == 1
    assert_on_one_page(pages, ["Push-Off and Balance", "5 sets × 10 reps · each leg", "Calf Stretch",
                               "hold 1 min · each leg", "314-941-3970", "Jane Doe", "Sam Lee, PT",
                               "Bring this sheet to your next visit", "Week 1 · Dec", "Tue 1", "Mon 14", "Pain (0–10)",
                               "Notes for your therapist"])
    assert "Tue 15" not in pages[0]
    boxes = _checkboxes(out)
    assert len(boxes) == 2 * 14 * 1
    assert len(set(boxes)) == len(boxes)
    assert "ex1-day01-s1" in boxes and "ex2-day14-s1" in boxes


def test_28_days_print(clinic, tmp_path):
    """On one page with the one-page fitter; the page engine may take a second
    page to keep 14 pt text (a checklist may use two)."""
    path = clinic / HANDOUT
    path.write_text(path.read_text().replace("days: 14", "days: 28"))
    result, out = _render(clinic, tmp_path, "--kind", "checklist", "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert len(pages) <= 2
    assert_on_one_page(pages, ["Week 4 · Dec", "Mon 28", "Notes for your therapist"])
    assert sum(page.count("Pain (0–10)") for page in pages) == 4
    assert len(_checkboxes(out)) == 2 * 28


def test_sessions_per_day_and_days_per_week(clinic, tmp_path):
    path = clinic / HANDOUT
    path.write_text(path.read_text().replace("limb: leg}", "limb: leg, times_per_day: 3, days_per_week: 5}", 1))
    result, out = _render(clinic, tmp_path, "--kind", "checklist", "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert len(pages) == 1
    assert_on_one_page(pages, ["Any 5 days each week", "3× a day"])
    boxes = _checkboxes(out)
    assert len(boxes) == 14 * 3 + 14 * 1  # push-off 3 a day, calf stretch once
    assert "ex1-day14-s3" in boxes


def test_without_a_date_days_are_numbered(clinic, tmp_path):
    assert run("build", root=clinic).exit_code == 0
    checklist = clinic / "out" / f"{SAMPLE}-checklist.pdf"
    pages = pdf_pages(checklist)
    assert_on_one_page(pages, ["Day 1", "Day 14"])
    assert len(_checkboxes(checklist)) == 28


def test_no_pain_row_when_switched_off(clinic, tmp_path):
    path = clinic / HANDOUT
    path.write_text(path.read_text().replace("pain_score: true", "pain_score: false"))
    result, out = _render(clinic, tmp_path, "--kind", "checklist")
    assert result.exit_code == 0, result.output
    assert "Pain (0–10)" not in pdf_pages(out)[0]
    assert "write your pain" not in pdf_pages(out)[0]


def test_both_is_two_pages_handout_first(clinic, tmp_path):
    result, out = _render(clinic, tmp_path, "--kind", "both", "--patient", "Jane Doe")
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert len(pages) == 2
    assert "Land softly with your arch domed" in pages[0] and "Exercise log" not in pages[0]
    assert "Exercise log" in pages[1] and "Land softly" not in pages[1]
    assert "Jane Doe" in pages[0] and "Jane Doe" in pages[1]
    assert len(_checkboxes(out)) == 28


def test_too_many_exercises_for_the_checklist_fails_cleanly(clinic, tmp_path):
    path = clinic / HANDOUT
    extra = "".join(f"  - name: Drill {i}\n    steps: [Do it.]\n    dosage: {{reps: 5, times_per_day: 6}}\n"
                    for i in range(8))
    path.write_text(path.read_text().replace("sections:", extra + "sections:").replace("days: 14", "days: 28"))
    result, out = _render(clinic, tmp_path, "--kind", "checklist")
    assert_user_error(result, f"{HANDOUT}: the checklist does not fit on", "checklist.days")
    assert not out.exists()


@pytest.mark.parametrize("old,new,expected", [
    ("days: 14", "days: 0", "checklist.days: must be a whole number from 7 to 28 (got \"0\")"),
    ("days: 14", "days: 60", "checklist.days: must be a whole number from 7 to 28 (got \"60\")"),
    ("pain_score: true", "pain_score: maybe", 'checklist.pain_score: must be true or false (got "maybe")'),
    ("pain_score: true", "pain_score: true, colour: red", 'checklist.colour: unknown field'),
    ("limb: leg}", "limb: leg, times_per_day: 13}",
     'exercises[0].dosage.times_per_day: must be a whole number from 1 to 12 (got "13")'),
])
def test_bad_checklist_input(clinic, tmp_path, old, new, expected):
    path = clinic / HANDOUT
    path.write_text(path.read_text().replace(old, new, 1))
    result, out = _render(clinic, tmp_path, "--kind", "checklist")
    line = line_of(path, new)
    assert_user_error(result, f"{HANDOUT}:{line}: {expected}")
    assert not out.exists()


def test_a_box_ticked_in_a_pdf_app_shows_a_tick(clinic, tmp_path):
    """The boxes are working form fields: setting one to Yes draws its check mark."""
    import pypdfium2 as pdfium
    from PIL import ImageChops

    result, out = _render(clinic, tmp_path, "--kind", "checklist", "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(str(out))
    widget = next(a.get_object() for a in reader.pages[0]["/Annots"]
                  if a.get_object()["/T"] == "ex1-day03-s1")
    assert set(widget["/AP"]["/N"].keys()) == {"/Yes", "/Off"}
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.update_page_form_field_values(writer.pages[0], {"ex1-day03-s1": "/Yes"}, auto_regenerate=False)
    ticked = tmp_path / "ticked.pdf"
    with open(ticked, "wb") as f:
        writer.write(f)

    def picture(path):
        document = pdfium.PdfDocument(str(path))
        document.init_forms()  # draw form fields as a PDF app does
        image = document[0].render(scale=2, may_draw_forms=True).to_pil().convert("L")
        document.close()
        return image

    x0, y0, x1, y1 = (float(v) * 2 for v in widget["/Rect"])
    height = picture(out).height
    box = (int(x0), int(height - y1), int(x1), int(height - y0))  # PDF y grows upwards
    before, after = picture(out).crop(box), picture(ticked).crop(box)
    changed = ImageChops.difference(before, after).getbbox()
    assert changed is not None, "ticking the box drew nothing"
    assert sum(after.point(lambda v: v < 128 and 255).histogram()[255:]) > sum(
        before.point(lambda v: v < 128 and 255).histogram()[255:])  # more dark pixels: a tick


# ------------------------------------------------------------ the week grid, measured
FONTS = font_set(*default_font_files())
INCH = 72.0
MIN_BOX, MIN_GAP = 0.2 * INCH, 0.1 * INCH
WORST = (1, 2, 3, 4, 5, 6, 6, 2)  # times a day of the 8-exercise program of issue 11
NAMES = ("Push-Off and Balance", "Calf Stretch", "Quadriceps Sets", "Straight Leg Raises", "Ankle Pumps",
         "Heel Slides", "Seated Knee Bends in a Chair", "Short Walk Around the House")


def _ctx(body: float = 14.0, space: float = 0.5, width: float = 540.0) -> Context:
    return Context(fonts=FONTS, primary=HexColor("#1B5E8C"), accent=HexColor("#E8772E"), pictures={},
                   fit=Fit(body=body, space=space), width=width)


def _markup(sessions, days: int = 14, start: str | None = "2026-12-01", pain: bool = True) -> str:
    rows = "".join(f'<row id="{i}" sessions="{n}"><name>{escape(NAMES[(i - 1) % len(NAMES)])}</name>'
                   f"<short>2 sets × 10 reps · each leg · {n}× a day</short></row>"
                   for i, n in enumerate(sessions, 1))
    when = f' start="{start}"' if start else ""
    return (f'<page><grid days="{days}"{when} pain="{"yes" if pain else "no"}">{rows}</grid>'
            "<notes>Notes for your therapist</notes></page>")


def _weeks(sessions, ctx: Context | None = None, **kw) -> list[Ruled]:
    page = parse(_markup(sessions, **kw))
    return checklist.grid(Renderer(ctx or _ctx()), page.first("grid"))


class Recorder(Canvas):
    """A canvas that keeps every grid line drawn (segment, width) and every check box (name, x, y, size)."""

    def __init__(self):
        super().__init__(BytesIO(), pagesize=(612, 2000))
        self.segments: list[tuple[tuple, float]] = []
        self.boxes: list[tuple[str, float, float, float]] = []

    def lines(self, linelist):
        self.segments += [(tuple(seg), self._lineWidth) for seg in linelist]
        super().lines(linelist)


@pytest.fixture
def recorded(monkeypatch):
    """Draw flowables on a Recorder; check boxes are recorded where add_boxes puts them."""
    def add_boxes(canv, style, boxes):
        canv.boxes += [(name, *canv.absolutePosition(x, y), style.size) for name, x, y in boxes]

    monkeypatch.setattr(checklist.checkboxes, "add_boxes", add_boxes)

    def draw(flowables, width: float = 540.0) -> Recorder:
        canv = Recorder()
        y = 1950.0
        for f in flowables:
            _, h = f.wrapOn(canv, width, 1e6)
            y -= f.getSpaceBefore() + h
            f.drawOn(canv, 36, y)
            y -= f.getSpaceAfter()
        return canv
    return draw


def _gap(a: tuple, b: tuple) -> float:
    """The distance between two rectangles (x0, y0, x1, y1): 0 when they touch or overlap."""
    dx = max(a[0] - b[2], b[0] - a[2], 0.0)
    dy = max(a[1] - b[3], b[1] - a[3], 0.0)
    return math.hypot(dx, dy)


def _ink(segment: tuple, width: float) -> tuple:
    """The rectangle a straight line of `width` covers."""
    x0, y0, x1, y1 = segment
    half = width / 2
    return min(x0, x1) - half, min(y0, y1) - half, max(x0, x1) + half, max(y0, y1) + half


def _assert_geometry(canv: Recorder) -> tuple[float, float]:
    """Every box ≥ 0.2 in; ≥ 0.1 in to any other box and to the ink of any grid line.
    Returns (the smallest box-box gap, the smallest box-rule gap)."""
    assert canv.boxes, "no check boxes drawn"
    squares = [(x, y, x + size, y + size) for _, x, y, size in canv.boxes]
    assert min(size for *_, size in canv.boxes) >= MIN_BOX - 1e-6
    rules = [_ink(seg, width) for seg, width in canv.segments]
    assert rules, "no grid lines drawn"
    # Box to box: only near neighbours can be close, so compare boxes within 30 pt in x.
    squares.sort()
    box_gap = math.inf
    for i, a in enumerate(squares):
        for b in squares[i + 1:]:
            if b[0] - a[2] > 30:
                break
            box_gap = min(box_gap, _gap(a, b))
    rule_gap = min(_gap(a, r) for a in squares for r in rules)
    assert box_gap >= MIN_GAP - 1e-6, f"two boxes {box_gap:.2f} pt apart"
    assert rule_gap >= MIN_GAP - 1e-6, f"a box {rule_gap:.2f} pt from a grid line"
    return box_gap, rule_gap


@pytest.mark.parametrize("body", [12.0, 13.0, 14.0, 16.0, 18.0])
@pytest.mark.parametrize("space", [0.3, 0.5, 1.0, 1.5])
def test_boxes_are_big_enough_and_never_close(recorded, body, space):
    weeks = _weeks(WORST + (12,), _ctx(body, space))
    canv = recorded(weeks)
    box_gap, rule_gap = _assert_geometry(canv)
    assert len(canv.boxes) == 14 * sum(WORST + (12,))
    # Sizes grow with the spacing: 0.2 in in the most compact layout, 15.5 pt when there is room.
    assert {round(size, 6) for *_, size in canv.boxes} == {14.4 if space <= 0.5 else 15.5}
    if body <= 14:  # no wider than two boxes need: the names keep the rest
        assert box_gap == pytest.approx(MIN_GAP)


def test_every_box_has_its_name_once(recorded):
    canv = recorded(_weeks(WORST))
    names = [name for name, *_ in canv.boxes]
    assert len(set(names)) == len(names) == 14 * sum(WORST)
    expected = {f"ex{row}-day{day:02d}-s{k}" for row, n in enumerate(WORST, 1) for day in range(1, 15)
                for k in range(1, n + 1)}
    assert set(names) == expected


@pytest.mark.parametrize("sessions", range(1, 13))
def test_sessions_go_in_pairs_line_under_line(recorded, sessions):
    """A day's boxes: two a line, session 1 top left, read like text; one box alone is centred."""
    canv = recorded(_weeks([sessions], days=1))
    boxes = [(name, x, y) for name, x, y, _ in canv.boxes]
    assert [name for name, *_ in boxes] == [f"ex1-day01-s{k}" for k in range(1, sessions + 1)]
    xs = sorted({round(x, 3) for _, x, _ in boxes})
    ys = sorted({round(y, 3) for _, _, y in boxes}, reverse=True)
    assert len(ys) == math.ceil(sessions / 2) and len(xs) == min(sessions, 2)
    for k, (_, x, y) in enumerate(boxes):
        assert round(y, 3) == ys[k // 2]
        assert round(x, 3) == xs[k % 2 if sessions > 1 else 0]
    if sessions == 1:  # centred between the day's rules
        week = _weeks([1], days=1)[0]
        left = 36 + week.widths[0]
        assert xs[0] - left == pytest.approx(left + week.widths[1] - (xs[0] + 14.4))


def test_row_heights_are_the_boxes_and_their_gaps():
    """With short names, a row is as tall as its boxes need: 1–2 a day one line,
    3–4 two, 5–6 three; with gaps of 0.1 in, a line of boxes costs 0.3 in."""
    weeks = _weeks([1, 2, 3, 4, 5, 6], _ctx(14, 0.5), days=14)
    second = weeks[1]  # later weeks show the names only
    rows = second.row_heights[1:-1]
    line = MIN_BOX + MIN_GAP
    expected = [line * math.ceil(n / 2) + MIN_GAP + 0.8 for n in (1, 2, 3, 4, 5, 6)]
    assert rows == pytest.approx(expected)
    assert expected == pytest.approx([29.6, 29.6, 51.2, 51.2, 72.8, 72.8])


@pytest.mark.parametrize("body", [12.0, 12.5, 13.0, 13.5, 14.0, 16.0, 18.0])
@pytest.mark.parametrize("start", ["2026-12-01", "2026-09-24", None])  # Tue 1 …; … Wed 30; Day 1 …
def test_a_day_heading_never_breaks(body, start):
    ctx = _ctx(body, 0.5)
    weeks = _weeks([6, 1], ctx, days=28, start=start)
    first = dt.date.fromisoformat(start) if start else None
    shown = []
    for week in weeks:
        heading = week.rows[week.head - 1]
        for cell, width in zip(heading[1:], week.widths[1:], strict=True):
            (para,) = cell
            para.wrap(width, 1e6)
            assert len(para.blPara.lines) == 1, f"{para.text!r} wraps at {body} pt"
            assert para.minWidth() <= width - 2 * checklist.HEAD_PAD - checklist.RULE + 1e-6
            assert para.style.fontSize == max(12.0, body * 0.86)
            shown.append(para.text.replace("\u00a0", " "))
    if first is None:
        assert shown == [f"Day {d}" for d in range(1, 29)]
    else:
        assert shown == [f"{day:%a} {day.day}" for day in (first + dt.timedelta(days=d) for d in range(28))]
        assert "Wed 30" in shown or start == "2026-12-01"
    names = weeks[0].widths[0]
    if body <= 14:  # the names keep a column 2.5 in wide
        assert names >= 2.5 * INCH
    elif body == 16:
        assert names >= checklist.MIN_LABEL * 540
    else:  # large print: the names go above their boxes, the days share the width
        assert names == 0 and weeks[0].widths[1:] == pytest.approx([540 / 7] * 7)


def _stacked(sessions, body: float = 18.0, width: float = 540.0, **kw) -> list[Ruled]:
    weeks = _weeks(sessions, _ctx(body, 0.5, width), **kw)
    assert weeks[0].widths[0] == 0 and weeks[0].head == 2  # the names above their boxes
    return weeks


def test_large_print_puts_each_name_above_its_boxes(recorded):
    """At 18 pt a names column would be thin: each exercise's name (and, in week 1, its dose)
    runs across the width over a row of its boxes, up to three a day side by side."""
    weeks = _stacked(WORST)
    week = weeks[0]
    assert 0 in week.spans and 1 not in week.spans  # the week's title across, the days under it
    # Each exercise: a name row across the width, then its boxes, glued to it.
    for k, count in enumerate(WORST):
        name_row, box_row = 2 + 2 * k, 3 + 2 * k
        assert name_row in week.spans and box_row in week.glued and name_row not in week.glued
        assert NAMES[k] in week.rows[name_row][0][0].text
        assert "× a day" in week.rows[name_row][0][0].text  # the dose, in week 1
        assert week.row_heights[box_row] == pytest.approx(week.rows[box_row][1][0].geo.row(count))
    assert "× a day" not in weeks[1].rows[2][0][0].text
    canv = recorded(weeks)
    _assert_geometry(canv)
    # Up to three a line, the lines as even as can be: 4 a day are 2 and 2, 5 are 3 and 2.
    for count, row in zip(WORST, range(1, 9), strict=True):
        day1 = [(x, y) for name, x, y, _ in canv.boxes if name.startswith(f"ex{row}-day01-")]
        lines = sorted({round(y, 3) for _, y in day1}, reverse=True)
        per = [sum(1 for _, y in day1 if round(y, 3) == line) for line in lines]
        assert per == {1: [1], 2: [2], 3: [3], 4: [2, 2], 5: [3, 2], 6: [3, 3]}[count]


@pytest.mark.parametrize("body", [14.0, 18.0])
def test_with_wide_margins_the_names_go_above_and_the_rules_hold(recorded, body):
    """A4 with 1.5 in margins leaves 379 pt: too little for a names column beside 7 days."""
    width = 595.28 - 2 * 108
    weeks = _stacked([1, 3, 6], body=body, width=width, days=14, start="2026-09-24")
    for week in weeks:
        for cell, day in zip(week.rows[1][1:], week.widths[1:], strict=True):
            (para,) = cell
            para.wrap(day, 1e6)
            assert len(para.blPara.lines) == 1 and para.style.fontSize >= 12.0
    _assert_geometry(recorded(weeks, width))


def test_a_stacked_week_splits_between_exercises(recorded):
    week = _stacked(WORST)[0]
    heights = week.row_heights
    # Room for the heading (2 rows), one exercise (2 rows) and the next one's name only.
    first, rest = week.split_rows(sum(heights[:5]) + 1)
    assert len(first.rows) == 4 and first.rows == week.rows[:4]
    assert "Week 1 (continued)" in rest.rows[0][0][0].text and rest.rows[1] == week.rows[1]
    assert rest.rows[2:] == week.rows[4:] and rest.head == 2
    assert rest.spans == {0} | {n for n in range(2, len(rest.rows), 2)}
    _assert_geometry(recorded([first, rest]))
    # The pain row's label and its cells go with the last exercise.
    first, rest = week.split_rows(sum(heights[:-1]))
    assert len(rest.rows) == 2 + 4


def _split_all(week: Ruled, rooms) -> list[Ruled]:
    parts, rest = [], week
    for room in rooms:
        halves = rest.split_rows(room)
        if halves is None:
            break
        first, rest = halves
        parts.append(first)
    return parts + [rest]


def test_a_week_splits_between_rows_under_a_repeated_heading(recorded):
    week = _weeks(WORST)[0]
    assert week.splittable is True
    heights = week.row_heights
    header = heights[0]
    # Room for the heading and three rows, and a little more: the fourth does not fit.
    room = sum(heights[:4]) + heights[4] / 2
    first, rest = week.split_rows(room)
    assert first.splittable and rest.splittable
    assert first.rows == week.rows[:4]
    assert first.row_heights == pytest.approx(heights[:4])
    assert first.wrapOn(None, 540, 1e6)[1] <= room
    assert rest.rows[1:] == week.rows[4:]
    assert "Week 1 (continued)" in rest.rows[0][0][0].text and rest.rows[0][1:] == week.rows[0][1:]
    assert rest.row_heights[1:] == pytest.approx(heights[4:])
    # The heading row keeps its colour, and so does the pain row.
    assert set(first.backgrounds) == {0} and set(rest.backgrounds) == {0, len(rest.rows) - 1}
    # Every box is drawn once, across the two parts, and the gaps hold in both.
    canv = recorded([first, rest])
    _assert_geometry(canv)
    assert sorted(n for n, *_ in canv.boxes) == sorted(n for n, *_ in recorded([week]).boxes)
    # Not even the heading and one row: no split.
    assert week.split_rows(header + heights[1] - 0.5) is None
    assert week.split_rows(header + heights[1])[0].rows == week.rows[:2]
    # Room for all of it: nothing to split.
    assert week.split_rows(sum(heights) + 1) is None


def test_the_pain_row_never_starts_a_page_alone():
    week = _weeks(WORST)[0]
    heights = week.row_heights
    first, rest = week.split_rows(sum(heights[:-1]) + 1)  # all but the pain row would fit
    assert [r[0][0].text for r in rest.rows[1:]][-1] == "Pain (0–10)"
    assert len(rest.rows) == 3  # continued heading, the last exercise, the pain row
    assert len(first.rows) == len(week.rows) - 2


def test_a_long_week_splits_again_and_again(recorded):
    week = _weeks([6] * 8)[0]
    parts = _split_all(week, [120] * 10)
    assert len(parts) > 3
    assert all(p.wrapOn(None, 540, 1e6)[1] <= 120 for p in parts[:-1])
    assert [row for p in parts for row in p.rows[1:]] == week.rows[1:]
    assert all("(continued)" in p.rows[0][0][0].text for p in parts[1:])
    _assert_geometry(recorded(parts))


def test_note_lines_stretch_into_the_room_left(recorded):
    page = parse(_markup([1]))
    for body in (12.0, 14.0):
        heading, lines = checklist.notes(Renderer(_ctx(body)), page.first("notes"))
        assert heading.text == "Notes for your therapist"
        assert isinstance(lines, NoteLines) and lines.min_lines == lines.lines == 1
        assert lines.pitch >= 1.9 * body and lines.rule == 0.8
        one = lines.wrapOn(None, 540, 1e6)[1]
        assert lines.stretch(lines.pitch * 3.5) == 3
        assert lines.lines == 4
        assert lines.wrapOn(None, 540, 1e6)[1] == pytest.approx(one + 3 * lines.pitch)
        assert lines.stretch(lines.pitch - 0.1) == 0 and lines.stretch(-5) == 0 and lines.lines == 4
        canv = recorded([lines])
        drawn = sorted(seg[1] for seg, width in canv.segments)
        assert len(drawn) == 4 and all(width == 0.8 for _, width in canv.segments)
        assert all(b - a == pytest.approx(lines.pitch) for a, b in zip(drawn, drawn[1:], strict=False))
        assert all(seg[2] - seg[0] == pytest.approx(540) for seg, _ in canv.segments)


# --------------------------------------------------- the 8-exercise program of issue 11
PROGRAM = """title: Knee Replacement, Weeks 1 and 2
summary: Move your new knee a little, often, every day.
exercises:
  - use: push-off
    dosage: {reps: 10, sets: 5, side: each, limb: leg, times_per_day: 1}
  - use: calf-stretch
    dosage: {hold: 1 min, side: each, limb: leg, times_per_day: 2}
  - name: Quadriceps Sets
    steps: [Press the back of your knee down into the bed.]
    dosage: {reps: 10, hold: 5 s, times_per_day: 3}
  - name: Straight Leg Raises
    steps: [Lift your straight leg to the height of the other knee.]
    dosage: {reps: 10, sets: 2, side: each, limb: leg, times_per_day: 4, days_per_week: 5}
  - name: Ankle Pumps
    steps: [Point and flex your feet.]
    dosage: {reps: 20, times_per_day: 5}
  - name: Heel Slides
    steps: [Slide your heel toward you, bending the knee.]
    dosage: {reps: 10, times_per_day: 6}
  - name: Seated Knee Bends in a Chair
    steps: [Slide your foot back under the chair.]
    dosage: {reps: 15, sets: 2, hold: 10 s, times_per_day: 6}
  - name: Short Walk Around the House
    steps: [Walk with your walker.]
    dosage: {duration: 10 min, times_per_day: 2}
checklist: {days: 14, pain_score: true}
"""
# Room on a letter page (36 pt margins: 540 × 720 pt) in the worst case of issue 11:
# page 1 keeps the clinic header (~80 pt), the title, the program's name, the names band
# and the instruction (measured) and the safety box and footer (~70 pt); page 2 a running
# header (~30 pt) and the safety box and footer.
FRAME = 720.0
PAGE1_FIXED, PAGE2_FIXED = 80.0 + 70.0, 30.0 + 70.0
HEAD = ('<page><title>Exercise log</title><p><b>Knee Replacement, Weeks 1 and 2</b></p>'
        '<meta><field label="For">Jane Doe</field><field label="Therapist">Sam Lee, PT</field>'
        '<field label="Start">December 1, 2026</field></meta><p>Tick one box each time you do an exercise. '
        "Each evening, write your pain from 0 (none) to 10 (worst).</p></page>")


def _program_blocks(body: float, space: float):
    """(page-1 head height, the weeks, the notes) of the 8-exercise program, as its layout makes them."""
    renderer = Renderer(_ctx(body, space))
    head = renderer.blocks(parse(HEAD).elements())
    rows = "".join(f'<row id="{i}" sessions="{n}"><name>{name}</name><short>{short}</short></row>'
                   for i, (n, name, short) in enumerate(zip(WORST, NAMES, (
                       "5 sets × 10 reps · each leg · 1× a day", "hold 1 min · each leg · 2× a day",
                       "10 reps · hold 5 s · 3× a day", "2 sets × 10 reps · each leg · 4× a day · 5 days a week",
                       "20 reps · 5× a day", "10 reps · 6× a day", "2 sets × 15 reps · hold 10 s · 6× a day",
                       "10 min · 2× a day"), strict=True), 1))
    page = parse(f'<page><grid days="14" start="2026-12-01" pain="yes">{rows}</grid><notes>Notes for your '
                 "therapist</notes></page>")
    weeks = checklist.grid(renderer, page.first("grid"))
    notes = checklist.notes(renderer, page.first("notes"))
    return sum(_outer(f) for f in head), weeks, notes


def _outer(f) -> float:
    return f.getSpaceBefore() + f.wrapOn(None, 540, 1e6)[1] + f.getSpaceAfter()


def _pages_needed(body: float, space: float) -> list[float]:
    """Lay the weeks and notes down pages of the worst-case room, splitting weeks between
    rows as the page engine does; returns the room left on each page."""
    head, weeks, notes = _program_blocks(body, space)
    rooms = [FRAME - PAGE1_FIXED - head]
    queue: list = [[w] for w in weeks] + [notes]
    while queue:
        unit = queue.pop(0)
        height = sum(_outer(f) for f in unit)
        if height <= rooms[-1] + 0.01:
            rooms[-1] -= height
            continue
        block = unit[0]
        halves = block.split_rows(rooms[-1] - block.getSpaceBefore()) if len(unit) == 1 else None
        if halves:
            rooms[-1] -= _outer(halves[0])
            queue.insert(0, [halves[1]])
        else:
            queue.insert(0, unit)
        rooms.append(FRAME - PAGE2_FIXED)
        assert len(rooms) < 5
    return rooms


@pytest.mark.parametrize("body", [12.0])
def test_the_8_exercise_program_fits_two_pages(body):
    """8 exercises × 14 days, 1–6 times a day, pain row on: two weeks on two pages."""
    rooms = _pages_needed(body, 0.5)
    assert len(rooms) == 2, rooms


def test_the_8_exercise_program_renders(clinic, tmp_path):
    """End to end, once the page engine places a checklist on up to two pages."""
    (clinic / "handouts" / "program.yaml").write_text(PROGRAM)
    out = tmp_path / "program.pdf"
    result = run("render", "program", "--kind", "checklist", "--date", "2026-12-01", "--patient", "Jane Doe",
                 "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert len(pages) == 2
    text = " ".join(pages)
    for name in NAMES:
        assert text.count(name) == 2, name  # once a week
    assert text.count("Pain (0–10)") == 2
    assert_on_one_page(pages, ["Week 1 · Dec", "Week 2 · Dec", "Mon 14", "Notes for your therapist"])
    boxes = _checkboxes(out)
    assert len(boxes) == len(set(boxes)) == 14 * sum(WORST)


def test_a_row_says_the_days_a_week_once(clinic, tmp_path):
    """The compact line leaves the days a week to the row's own "Any 3 days each week"."""
    path = clinic / "exercises" / "calf-stretch.yaml"
    text = path.read_text()
    path.write_text(re.sub(r"(?m)^dosage: \{", "dosage: {days_per_week: 3, ", text, count=1))
    out = tmp_path / "log.pdf"
    result = run("render", SAMPLE, "--kind", "checklist", "--date", "2026-12-01", "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_pages(out))
    assert "Any 3 days each week" in text and "3 days a week" not in text
