"""No process-wide side effects on other libraries: importing handoutgen (every
module) and rendering a handout through the pipeline leave ReportLab's config,
Pillow's decompression-bomb guard, the environment and the recursion limit as
they were. Only the command line may change its own process's settings."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent("""
    import os, sys, importlib, pkgutil
    from pathlib import Path
    from reportlab import rl_config
    from PIL import Image

    def state():
        config = {k: repr(getattr(rl_config, k)) for k in dir(rl_config) if not k.startswith("_")}
        return config, dict(os.environ), Image.MAX_IMAGE_PIXELS, sys.getrecursionlimit()

    before = state()
    import handoutgen
    for module in pkgutil.walk_packages(handoutgen.__path__, "handoutgen."):
        if module.name != "handoutgen.__main__":
            importlib.import_module(module.name)
    from handoutgen.clinic import Clinic
    from handoutgen.pipeline import Renderer
    clinic = Clinic.open(sys.argv[1])
    Renderer(clinic).render(clinic.handout_path("knee-arthritis-walking"), kind="both")
    after = state()
    names = ["ReportLab's rl_config", "os.environ", "PIL.Image.MAX_IMAGE_PIXELS", "the recursion limit"]
    for name, one, two in zip(names, before, after):
        if one != two:
            if isinstance(one, dict):
                changed = sorted(k for k in set(one) | set(two) if one.get(k) != two.get(k))
                print(f"{name} changed: {changed}")
            else:
                print(f"{name} changed: {one!r} -> {two!r}")
""")


def test_importing_and_rendering_changes_no_other_librarys_settings():
    # The test session itself imported the CLI, which may set variables for its own process.
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    result = subprocess.run([sys.executable, "-c", PROBE, str(REPO)], capture_output=True, text=True,
                            cwd=REPO, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
