"""Bad input: a clear `file:line: field: message`, exit 1, no traceback, no PDF."""

from __future__ import annotations

import sys

import pytest

from conftest import SAMPLE, assert_on_one_page, assert_user_error, edit, line_of, pdf_pages, render_checked, run, write

HANDOUT = f"handouts/{SAMPLE}.yaml"


def _render(clinic, tmp_path):
    return render_checked(clinic, tmp_path)


# (file, old text, new text, expected message fragments; {line} = line of the new text)
CASES = {
    "reps not a number": (HANDOUT, "reps: 10,", "reps: ten,",
                          ['{file}:{line}: exercises[0].dosage.reps: '
                           'must be a whole number from 1 to 100 (got "ten")']),
    "reps out of range": (HANDOUT, "reps: 10,", "reps: 101,",
                          ["exercises[0].dosage.reps: must be a whole number from 1 to 100 (got \"101\")"]),
    "reps zero": (HANDOUT, "reps: 10,", "reps: 0,", ["exercises[0].dosage.reps: must be a whole number from 1 to 100"]),
    "reps fraction": (HANDOUT, "reps: 10,", "reps: 3.5,", ['(got "3.5")']),
    "reps negative": (HANDOUT, "reps: 10,", "reps: -3,", ['(got "-3")']),
    "octal-looking sets": (HANDOUT, "sets: 5,", "sets: 010,",
                           ['{file}:{line}: exercises[0].dosage.sets: '
                            'must be a whole number from 1 to 20 without leading zeros (got "010")']),
    "exponent reps": (HANDOUT, "reps: 10,", "reps: 1e3,", ['(got "1e3")']),
    "sexagesimal hold": ("exercises/calf-stretch.yaml", "hold: 1 min,", "hold: 1:30,",
                         ['{file}:{line}: dosage.hold: '
                          'must be a duration; write it like 30 s, 1 min or 1 min 30 s (got "1:30")']),
    "side typo": (HANDOUT, "side: each,", "side: eech,",
                  ['exercises[0].dosage.side: must be one of each, left, right, both, alternating '
                   '(got "eech"); did you mean "each"?']),
    "duplicate key": (HANDOUT, "title: Relieve", "title: Twice\ntitle: Relieve",
                      ["{file}:2: title: duplicate key (first given on line 1); keep only one"]),
    "unknown field": (HANDOUT, "  - use: calf-stretch\n", "  - use: calf-stretch\n    dosge: {reps: 3}\n",
                      ['{file}:{line}: exercises[1].dosge: unknown field; did you mean "dosage"?']),
    "unknown top-level field": (HANDOUT, "title:", "tilte:", ['{file}:1: tilte: unknown field; did you mean "title"?',
                                                               "{file}:1: title: is required"]),
    "unknown exercise id": (HANDOUT, "use: calf-stretch", "use: calf-strech",
                            ['{file}:{line}: exercises[1].use: no exercise "calf-strech" in exercises/; '
                             'did you mean "calf-stretch"?']),
    "missing image": ("exercises/calf-stretch.yaml", "image: calf-stretch.png", "image: calf.png",
                      ['{file}:{line}: image: no file "images/calf.png"; put the picture there or fix the name']),
    "image path escapes": ("exercises/calf-stretch.yaml", "image: calf-stretch.png", "image: ../../etc/passwd",
                           ["{file}:{line}: image: must be a file name inside the clinic's images/ folder"]),
    "absolute image path": ("exercises/calf-stretch.yaml", "image: calf-stretch.png", "image: /etc/hostname",
                            ["{file}:{line}: image: must be a file name inside the clinic's images/ folder"]),
    "pain_score not boolean": (HANDOUT, "pain_score: true", "pain_score: yes",
                               ['{file}:{line}: checklist.pain_score: must be true or false (got "yes")']),
    "checklist days out of range": (HANDOUT, "days: 14", "days: 60",
                                    ["checklist.days: must be a whole number from 7 to 28"]),
    "no exercises": (HANDOUT, "  - use: push-off\n    dosage: {reps: 10, sets: 5, side: each, limb: leg}\n"
                              "  - use: calf-stretch\n    note: Keep your arch domed during the whole stretch.\n", "",
                     ["exercises: must be a list"]),
    "empty step list": ("exercises/calf-stretch.yaml", "steps:\n", "steps: []\nx:\n",
                        ["{file}:4: steps: needs at least one item"]),
    "dose without amount": (HANDOUT, "dosage: {reps: 10, sets: 5, side: each, limb: leg}",
                            "dosage: {sets: 5}\n  - name: Inline\n    steps: [Walk.]\n    dosage: {sets: 2}",
                            ["{file}:{line}: exercises[1].dosage: needs at least one of reps, hold or duration"]),
    "python tag": (HANDOUT, "title: Relieve",
                   "title: !!python/object/apply:os.system [touch /tmp/hg-pwned]\nx: Relieve",
                   ["{file}:1: title: YAML tags like 'tag:yaml.org,2002:python/object/apply:os.system' "
                    "are not allowed"]),
    "alias": (HANDOUT, "title: Relieve Knee Arthritis Pain When Walking",
              "title: &t Relieve Knee Arthritis Pain When Walking\nx: *t", ["{file}:2: x: anchors and aliases"]),
    "syntax error": (HANDOUT, "exercises:", "exercises: [", ["{file}:", "YAML syntax error"]),
    "colon in text": ("exercises/calf-stretch.yaml", "  - Lean forward while", "  - Note: lean forward while",
                      ["{file}:{line}: steps[1]: must be text, not a set of fields (a colon followed by a space"]),
    "brand without phone": ("brand.yaml", "phone: 314-941-3970\n", "", ["brand.yaml:3: phone: is required"]),
    "bad brand colour": ("brand.yaml", 'primary: "#1B5E8C"', 'primary: "#GGG"',
                         ['brand.yaml:{line}: colors.primary: must be a colour written as # and six hex digits']),
    "bad page size": ("brand.yaml", "page_size: letter", "page_size: legal",
                      ['brand.yaml:{line}: page_size: must be one of letter, a4 (got "legal")']),
    "zero-width character": (HANDOUT, "title: Relieve", "title: Re\u200blieve",
                             ["{file}:1: title: contains an invisible character U+200B (ZERO WIDTH SPACE); delete it"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_with_location(clinic, tmp_path, case):
    file, old, new, expected = CASES[case]
    path = clinic / file
    edit(path, old, new)
    line = line_of(path, new.splitlines()[-1]) if new.strip() else None
    result, out = _render(clinic, tmp_path)
    assert_user_error(result, *[e.format(file=file, line=line) for e in expected])


def test_python_tag_executes_nothing(clinic, tmp_path):
    marker = tmp_path / "pwned"
    edit(clinic / HANDOUT, "title: Relieve", f"title: !!python/object/apply:os.system ['touch {marker}']\nx: Relieve")
    result, _ = _render(clinic, tmp_path)
    assert result.exit_code == 1
    assert not marker.exists()


def test_all_problems_of_a_file_at_once(clinic, tmp_path):
    edit(clinic / HANDOUT, "reps: 10,", "reps: ten,")
    edit(clinic / HANDOUT, "sets: 5,", "sets: 50,")
    edit(clinic / HANDOUT, "title:", "tittle:")
    edit(clinic / HANDOUT, "use: calf-stretch", "use: calf-strech")
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "5 problems", "exercises[0].dosage.reps", "exercises[0].dosage.sets", "tittle",
                      "title: is required", 'exercises[1].use: no exercise "calf-strech"')


def test_empty_file_and_wrong_shape(clinic, tmp_path):
    write(clinic / HANDOUT, "")
    assert_user_error(_render(clinic, tmp_path)[0], f"{HANDOUT}: file is empty")
    write(clinic / HANDOUT, "- just\n- a list\n")
    assert_user_error(_render(clinic, tmp_path)[0], f"{HANDOUT}:1: must be a set of `field: value` lines, not a list")


def test_non_utf8_file(clinic, tmp_path):
    (clinic / HANDOUT).write_bytes(b"title: Caf\xe9\nexercises: [calf-stretch]\n")
    assert_user_error(_render(clinic, tmp_path)[0], f"{HANDOUT}:1: is not valid UTF-8 (byte 0xe9)")


def test_yaml_11_words_stay_text(clinic, tmp_path):
    """`no`, `on`, `010` where text is expected print exactly as typed."""
    edit(clinic / "exercises/calf-stretch.yaml", "equipment: a wall to lean on", "equipment: no")
    edit(clinic / HANDOUT, "note: Keep your arch", "note: 010 Keep your arch")
    result, out = _render(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    assert_on_one_page(pdf_pages(out), ["Equipment: no", "010 Keep your arch"])


def test_unprintable_character_is_named(clinic, tmp_path):
    result = run("render", SAMPLE, "--patient", "Ann \U0001F600", "-o", str(tmp_path / "x.pdf"), root=clinic)
    assert_user_error(result, "command line: --patient: the character", "U+1F600", "GRINNING FACE")
    edit(clinic / "exercises/push-off.yaml", "then step back.", "then step back \u4e00.")
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "exercises/push-off.yaml:", "steps[3]: the character", "U+4E00")


def test_bad_dates_and_dose_overrides(clinic, tmp_path):
    result = run("render", SAMPLE, "--date", "27/11/2026", root=clinic)
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    result = run("render", SAMPLE, "--dose", "push-off.reps=ten", root=clinic)
    assert_user_error(result, 'command line: --dose push-off.reps: must be a whole number from 1 to 100 (got "ten")')
    result = run("render", SAMPLE, "--dose", "walking.reps=3", root=clinic)
    assert_user_error(result, 'no exercise "walking" in this handout')
    assert not (clinic / "out").exists()


# ------------------------------------------------------ data is data ---

HOSTILE = [
    "Hold <b>tight</b> & breathe",
    'See <img src="/etc/hostname"/> here',
    "Sum {{ 7*7 }} and {% raw %} too",
    "Close </para> and &amp; then <font color=\"[[[x]]]\">this</font>",
    '<a href="javascript:alert(1)">tap</a>',
]


def test_markup_in_text_prints_literally_and_opens_no_file(clinic, tmp_path):
    path = clinic / "exercises/calf-stretch.yaml"
    text = path.read_text()
    steps = "".join(f"  - {s!r}\n".replace("\\'", "''") for s in HOSTILE)
    path.write_text(text.replace("steps:\n", "steps:\n" + steps.replace("'", "'")))
    edit(clinic / HANDOUT, "title: Relieve Knee", "title: Relieve <i>Knee</i> &")
    opened = []

    def audit(event, args):
        if event == "open" and args and "hostname" in str(args[0]):
            opened.append(args[0])

    sys.addaudithook(audit)
    result, out = render_checked(clinic, tmp_path, "--pages", "2")  # the extra steps need room
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    assert_on_one_page(pages, HOSTILE)
    assert "Relieve <i>Knee</i> &" in pages[0]
    assert "49" not in " ".join(pages).split("Sum")[1][:5]  # {{ 7*7 }} was not evaluated
    assert opened == []
    assert b"javascript" not in out.read_bytes().split(b"stream")[0]  # no link annotation
    assert b"/URI" not in out.read_bytes()


# ------------------------------------------------------------ layouts ---

def test_unknown_layout_element_names_template_and_line(clinic, tmp_path):
    from handoutgen.layout import builtin_layouts_dir

    source = (builtin_layouts_dir() / "handout.xml.j2").read_text()
    write(clinic / "layouts" / "handout.xml.j2", source.replace("<title>", "<blink>\n<title>"))
    result, _ = _render(clinic, tmp_path)
    line = line_of(clinic / "layouts/handout.xml.j2", "<blink>")
    assert_user_error(result, f'layouts/handout.xml.j2:{line}: <blink>: no element "blink" — did you mean <line>?')
    write(clinic / "layouts" / "handout.xml.j2", source.replace("<title>", '<title size="9">'))
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, '<title>: no attribute "size" — <title> takes no attributes')


def test_layout_undefined_variable_and_sandbox(clinic, tmp_path):
    from handoutgen.layout import builtin_layouts_dir

    source = (builtin_layouts_dir() / "handout.xml.j2").read_text()
    write(clinic / "layouts" / "handout.xml.j2", source.replace("{{ handout.title }}", "{{ handout.titel }}"))
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "layouts/handout.xml.j2:", "titel")
    write(clinic / "layouts" / "handout.xml.j2",
          source.replace("{{ handout.title }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}"))
    result, _ = _render(clinic, tmp_path)
    assert_user_error(result, "layouts/handout.xml.j2:")
