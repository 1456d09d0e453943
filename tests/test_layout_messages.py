"""Issue 15, item 5: a mistake in a clinic's layout names the template's file and line (not a
line of the layout's output), what is wrong and how to fix it; `check` finds a misspelt
variable even if no handout has that field. One test per message, exact text."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE, line_of, run
from handoutgen.clinic import builtin_layouts_dir

HANDOUT = "handout.xml.j2"
PARTS = "_parts.xml.j2"


def layout(clinic: Path, name: str, old: str, new: str) -> tuple[Path, int]:
    """The clinic's own copy of the built-in layouts, `old` replaced by `new` in layout `name`;
    returns the file and the line `new` starts on."""
    folder = clinic / "layouts"
    if not folder.exists():
        shutil.copytree(builtin_layouts_dir(), folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, text[:text.index(old)].count("\n") + 1


def errors(result) -> list[str]:
    assert "Traceback" not in result.output
    return [line[len("error: "):] for line in result.output.splitlines() if line.startswith("error: ")]


def check(clinic: Path) -> list[str]:
    result = run("check", root=clinic)
    assert result.exit_code == 1, result.output
    return errors(result)


def render(clinic: Path, tmp_path: Path) -> list[str]:
    out = tmp_path / "out.pdf"
    result = run("render", SAMPLE, "-o", str(out), root=clinic)
    assert result.exit_code == 1, result.output
    assert not out.exists()
    return errors(result)


def test_an_end_tag_of_no_element_suggests_the_closest(clinic):
    _, line = layout(clinic, HANDOUT, "</title>", "</titel>")
    assert check(clinic) == [f'layouts/handout.xml.j2:{line}: </titel>: no element "titel" — did you mean </title>?']


def test_a_start_tag_of_no_element_suggests_the_closest(clinic):
    _, line = layout(clinic, HANDOUT, "<title>", "<titel>")
    assert check(clinic) == [f'layouts/handout.xml.j2:{line}: <titel>: no element "titel" — did you mean <title>?']


def test_an_unknown_attribute_suggests_the_closest(clinic):
    _, line = layout(clinic, HANDOUT, "<card number=", "<card nmber=")
    assert check(clinic) == [f'layouts/handout.xml.j2:{line}: <card>: no attribute "nmber" — did you mean number? '
                             "(<card> takes: image, number)"]


def test_a_mismatched_end_tag_names_the_element_still_open(clinic, tmp_path):
    _, line = layout(clinic, HANDOUT, "{{ handout.title }}</title>", "{{ handout.title }}</p>")
    expected = [f"layouts/handout.xml.j2:{line}: </p>: <title> is still open — close it with </title> first"]
    assert render(clinic, tmp_path) == expected
    assert check(clinic) == expected


def test_an_element_never_closed(clinic, tmp_path):
    path, _ = layout(clinic, HANDOUT, "</page>", "")
    assert render(clinic, tmp_path) == [
        f"layouts/handout.xml.j2:{line_of(path, '<page>')}: <page>: is never closed — add </page>"]


def test_markup_after_the_page(clinic, tmp_path):
    _, line = layout(clinic, HANDOUT, "</page>\n", "</page>\n<p>More</p>\n")
    assert render(clinic, tmp_path) == [
        f"layouts/handout.xml.j2:{line + 1}: </page>: more markup or text after it — everything a layout writes "
        "goes inside <page>"]


def test_a_bare_ampersand_in_the_template_text(clinic):
    _, line = layout(clinic, HANDOUT, "<footer>", "<p>Tips & tricks</p>\n<footer>")
    assert check(clinic) == [f'layouts/handout.xml.j2:{line}: &: a bare "&" — write & as &amp;']


def test_a_bare_ampersand_written_by_a_macro_names_the_macro_line(clinic, tmp_path):
    # Not in the template's text (|safe writes it as it is): found in the output, and
    # traced back through the macro call to the line of _parts.xml.j2 that wrote it.
    _, line = layout(clinic, PARTS, "  <phone>{{ brand.phone }}</phone>",
                     '  <phone>{{ brand.phone }} {{ "&"|safe }} more</phone>')
    assert render(clinic, tmp_path) == [f'layouts/_parts.xml.j2:{line}: &: a bare "&" — write & as &amp;']


def test_a_stray_less_than(clinic, tmp_path):
    _, line = layout(clinic, HANDOUT, "<footer>", "<p>1 < 2</p>\n<footer>")
    assert render(clinic, tmp_path) == [
        f'layouts/handout.xml.j2:{line}: <: a "<" that starts no element — write < as &lt;']


def test_an_unknown_entity(clinic):
    _, line = layout(clinic, PARTS, "</b>&#160;· ", "</b>&nbsp;· ")
    assert check(clinic) == [f"layouts/_parts.xml.j2:{line}: &nbsp;: no such entity — write & as &amp;, "
                             "< as &lt;, a no-break space as &#160;"]


def test_output_the_markers_cannot_trace_names_the_output_line(clinic, tmp_path):
    # The length of a macro's output: the marked render differs, so the output line is given.
    layout(clinic, PARTS, "  <phone>{{ brand.phone }}</phone>", '  <phone>{{ brand.phone }} {{ "&"|safe }}</phone>')
    layout(clinic, HANDOUT, "<title>", "<p>{{ parts.header(brand)|length }}</p>\n<title>")
    assert render(clinic, tmp_path) == ['layouts/handout.xml.j2: &: a bare "&" — write & as &amp; '
                                        "(line 6 of its output)"]


def test_a_misspelt_field_suggests_the_closest(clinic, tmp_path):
    _, line = layout(clinic, HANDOUT, "{{ ex.equipment }}", "{{ ex.equipmnet }}")
    expected = [f"layouts/handout.xml.j2:{line}: ex.equipmnet: no such field — did you mean ex.equipment?"]
    assert render(clinic, tmp_path) == expected  # the sample has equipment


def test_check_finds_a_misspelt_field_no_handout_has(clinic):
    for path in (clinic / "exercises").glob("*.yaml"):
        path.write_text(re.sub(r"(?m)^ *equipment:.*\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    layout(clinic, HANDOUT, "<page>", "<page>")
    assert run("check", root=clinic).exit_code == 0  # no handout has equipment
    _, line = layout(clinic, HANDOUT, "{{ ex.equipment }}", "{{ ex.equipmnet }}")
    result = run("check", root=clinic)
    assert result.exit_code == 1, result.output
    assert errors(result) == [f"layouts/handout.xml.j2:{line}: ex.equipmnet: no such field — did you mean "
                              "ex.equipment?"]
    assert "1 ok, 1 failed" in result.output  # every handout still renders; the layout fails


def test_a_misspelt_variable_suggests_the_closest(clinic):
    _, line = layout(clinic, HANDOUT, "<title>{{ handout.title }}", "<title>{{ hanodut.title }}")
    assert check(clinic) == [f"layouts/handout.xml.j2:{line}: hanodut: no such variable — did you mean handout?"]


def test_a_field_of_an_optional_value_says_to_test_it_first(clinic):
    _, line = layout(clinic, HANDOUT, "<say>{{ ex.dose.sentence }}</say>",
                     "<say>{{ ex.dose.sentence }} {{ ex.dose.hold.short }}</say>")
    assert check(clinic) == [f"layouts/handout.xml.j2:{line}: ex.dose.hold.short: ex.dose.hold may be none "
                             "(when it is not given) — use it inside {% if ex.dose.hold %} … {% endif %}"]


def test_a_name_made_from_data_is_never_quoted(clinic, tmp_path):
    # `ex[patient]`: the missing name is the patient's; the message keeps Jinja's, scrubbed.
    layout(clinic, HANDOUT, "<title>{{ handout.title }}", "<title>{{ handout[patient] }}")
    out = tmp_path / "out.pdf"
    result = run("render", SAMPLE, "--patient", "Zebediah Quux", "-o", str(out), root=clinic)
    assert result.exit_code == 1
    assert "Zebediah" not in result.output and "did you mean" not in result.output


def test_the_built_in_layouts_pass_the_check(clinic):
    from handoutgen.clinic import Clinic
    from handoutgen.layout import check_layouts

    assert check_layouts(Clinic.open(REPO)) == []
    assert check_layouts(Clinic.open(clinic)) == []


def _paths(value, prefix: str = "") -> set[str]:
    """Every field path a layout can name: brand.colors.primary, handout.exercises[].dose.hold.seconds, …"""
    if hasattr(value, "__dict__") and not isinstance(value, type):
        found = set()
        for key, item in vars(value).items():
            found |= {f"{prefix}.{key}".lstrip(".")} | _paths(item, f"{prefix}.{key}")
        return found
    if isinstance(value, tuple):
        return set().union(*(_paths(item, f"{prefix}[]") for item in value)) if value else set()
    return set()


def test_the_checked_variables_are_those_a_render_gives(clinic, monkeypatch, tmp_path):
    """The check's made-up variables have the shape of a real render's, and every field a
    real render has (docs/layouts.md documents them)."""
    import handoutgen.pipeline as pipeline
    from handoutgen.clinic import Clinic
    from handoutgen.layout import documented_variables
    from handoutgen.resolve import Library

    seen: list[dict] = []
    real = pipeline.render_layout

    def spy(name, folder, **variables):
        seen.append(variables)
        return real(name, folder, **variables)

    monkeypatch.setattr(pipeline, "render_layout", spy)
    out = tmp_path / "out.pdf"
    assert run("render", SAMPLE, "--patient", "Jane Doe", "-o", str(out), root=clinic).exit_code == 0
    given = set().union(*(_paths(v) | set(v) for v in seen))
    brand = pipeline.brand_values(Library(Clinic.open(clinic)).brand()[0])
    made = documented_variables(brand, True)
    checked = _paths(made) | set(made)
    assert given <= checked
    # At each level a render fills, the check names the same fields and no others.
    parents = {path.rsplit(".", 1)[0] for path in given if "." in path}
    assert {path for path in checked if "." in path and path.rsplit(".", 1)[0] in parents} <= given
    docs = (REPO / "docs" / "layouts.md").read_text(encoding="utf-8")
    for path in checked:
        if not path.startswith("brand."):
            assert re.search(rf"[`.]{path.rsplit('.', 1)[-1].rstrip('[]')}\b", docs), path


@pytest.mark.parametrize("full", [True, False])
def test_the_checked_variables_render_the_built_in_layouts(full):
    from handoutgen.layout import documented_variables, render
    from handoutgen.models import Brand
    from handoutgen.pipeline import brand_values

    variables = documented_variables(brand_values(Brand(clinic="C", phone="1")), full)
    markup = render(HANDOUT, None, **variables).markup
    assert "<page>" in markup


def test_markup_the_page_builder_refuses_names_its_template_line(clinic, tmp_path):
    """Well-formed markup in the wrong shape (found while the page is built, after the
    layout rendered) is also reported at the template line that wrote it."""
    _, line = layout(clinic, HANDOUT, "<title>", "<video>{{ handout.title }}</video>\n<title>")
    assert render(clinic, tmp_path) == [f"layouts/handout.xml.j2:{line}: <video> needs an href"]
