"""Draw docs/images/branding-before.png and branding-after.png.

The sample handout as it is, and the same handout rebranded as the made-up
"Riverside Physio" (docs/examples/riverside.yaml: another colour, an SVG
logo, A4, 15 mm margins, the Lato font). Needs fontpkg-lato (pip install
-e ".[test]"). Run: .venv/bin/python tools/branding_pictures.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "docs" / "examples"


def main() -> None:
    import fontpkg_lato

    lato = Path(fontpkg_lato.__file__).parent / "files"
    with tempfile.TemporaryDirectory() as tmp:
        clinic = Path(tmp) / "clinic"
        clinic.mkdir()
        for folder in ("handouts", "exercises", "images"):
            shutil.copytree(REPO / folder, clinic / folder)
        shutil.copy(REPO / "brand.yaml", clinic / "brand.yaml")
        (clinic / "brands").mkdir()
        shutil.copy(EXAMPLES / "riverside.yaml", clinic / "brands" / "riverside.yaml")
        shutil.copy(EXAMPLES / "riverside.svg", clinic / "images" / "riverside.svg")
        (clinic / "fonts").mkdir()
        for face in ("Regular", "Bold"):
            shutil.copy(lato / f"Lato-{face}.ttf", clinic / "fonts")
        for name, brand in (("before", []), ("after", ["--brand", "brands/riverside.yaml"])):
            target = REPO / "docs" / "images" / f"branding-{name}.png"
            subprocess.run([sys.executable, str(REPO / "generate.py"), "preview", "knee-arthritis-walking",
                            "--root", str(clinic), "--date", "2026-12-01", "--patient", "Jane Doe",
                            "--dpi", "60", "-o", str(target), *brand], check=True)
            _shrink(target)


def _shrink(path: Path) -> None:
    """128 colours are plenty for a page picture in the docs, at a third of the size."""
    from PIL import Image

    with Image.open(path) as img:
        small = img.convert("RGB").quantize(128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


if __name__ == "__main__":
    main()
