"""Where derived files (instanced fonts, prepared images) are kept between runs."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(kind: str) -> Path:
    base = os.environ.get("HANDOUTGEN_CACHE_DIR")
    if base:
        root = Path(base)
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "handoutgen"
    path = root / kind
    path.mkdir(parents=True, exist_ok=True)
    return path
