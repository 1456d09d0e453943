"""Same input, same bytes, whatever ran before in the process (SPEC: Reproducible).

Every corpus program's handout, checklist, `--kind both` and large print, and
the sample clinic's handout in English, Spanish and large print (and a copy of
it whose brand has no tagline), are each rendered in a process that has drawn
nothing before. Then all of them are rendered again in ONE long-lived process,
in several orders: forward, reversed, and shuffled with the sample clinic's
languages and print sizes between the corpus's programs. Every PDF must be,
byte for byte, the fresh process's: a cache keyed too coarsely (without the
language, say), a style changed in place or a memo that outlives what it was
made for shows up as a difference, named by the job and the order.

A fresh process costs a second or more to start (imports); "fresh" here is a
child forked from a process that has imported every module a render imports,
in the order a render imports them, and rendered nothing (a real
`python -m handoutgen` is shown to give the same bytes for a few). Each order
is one subprocess that renders every job and writes their hashes; they run
two at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE

PROGRAMS = REPO / "tests" / "programs"
NAMES = sorted(p.stem for p in (PROGRAMS / "handouts").glob("*.yaml"))
COMMON = ("--date", "2026-12-01")

Job = tuple[str, list[str]]  # (clinic folder, render arguments)


def _plain_clinic(folder: Path) -> Path:
    """The sample clinic with a brand that has no tagline: its header is the same
    words in English and Spanish, but for the label over the phone."""
    root = folder / "plain"
    root.mkdir()
    for name in ("handouts", "exercises", "images"):
        shutil.copytree(REPO / name, root / name)
    brand = (REPO / "brand.yaml").read_text(encoding="utf-8")
    (root / "brand.yaml").write_text("".join(line for line in brand.splitlines(keepends=True)
                                             if not line.lstrip().startswith("tagline:")), encoding="utf-8")
    return root


def _jobs(plain: Path) -> list[Job]:
    jobs: list[Job] = []
    for name in NAMES:
        for kind in ("handout", "checklist", "both"):
            jobs.append((str(PROGRAMS), [name, "--pages", "4", "--kind", kind, *COMMON]))
        jobs.append((str(PROGRAMS), [name, "--pages", "8", "--large-print", *COMMON]))
    jobs.append((str(PROGRAMS), [NAMES[0], "--pages", "4", "--kind", "both", "--patient", "Ana María Núñez",
                                 "--therapist", "Sam Lee, PT", *COMMON]))
    for extra in ([], ["--lang", "es"], ["--large-print"], ["--lang", "es", "--kind", "both"],
                  ["--lang", "es", "--large-print", "--kind", "both"], ["--kind", "checklist"],
                  ["--patient", "Jane Doe", "--dose", "1.reps=8", "--skip", "2", "--add", "heel-raise"]):
        jobs.append((str(REPO), [SAMPLE, *extra, *COMMON]))
    for extra in ([], ["--lang", "es"], ["--lang", "es", "--large-print", "--kind", "both"]):
        jobs.append((str(plain), [SAMPLE, *extra, *COMMON]))
    return jobs


# Runs in a subprocess: argv[1] is a JSON file {"jobs", "order", "mode", "out"}. Mode "one":
# every job in this process, in the order given; "fresh": each in a child forked from this
# process, which has imported what a render imports and rendered nothing.
_HARNESS = r'''
import hashlib, importlib, json, os, sys, tempfile
from pathlib import Path
from click.testing import CliRunner
from handoutgen.cli import cli

spec = json.loads(Path(sys.argv[1]).read_text())
jobs, order, mode = spec["jobs"], spec["order"], spec["mode"]
folder = Path(tempfile.mkdtemp(prefix="same-bytes-"))

def render(index):
    root, args = jobs[index]
    out = folder / "handout.pdf"
    result = CliRunner().invoke(cli, ["render", *args, "-o", str(out), "--root", root])
    if result.exit_code != 0:
        return f"exit {result.exit_code}: {result.output.strip()}"
    data = out.read_bytes()
    out.unlink()
    return hashlib.sha256(data).hexdigest()

def in_child(work):
    """work() run in a child forked from this process, which keeps its own state."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            answer = work()
        except BaseException as exc:
            answer = f"crash: {exc!r}"
        os.write(writer, answer.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(pid, 0)
    return answer

if mode == "fresh":
    def modules():
        render(order[0])
        return "\n".join(sys.modules)

    for name in in_child(modules).split("\n"):
        if name not in sys.modules:
            try:
                importlib.import_module(name)
            except Exception:
                pass

found = {index: render(index) if mode == "one" else in_child(lambda: render(index)) for index in order}
Path(spec["out"]).write_text(json.dumps(found))
'''


def _run(tmp_path: Path, label: str, jobs: list[Job], order: list[int], mode: str, seed: int) -> dict[int, str]:
    spec, out = tmp_path / f"{label}.json", tmp_path / f"{label}-hashes.json"
    spec.write_text(json.dumps({"jobs": jobs, "order": order, "mode": mode, "out": str(out)}))
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}  # each process its own order of sets
    done = subprocess.run([sys.executable, "-c", _HARNESS, str(spec)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{label}: {done.stdout}{done.stderr}"
    return {int(k): v for k, v in json.loads(out.read_text()).items()}


def _real_process(tmp_path: Path, job: Job, n: int) -> str:
    """The job rendered by `python -m handoutgen render …`, in a new process."""
    root, args = job
    out = tmp_path / f"cli-{n}" / "handout.pdf"
    out.parent.mkdir()
    done = subprocess.run([sys.executable, "-m", "handoutgen", "render", *args, "-o", str(out), "--root", root],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    out.unlink()
    return hashlib.sha256(data).hexdigest()


def _orders(jobs: list[Job]) -> dict[str, list[int]]:
    every = list(range(len(jobs)))
    corpus = [i for i in every if jobs[i][0] == str(PROGRAMS)]
    others = [i for i in every if i not in corpus]  # the sample clinic's, and the plain copy's
    shuffled = corpus[:]
    random.Random(21).shuffle(shuffled)
    interleaved: list[int] = []
    for n, index in enumerate(shuffled):
        interleaved.append(index)
        if n % 3 == 2 and n // 3 < len(others):
            interleaved.append(others[::-1][n // 3])
    interleaved += [i for i in others if i not in interleaved]
    return {"forward": every, "reversed": every[::-1], "interleaved": interleaved}


def _short(result: str) -> str:
    """A hash, shortened; a message, whole."""
    return result[:16] if len(result) == 64 and result.isalnum() else repr(result)


# It found two memos of flowables.py keyed without the page's language: _label_width (the
# running header's "Página 2 de 2" wrapped after an English large-print page) and _HEADERS (an
# English "Questions? Call" on a Spanish page of a brand without a tagline).
@pytest.mark.skipif(not hasattr(os, "fork"), reason="a fresh process is a forked child")
def test_every_pdf_is_the_same_bytes_whatever_was_rendered_before(tmp_path):
    jobs = _jobs(_plain_clinic(tmp_path))
    orders = _orders(jobs)
    assert all(sorted(order) == list(range(len(jobs))) for order in orders.values())
    halves = [list(range(len(jobs)))[0::2], list(range(len(jobs)))[1::2]]
    real = [0, len(jobs) - 4]  # a corpus program, the sample in Spanish and large print
    with ThreadPoolExecutor(max_workers=2) as pool:
        fresh_parts = [pool.submit(_run, tmp_path, f"fresh{n}", jobs, half, "fresh", n)
                       for n, half in enumerate(halves)]
        seen_futures = {label: pool.submit(_run, tmp_path, label, jobs, order, "one", seed)
                        for seed, (label, order) in enumerate(orders.items(), 2)}
        real_futures = {i: pool.submit(_real_process, tmp_path, jobs[i], i) for i in real}
        fresh = {k: v for part in fresh_parts for k, v in part.result().items()}
        seen = {label: future.result() for label, future in seen_futures.items()}
        by_real = {i: future.result() for i, future in real_futures.items()}
    not_rendered = {" ".join(jobs[i][1]): h for i, h in fresh.items() if len(h) != 64}
    assert not not_rendered, not_rendered  # every job prints: PDFs are compared, not messages
    for i, digest in by_real.items():  # a forked child is as fresh as a new process
        assert digest == fresh[i], f"python -m handoutgen render {' '.join(jobs[i][1])}: not the forked child's PDF"
    differences = [f"{label}: render {' '.join(jobs[i][1])} --root {Path(jobs[i][0]).name}: "
                   f"{_short(hashes[i])}, a fresh process {_short(fresh[i])}"
                   for label, hashes in seen.items() for i in range(len(jobs)) if hashes[i] != fresh[i]]
    assert not differences, (f"{len(differences)} PDFs differ from a fresh process's (rendered after others in "
                             "one process):\n" + "\n".join(differences))
