"""Issue 21 part 2: output names never collide. brand.yaml's build writes its other languages
to out/LANG/ and another brand NAME.yaml builds into out/NAME/: a brand named like a language
(brands/es.yaml) would share out/es/ with the Spanish PDFs, and the two builds would overwrite
each other's. Brand folders and language folders never share a name, and --prune stays right."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SAMPLE, assert_user_error, run, write
from handoutgen.manifest import MANIFEST_NAME


def with_languages(clinic: Path, codes: str = "[en, es]") -> None:
    brand = clinic / "brand.yaml"
    text = re.sub(r"(?m)^languages:.*\n", "", brand.read_text(encoding="utf-8"))
    brand.write_text(text + f"languages: {codes}\n", encoding="utf-8")


def another_brand(clinic: Path, name: str) -> Path:
    text = (clinic / "brand.yaml").read_text(encoding="utf-8")
    return write(clinic / "brands" / name, text.replace("More 4 Life Physical Therapy", "Riverside Physio"))


def pdfs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.pdf")}


@pytest.mark.parametrize("name, folder, why", [
    ("es.yaml", "es", "out/es/ is where brand.yaml's build puts its PDFs in Spanish (es)"),
    ("EN.yaml", "EN", "out/EN/ is where brand.yaml's build puts its PDFs in English (en)"),
    ("x.pdf.yaml", "x.pdf", "out/x.pdf/ would be a folder where a handout's PDF belongs"),
])
def test_a_brand_named_like_a_language_folder_is_refused_naming_the_file(clinic, name, folder, why):
    with_languages(clinic)
    assert run("build", "-j1", root=clinic).exit_code == 0
    before = pdfs(clinic / "out")
    another_brand(clinic, name)
    for command in (["build"], ["render", SAMPLE], ["preview", SAMPLE, "--dpi", "40"]):
        result = run(*command, "--brand", f"brands/{name}", root=clinic)
        assert_user_error(result, f"error: brands/{name}: --brand: the file name {name} cannot name its "
                                  f"output folder: {why}", "rename the brand file", "--out")
        assert len(result.output.strip().splitlines()) == 1, result.output
    assert pdfs(clinic / "out") == before
    assert not (clinic / "out" / folder).exists() or folder.casefold() == "es"
    # Given a folder of its own it builds; render -o and check need no folder at all.
    assert run("build", "-j1", "--brand", f"brands/{name}", "--out", str(clinic / "other"), root=clinic).exit_code == 0
    assert run("render", SAMPLE, "--brand", f"brands/{name}", "-o", str(clinic / "one.pdf"),
               root=clinic).exit_code == 0
    assert run("check", "--brand", f"brands/{name}", root=clinic).exit_code == 0
    assert pdfs(clinic / "out") == before


def test_a_language_folder_holding_another_builds_record_is_never_written_over(clinic):
    """Another build already writes into out/es/ (e.g. given --out out/es before es was one of
    brand.yaml's languages): brand.yaml's Spanish PDFs fail with one clear line; its English ones
    are written; the other build's PDFs stay as they are, and --prune never deletes them."""
    another_brand(clinic, "riverside.yaml")
    assert run("build", "-j1", "--brand", "brands/riverside.yaml", "--out", str(clinic / "out" / "es"),
               root=clinic).exit_code == 0
    theirs = pdfs(clinic / "out" / "es")
    assert theirs and (clinic / "out" / "es" / MANIFEST_NAME).exists()
    with_languages(clinic)
    result = run("build", "-j1", root=clinic)
    assert_user_error(result, f"error: out/es/: holds the record of another build ({MANIFEST_NAME}",
                      "this build writes its PDFs in Spanish (es) there", "--out DIR")
    assert "1 rendered, 1 failed" in result.stdout
    assert result.output.count("error:") == 1, result.output
    assert pdfs(clinic / "out" / "es") == theirs
    assert {f"{SAMPLE}.pdf", f"{SAMPLE}-checklist.pdf"} <= set(pdfs(clinic / "out"))
    with_languages(clinic, "[en]")
    pruned = run("build", "-j1", "--prune", root=clinic)
    assert pruned.exit_code == 0, pruned.output
    assert pdfs(clinic / "out" / "es") == theirs


def test_out_into_another_builds_language_folder_is_refused(clinic):
    with_languages(clinic)
    assert run("build", "-j1", root=clinic).exit_code == 0
    before = pdfs(clinic / "out")
    another_brand(clinic, "riverside.yaml")
    result = run("build", "-j1", "--brand", "brands/riverside.yaml", "--out", str(clinic / "out" / "es"), root=clinic)
    assert_user_error(result, "error: out/es/: is where the build in out/ puts its PDFs in Spanish (es)",
                      "give --out a folder of its own")
    assert pdfs(clinic / "out") == before
    assert not (clinic / "out" / "es" / MANIFEST_NAME).exists()


def test_prune_keeps_a_brands_folder_and_removes_a_dropped_language(clinic):
    with_languages(clinic)
    another_brand(clinic, "riverside.yaml")
    assert run("build", "-j1", root=clinic).exit_code == 0
    assert run("build", "-j1", "--brand", "brands/riverside.yaml", root=clinic).exit_code == 0
    riverside = pdfs(clinic / "out" / "riverside")
    with_languages(clinic, "[en]")
    result = run("build", "-j1", "--prune", root=clinic)
    assert result.exit_code == 0 and "2 old PDFs removed" in result.stdout, result.output
    assert not (clinic / "out" / "es").exists()
    assert pdfs(clinic / "out" / "riverside") == riverside
    assert "0 rendered, 2 unchanged" in run("build", "-j1", "--brand", "brands/riverside.yaml", root=clinic).stdout
