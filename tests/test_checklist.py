"""The dosage checklist: one page, real check boxes, duplex with the handout."""

from __future__ import annotations

import pypdf
import pytest

from conftest import SAMPLE, assert_on_one_page, assert_user_error, line_of, pdf_pages, run

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


def test_28_days_fit_on_one_page(clinic, tmp_path):
    path = clinic / HANDOUT
    path.write_text(path.read_text().replace("days: 14", "days: 28"))
    result, out = _render(clinic, tmp_path, "--kind", "checklist", "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert len(pages) == 1
    assert_on_one_page(pages, ["Week 4", "Mon 28", "Pain (0–10)"])
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
    assert_user_error(result, f"{HANDOUT}: the checklist does not fit on one page:", "checklist.days")
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
