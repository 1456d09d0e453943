"""`init DIR`: a new clinic folder that builds out of the box.

The files come from the package (handoutgen/scaffold/), so this works from
an installed wheel, far from this repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from handoutgen.errors import HandoutError, Problem

SCAFFOLD = Path(__file__).resolve().parent / "scaffold"


def create_clinic(target: Path) -> list[Path]:
    """Copy the starter clinic into `target` (new or empty); return the files made."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise HandoutError(Problem(str(target), None, "", "already exists and is not an empty folder; "
                                                          "choose a new folder name, nothing was changed"))
    existed = target.exists()
    made = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for source in sorted(SCAFFOLD.rglob("*")):
            if source.is_file() and "__pycache__" not in source.parts:
                destination = target / source.relative_to(SCAFFOLD)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
                made.append(destination)
    except OSError as exc:
        # Nothing half made is left behind: the folder is removed if this call created it.
        if not existed and target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        raise HandoutError(Problem(str(target), None, "", f"cannot create the clinic folder here "
                                                          f"({exc.strerror or exc}); choose a folder you "
                                                          "can write to")) from None
    return made
