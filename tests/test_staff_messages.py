"""Issue 15 (first part): the commonest YAML mistakes are named with their cause and fix."""

from __future__ import annotations

from conftest import run, write

TAB = "title: Walk\nexercises:\n\t- name: Walk\n"
COLON = "title: Note: read this\nexercises:\n  - name: Walk\n    steps: [Walk.]\n"


def test_a_tab_used_for_indenting_is_named_with_the_fix(clinic):
    write(clinic / "handouts" / "tab.yaml", TAB)
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert ("handouts/tab.yaml:3: YAML syntax error: found character that cannot start any token; "
            "a tab is used to indent: tabs are not allowed for indenting, use spaces") in result.output


def test_a_colon_inside_text_says_to_quote_the_text(clinic):
    write(clinic / "handouts" / "colon.yaml", COLON)
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert ('handouts/colon.yaml:1: YAML syntax error: mapping values are not allowed in this context; '
            'a colon followed by a space inside a text starts a new field: put the whole text in quotes, '
            'e.g. title: "Note: read this"') in result.output


def test_one_warning_is_one_warning(clinic):
    write(clinic / "handouts" / "undosed.yaml", "title: Walk\nexercises:\n  - name: Walk\n    steps: [Walk.]\n")
    result = run("check", root=clinic)
    assert result.exit_code == 0, result.output
    assert "1 warning" in result.output and "1 warnings" not in result.output
