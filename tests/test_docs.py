"""The docs name real things: every test docs/safety.md cites exists."""

from __future__ import annotations

import re

from conftest import REPO


def test_every_test_cited_in_the_safety_table_exists():
    doc = (REPO / "docs" / "safety.md").read_text()
    sources = "\n".join(p.read_text() for p in (REPO / "tests").glob("test_*.py"))
    defined = set(re.findall(r"^def (test_\w+)", sources, re.M))
    modules = {p.stem for p in (REPO / "tests").glob("test_*.py")}  # test_pages.py::… names a file
    cited = set(re.findall(r"\b(test_\w+)\b", doc)) - modules
    assert cited and not cited - defined, f"cited but not defined: {sorted(cited - defined)}"
    cases = set(re.findall(r"\[([a-z][a-z0-9 -]+)\]`", doc)) - {"logo …"}
    missing = [case for case in cases if f'"{case}"' not in sources]
    assert not missing, f"parametrised cases cited but not defined: {missing}"
