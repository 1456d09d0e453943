"""End-to-end: the sample handout renders to one correct, reproducible page."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import yaml

from conftest import REPO, SAMPLE, assert_on_one_page, normalize, pdf_pages, run, write
from handoutgen import dosage
from handoutgen.models import Exercise


def _sample_strings(root: Path) -> list[str]:
    """Every text of the sample's input files."""
    handout = yaml.safe_load((root / "handouts" / f"{SAMPLE}.yaml").read_text())
    brand = yaml.safe_load((root / "brand.yaml").read_text())
    strings = [handout["title"], *handout["summary"].split("\n\n")]
    for entry in handout["exercises"]:
        exercise = yaml.safe_load((root / "exercises" / f"{entry['use']}.yaml").read_text())
        strings += [exercise["name"], exercise["purpose"], *exercise["steps"]]
        strings += exercise.get("cautions", [])
        if exercise.get("equipment"):
            strings.append(exercise["equipment"])
        if entry.get("note"):
            strings.append(entry["note"])
    for section in handout["sections"]:
        strings += [section["heading"], *section["items"]]
    strings += [brand["clinic"], brand["tagline"], brand["phone"], brand["address"], brand["safety"],
                brand["footer"]]
    return strings


def test_sample_renders_one_page_with_every_word(clinic, tmp_path):
    out = tmp_path / "jane.pdf"
    result = run("render", f"handouts/{SAMPLE}.yaml", "--patient", "Jane Doe", "--therapist", "Sam Lee, PT",
                 "--date", "2026-12-01", "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert len(pages) == 1
    assert_on_one_page(pages, _sample_strings(clinic))
    assert_on_one_page(pages, ["Jane Doe", "Sam Lee, PT", "December 1, 2026",
                               "Do 10 times on each leg. Do 5 sets.", "Hold for 1 minute on each leg."])
    # The card says the dose once, as a sentence; the compact line is the checklist's.
    assert normalize("5 sets × 10 reps") not in pages[0] and normalize("hold 1 min · each leg") not in pages[0]
    assert "14 pt" in result.stdout  # the sample fits at the full body size


def test_sample_is_reproducible(clinic, tmp_path):
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for out in (a, b):
        assert run("render", SAMPLE, "--patient", "Jane Doe", "--date", "2026-12-01", "-o", str(out),
                   root=clinic).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    other = tmp_path / "c.pdf"
    run("render", SAMPLE, "--patient", "John Roe", "--date", "2026-12-01", "-o", str(other), root=clinic)
    assert other.read_bytes() != a.read_bytes()  # the comparison can fail


def test_pdf_metadata_fonts_and_size(clinic, tmp_path):
    out = tmp_path / "h.pdf"
    assert run("render", SAMPLE, "--patient", "Jane Doe", "-o", str(out), root=clinic).exit_code == 0
    reader = pypdf.PdfReader(str(out))
    assert reader.metadata.title == "Relieve Knee Arthritis Pain When Walking"
    assert reader.metadata.author == "More 4 Life Physical Therapy"
    assert "Jane Doe" not in str(reader.metadata)  # health information stays off metadata
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = []
    for ref in fonts.values():
        font = ref.get_object()
        names.append(str(font["/BaseFont"]))
        if "/DescendantFonts" in font:
            font = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in font["/FontDescriptor"], f"{font['/BaseFont']} not embedded"
    assert any("AtkinsonHyperlegible" in n for n in names)
    assert not any("Helvetica" in n for n in names)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_default_output_goes_to_out_and_never_uses_patient_name(clinic):
    result = run("render", SAMPLE, "--therapist", "Sam Lee, PT", root=clinic)
    assert result.exit_code == 0, result.output
    assert [p.name for p in (clinic / "out").iterdir()] == [f"{SAMPLE}.pdf"]
    # A patient's PDF never goes there by default: -o is required (test_patient_privacy.py).
    result = run("render", SAMPLE, "--patient", "Jane Doe", "--kind", "checklist", root=clinic)
    assert result.exit_code == 1 and "give -o FILE" in result.output
    assert "Jane" not in result.output
    assert [p.name for p in (clinic / "out").iterdir()] == [f"{SAMPLE}.pdf"]


def test_a4_brand(clinic, tmp_path):
    brand = clinic / "brand.yaml"
    brand.write_text(brand.read_text().replace("page_size: letter", "page_size: a4"))
    out = tmp_path / "a4.pdf"
    assert run("render", SAMPLE, "-o", str(out), root=clinic).exit_code == 0
    box = pypdf.PdfReader(str(out)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_unicode_names_print_with_fallback_font(clinic, tmp_path):
    out = tmp_path / "u.pdf"
    result = run("render", SAMPLE, "--patient", "Łukasz Nguyễn Ødegård", "--therapist", "José Muñoz",
                 "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert len(pages) == 1
    assert_on_one_page(pages, ["Łukasz Nguyễn Ødegård", "José Muñoz"])
    resources = pypdf.PdfReader(str(out)).pages[0]["/Resources"]
    fonts = [str(f.get_object()["/BaseFont"]) for f in resources["/Font"].values()]
    assert any("NotoSans" in f for f in fonts), fonts  # ễ is drawn by the fallback


def test_dose_override_from_command_line(clinic, tmp_path):
    out = tmp_path / "d.pdf"
    result = run("render", SAMPLE, "--dose", "push-off.reps=8", "--dose", "push-off.sets=3", "-o", str(out),
                 root=clinic)
    assert result.exit_code == 0, result.output
    assert_on_one_page(pdf_pages(out), ["Do 8 times on each leg. Do 3 sets."])
    log = tmp_path / "log.pdf"
    result = run("render", SAMPLE, "--dose", "push-off.reps=8", "--dose", "push-off.sets=3", "--kind", "checklist",
                 "-o", str(log), root=clinic)
    assert result.exit_code == 0, result.output
    assert normalize("3 sets × 8 reps · each leg") in " ".join(pdf_pages(log))


def test_video_link_prints_qr_code_and_address(clinic, tmp_path):
    path = clinic / "exercises" / "calf-stretch.yaml"
    path.write_text(path.read_text() + "video: https://example.org/calf\n")
    out = tmp_path / "q.pdf"
    result = run("render", SAMPLE, "-o", str(out), "--pages", "2", root=clinic)  # the code needs room
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert_on_one_page(pages, ["https://example.org/calf", "Scan to watch the video"])
    assert b"/Annot" not in out.read_bytes()  # printed, not a clickable link


def test_long_content_shrinks_but_never_below_floor(clinic, tmp_path):
    handout = clinic / "handouts" / f"{SAMPLE}.yaml"
    extra = "".join(f"  - name: Extra exercise {i}\n    steps: [Sit tall on a firm chair., "
                    f"Lift your arm slowly and lower it again, counting to three each way.]\n"
                    f"    dosage: {{reps: {i + 5}}}\n" for i in range(2))
    text = handout.read_text().replace("sections:", extra + "sections:")
    handout.write_text(text)
    out = tmp_path / "long.pdf"
    result = run("render", SAMPLE, "-o", str(out), "--patient", "Jane Doe", root=clinic)
    assert result.exit_code == 0, result.output
    size = float(result.stdout.split(", ")[-1].split(" pt")[0])
    assert 12 <= size < 14
    pages = pdf_pages(out)
    assert len(pages) == 1
    assert_on_one_page(pages, ["Extra exercise 0", "Do 5 times."])


def test_overflow_fails_cleanly_naming_handout_and_amount(clinic, tmp_path):
    handout = clinic / "handouts" / f"{SAMPLE}.yaml"
    steps = "\n".join(f"      - Step {j}, keep your back straight and breathe out slowly as you lift."
                      for j in range(6))
    extra = "".join(f"  - name: Exercise {i}\n    steps:\n{steps}\n    dosage: {{reps: 10}}\n" for i in range(10))
    handout.write_text(handout.read_text().replace("sections:", extra + "sections:"))
    out = tmp_path / "over.pdf"
    result = run("render", SAMPLE, "-o", str(out), root=clinic)
    assert result.exit_code == 1
    assert f"handouts/{SAMPLE}.yaml: the handout does not fit on one page:" in result.output
    assert " pt (" in result.output and "12 pt" in result.output
    assert not out.exists()
    assert "Traceback" not in result.output


def test_generate_py_and_module_entry_points(clinic, tmp_path):
    out = tmp_path / "e.pdf"
    done = subprocess.run([sys.executable, str(REPO / "generate.py"), "render", SAMPLE, "--root", str(clinic),
                           "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.is_file()
    done = subprocess.run([sys.executable, "-m", "handoutgen", "check", "--root", str(clinic)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 ok, 0 failed" in done.stdout


def test_build_writes_every_good_handout_and_reports_bad(clinic):
    write(clinic / "handouts" / "broken.yaml", "title: Broken\nexercises:\n  - use: calf-stretch\n"
                                               "    dosage: {reps: ten}\n")
    result = run("build", root=clinic)
    assert result.exit_code == 1
    assert (clinic / "out" / f"{SAMPLE}.pdf").is_file()
    assert not (clinic / "out" / "broken.pdf").exists()
    assert 'handouts/broken.yaml:4: exercises[0].dosage.reps: must be a whole number from 1 to 100 (got "ten")' \
        in result.output
    assert "1 rendered, 1 failed" in result.stdout


def test_check_writes_nothing(clinic):
    result = run("check", root=clinic)
    assert result.exit_code == 0, result.output
    assert not (clinic / "out").exists()


def test_installed_layouts_are_found_outside_the_repo(clinic):
    # The copied clinic has no layouts/ folder: the built-in ones are used.
    assert not (clinic / "layouts").exists()
    assert run("render", SAMPLE, root=clinic).exit_code == 0


def test_dosage_wording():
    make = lambda **kw: Exercise.model_validate({"name": "x", "steps": ["y"], "dosage": kw}).dosage  # noqa: E731
    # "_" marks a no-break space: a number keeps its unit, a compact item stays on one line.
    shown = lambda text: text.replace("\xa0", "_")  # noqa: E731
    assert shown(dosage.sentence(make(reps="10", sets="5", side="each", limb="leg", times_per_day="2"))) == \
        "Do 10_times on each leg. Do 5_sets. Twice a day."
    assert shown(dosage.compact(make(reps="10", sets="5", side="each", limb="leg", times_per_day="2"))) == \
        "5_sets_×_10_reps_· each_leg_· 2×_a_day"  # a line never starts with "·"
    assert shown(dosage.sentence(make(hold="1 min 30 s"))) == "Hold for 1_minute 30_seconds."
    assert shown(dosage.compact(make(duration="600", days_per_week="5"))) == "10_min_· 5_days_a_week"
    # One rep is "once"; with one set there is no rest between sets to speak of.
    assert shown(dosage.sentence(make(reps="1", hold="30s", rest="45", side="left", limb="arm"))) == \
        "Do it once with your left arm. Hold it for 30_seconds."
    assert shown(dosage.sentence(make(reps="10", sets="3", rest="45"))) == \
        "Do 10_times. Do 3_sets. Rest 45_seconds between sets."
    # "times" in one sense only: repetitions, then how often the whole exercise is done.
    assert shown(dosage.sentence(make(reps="5", times_per_day="4"))) == \
        "Do 5_times. Do the whole exercise 4_times a day."


def test_the_same_text_at_two_widths_wraps_right_in_both(clinic, tmp_path):
    """Paragraphs are shared between uses; each use must still get its own line breaks."""
    step = "Land softly with your arch domed, your weight on your heel, big toe and little toe."
    write(clinic / "handouts" / "twice.yaml", "title: Twice\nexercises:\n  - use: push-off\n  - use: calf-stretch\n"
                                               f"sections:\n  - heading: Again\n    items:\n      - {step}\n")
    out = tmp_path / "twice.pdf"
    result = run("render", "twice", "--date", "2026-12-01", "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    pdf_pages(out)
    # An item's bullet or number is drawn with its first line.
    lines = [re.sub(r"^(•|\d+\.) ", "", " ".join(line.split()))
             for line in pypdf.PdfReader(str(out)).pages[0].extract_text().splitlines()]
    assert lines.count(step) == 1, "the full-width section item is one line"
    assert any(line.startswith("Land softly") and len(line) < len(step) for line in lines), \
        "the same text inside the narrower card is wrapped"


def test_every_dose_field_reaches_the_layout(clinic, tmp_path):
    """A clinic's own layout can word the dose itself: every field is there, durations
    with their seconds and their words in the page's language."""
    from handoutgen.layout import builtin_layouts_dir

    (clinic / "layouts").mkdir()
    shutil.copy(builtin_layouts_dir() / "_parts.xml.j2", clinic / "layouts" / "_parts.xml.j2")
    source = (builtin_layouts_dir() / "handout.xml.j2").read_text()
    mine = ("<say>{{ ex.dose.sets }}|{{ ex.dose.reps }}|{{ ex.dose.side }}|{{ ex.dose.limb }}|"
            "{{ ex.dose.hold.seconds if ex.dose.hold }}|{{ ex.dose.hold.long if ex.dose.hold }}|"
            "{{ ex.dose.duration }}|{{ ex.dose.rest }}|{{ ex.dose.times_per_day }}|{{ ex.dose.days_per_week }}</say>")
    assert "<say>{{ ex.dose.sentence }}</say>" in source
    (clinic / "layouts" / "handout.xml.j2").write_text(source.replace("<say>{{ ex.dose.sentence }}</say>", mine))
    out = tmp_path / "fields.pdf"
    result = run("render", SAMPLE, "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    text = normalize(" ".join(pdf_pages(out))).replace(" ", "")  # the line may wrap anywhere
    assert "5|10|each|leg|||None|None|None|None" in text  # push-off: 5 sets of 10 on each leg, no hold
    assert "None|None|each|leg|60|1minute|None|None|None|None" in text  # calf stretch: held a minute
