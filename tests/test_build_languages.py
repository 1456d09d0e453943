"""`build` and `check` in every language brand.yaml lists (issue 13 part 2):
the handout's own language in out/ID.pdf, each other one in out/LANG/ID.pdf."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SAMPLE, assert_user_error, edit, line_of, pdf_pages, run, write

CALF_ONLY = "title: Calf stretch on its own\nexercises:\n  - use: calf-stretch\n"


def with_languages(clinic: Path, codes: str = "[en, es]") -> Path:
    brand = clinic / "brand.yaml"
    text = re.sub(r"(?m)^languages:.*\n", "", brand.read_text(encoding="utf-8"))
    brand.write_text(text + f"languages: {codes}\n", encoding="utf-8")
    return clinic


def pdf_names(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")}


def stamps(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*.pdf")}


def test_build_writes_every_listed_language(clinic):
    with_languages(clinic)
    result = run("build", root=clinic)
    assert result.exit_code == 0, result.output
    out = clinic / "out"
    assert pdf_names(out) == {f"{SAMPLE}.pdf", f"{SAMPLE}-checklist.pdf",
                              f"es/{SAMPLE}.pdf", f"es/{SAMPLE}-checklist.pdf"}
    english, spanish = pdf_pages(out / f"{SAMPLE}.pdf")[0], pdf_pages(out / f"es/{SAMPLE}.pdf")[0]
    assert "Calf Stretch" in english and "Estiramiento de pantorrilla" not in english
    assert "Estiramiento de pantorrilla" in spanish and "Alivie el dolor" in spanish
    assert "Questions? Call" not in spanish and "Llame al" in spanish
    checklist = " ".join(pdf_pages(out / f"es/{SAMPLE}-checklist.pdf"))
    assert "Exercise log" not in checklist
    assert "Registro de ejercicios" in checklist and "Día 1" in checklist  # no date: days are numbered
    # Incremental: a second build renders nothing and touches nothing.
    before = stamps(out)
    again = run("build", root=clinic)
    assert again.exit_code == 0 and "0 rendered, 2 unchanged, 0 failed" in again.stdout, again.output
    assert stamps(out) == before
    # A change to the Spanish text only rebuilds both languages of that handout, nothing else.
    write(clinic / "handouts" / "calf.yaml", CALF_ONLY + "translations:\n  es: {title: Estiramiento}\n")
    third = run("build", root=clinic)
    assert "2 rendered, 2 unchanged, 0 failed" in third.stdout, third.output
    assert stamps(out)[f"es/{SAMPLE}.pdf"] == before[f"es/{SAMPLE}.pdf"]
    assert "Estiramiento" in pdf_pages(out / "es/calf.pdf")[0]


def test_default_brand_builds_one_language(clinic):
    with_languages(clinic, "[en]")
    result = run("build", root=clinic)
    assert result.exit_code == 0, result.output
    assert pdf_names(clinic / "out") == {f"{SAMPLE}.pdf", f"{SAMPLE}-checklist.pdf"}


def test_missing_translation_fails_that_language_only(clinic):
    with_languages(clinic)
    write(clinic / "handouts" / "calf.yaml", CALF_ONLY)
    result = run("build", root=clinic)
    assert_user_error(result, "handouts/calf.yaml:1: translations.es.title: is missing")
    assert "3 rendered, 1 failed" in result.stdout
    names = pdf_names(clinic / "out")
    assert {"calf.pdf", "calf-checklist.pdf", f"es/{SAMPLE}.pdf"} <= names
    assert "es/calf.pdf" not in names
    # Still failing next time; the rest is unchanged.
    again = run("build", root=clinic)
    assert again.exit_code == 1 and "0 rendered, 3 unchanged, 1 failed" in again.stdout, again.output


def test_lang_option_builds_and_checks_only_that_language(clinic):
    with_languages(clinic)
    write(clinic / "handouts" / "calf.yaml", CALF_ONLY)  # no Spanish: --lang en must not care
    english = run("build", "--lang", "en", root=clinic)
    assert english.exit_code == 0 and "2 rendered, 0 failed" in english.stdout, english.output
    assert not (clinic / "out" / "es").exists()
    spanish = run("build", "--lang", "es", root=clinic)
    assert_user_error(spanish, "calf.yaml:1: translations.es.title")
    assert "1 rendered, 1 failed" in spanish.stdout
    assert f"es/{SAMPLE}.pdf" in pdf_names(clinic / "out")
    # The English PDFs were neither rebuilt nor counted as orphans.
    assert "no longer exists" not in spanish.output
    assert "0 rendered, 2 unchanged" in run("build", "--lang", "en", root=clinic).stdout
    check = run("check", "--lang", "es", root=clinic)
    assert_user_error(check, "calf.yaml:1: translations.es.title")
    assert "1 ok, 1 failed" in check.stdout
    unknown = run("build", "--lang", "xx", root=clinic)
    assert_user_error(unknown, 'no catalogue for the language "xx"')


def test_check_reports_every_language_with_a_grade_each(clinic):
    with_languages(clinic)
    result = run("check", "--report", root=clinic)
    assert result.exit_code == 0, result.output
    assert "2 ok, 0 failed" in result.stdout
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if " handout " in line}
    assert re.search(r"\d+\.\d\s*$", rows[SAMPLE]), rows  # Flesch–Kincaid grade (English)
    assert re.search(r"ease \d+\s*$", rows[f"es/{SAMPLE}"]), rows  # Fernández-Huerta (Spanish)
    write(clinic / "handouts" / "calf.yaml", CALF_ONLY)
    missing = run("check", root=clinic)
    assert_user_error(missing, "handouts/calf.yaml:1: translations.es.title")


def test_unknown_language_in_brand_names_its_line(clinic):
    with_languages(clinic, "[en, xx]")
    line = line_of(clinic / "brand.yaml", "languages:")
    for command in ("build", "check"):
        result = run(command, root=clinic)
        assert_user_error(result, f"brand.yaml:{line}: languages[1]:", 'no catalogue for the language "xx"')
    assert not (clinic / "out").exists() or not list((clinic / "out").rglob("*.pdf"))


def test_handout_language_sets_its_own_pdf(clinic):
    with_languages(clinic)
    edit(clinic / "handouts" / f"{SAMPLE}.yaml", "exercises:", "language: es\nexercises:")
    result = run("build", root=clinic)
    assert result.exit_code == 0, result.output
    out = clinic / "out"
    assert pdf_names(out) == {f"{SAMPLE}.pdf", f"{SAMPLE}-checklist.pdf",
                              f"en/{SAMPLE}.pdf", f"en/{SAMPLE}-checklist.pdf"}
    assert "Alivie el dolor" in pdf_pages(out / f"{SAMPLE}.pdf")[0]
    assert "Calf Stretch" in pdf_pages(out / f"en/{SAMPLE}.pdf")[0]


@pytest.mark.parametrize("how", ["language dropped", "handout deleted"])
def test_prune_with_languages(clinic, how):
    with_languages(clinic)
    out = clinic / "out"
    keep = write(out / "es" / "mine.pdf", "not the tool's")  # never the build's to delete
    assert run("build", root=clinic).exit_code == 0
    if how == "language dropped":
        with_languages(clinic, "[en]")
        gone = {f"es/{SAMPLE}.pdf", f"es/{SAMPLE}-checklist.pdf"}
        left = {f"{SAMPLE}.pdf", f"{SAMPLE}-checklist.pdf"}
    else:
        (clinic / "handouts" / f"{SAMPLE}.yaml").unlink()
        gone = {f"{SAMPLE}.pdf", f"{SAMPLE}-checklist.pdf", f"es/{SAMPLE}.pdf", f"es/{SAMPLE}-checklist.pdf"}
        left = set()
    kept = run("build", root=clinic)
    assert kept.exit_code == 0, kept.output
    assert gone <= pdf_names(out)  # without --prune nothing is deleted, only named
    for name in gone:
        assert f"out/{name}" in kept.output
    pruned = run("build", "--prune", root=clinic)
    assert pruned.exit_code == 0, pruned.output
    assert f"{len(gone)} old PDFs removed" in pruned.stdout
    assert pdf_names(out) == left | {"es/mine.pdf"}
    assert keep.read_text() == "not the tool's"


def test_unknown_handout_language_names_its_line_in_build(clinic):
    with_languages(clinic)
    write(clinic / "handouts" / "bad.yaml", "title: T\nlanguage: xx\nexercises:\n  - use: calf-stretch\n")
    result = run("build", root=clinic)
    assert_user_error(result, 'handouts/bad.yaml:2: language: no catalogue for the language "xx"')
    assert "bad.pdf" not in pdf_names(clinic / "out")
    assert f"es/{SAMPLE}.pdf" in pdf_names(clinic / "out")
