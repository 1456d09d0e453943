"""Benchmark: python bench/run.py [--n 1000]

Generates N varied handouts from the sample clinic's exercises (different
titles, doses, sections and patients) in a temporary clinic folder and
prints, from one run, each number that docs/SPEC's speed targets name.
Not part of the test suite: timings belong here, not in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TITLES = ["Relieve Knee Arthritis Pain When Walking", "Steady Feet for Safer Walking",
          "Calm a Stiff Calf", "Knee Care After a Long Day", "Walk Further With Less Pain",
          "Balance and Push-Off Practice", "Gentle Stretches for Tight Calves"]
SUMMARIES = [
    "Walking hurts when the two bones of your knee twist too much against each other with every "
    "step. The twisting rubs the joint and flares up arthritis.",
    "These exercises steady your foot and ankle and loosen tight calves, so your knee moves straight.",
    "Do these slowly. It is normal to feel a stretch; it is not normal to feel sharp pain.",
]
TIPS = ["Understand the root cause of your problem.", "Fix the root cause, not just the pain.",
        "Change your daily walking pattern so your knee moves straight.",
        "Wear shoes with a firm heel and good arch support.", "Walk a little further each week."]
PATIENTS = ["Jane Doe", "Ahmed Khan", "María José Fernández", "Li Wei", "Robert O'Neil", "Zoë Dupont"]
TARGETS = {"ratio": 1.3, "corpus_ratio": 1.3, "rate2": 200.0, "nochange": 0.5, "cold": 0.35, "size_kb": 60.0,
           "memory_mb": 150.0}


def make_clinic(root: Path, n: int, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    root.mkdir(parents=True)
    shutil.copy(REPO / "brand.yaml", root / "brand.yaml")
    for folder in ("exercises", "images"):
        shutil.copytree(REPO / folder, root / folder)
    (root / "handouts").mkdir()
    paths = []
    for i in range(n):
        exercises = rng.choice([["push-off", "calf-stretch"], ["push-off"], ["calf-stretch"],
                                ["calf-stretch", "push-off"]])
        lines = [f"title: {rng.choice(TITLES)} ({i + 1})", "summary: >"]
        lines += [f"  {s}\n" for s in rng.sample(SUMMARIES, rng.randint(1, 2))]
        lines.append("exercises:")
        for ex in exercises:
            lines.append(f"  - use: {ex}")
            if ex == "push-off":
                lines.append(f"    dosage: {{reps: {rng.randint(5, 20)}, sets: {rng.randint(1, 5)}, "
                             "side: each, limb: leg}")
            else:
                lines.append(f"    dosage: {{hold: {rng.choice(['30 s', '45 s', '1 min'])}, "
                             f"reps: {rng.randint(2, 4)}, times_per_day: {rng.randint(1, 3)}}}")
            if rng.random() < 0.5:
                lines.append("    note: Keep your arch domed the whole time.")
        lines += ["sections:", "  - heading: For long-term relief", "    items:"]
        lines += [f"      - {tip}" for tip in rng.sample(TIPS, rng.randint(1, 3))]
        lines.append(f"checklist: {{days: {rng.choice([7, 14])}, pain_score: {rng.choice(['true', 'false'])}}}")
        path = root / "handouts" / f"handout-{i:04}.yaml"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def plain_reportlab_fonts(fonts):
    """The same font files as ReportLab's own TTFont, as a hand-written
    generator would load them: every PDF cuts its own font subsets."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    plain = types.SimpleNamespace(regular="Plain-R", bold="Plain-B")
    # Straight into the table: registerFont would hand back the handoutgen font of the same face.
    pdfmetrics._fonts[plain.regular] = TTFont(plain.regular, str(fonts.regular_path))
    pdfmetrics._fonts[plain.bold] = TTFont(plain.bold, str(fonts.bold_path))
    return plain


def warm_picture_cache(clinic, paths) -> None:
    """Prepare the pictures at every size these handouts print them, in a
    forked child: the disk cache is filled (the baseline, too, starts from
    prepared pictures) while this process's other caches stay cold."""
    from handoutgen.pipeline import Discharge, Renderer

    pid = os.fork()
    if pid == 0:
        try:
            renderer = Renderer(clinic)
            for path in paths:
                renderer.render(path, Discharge())
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def per_handout(clinic, paths):
    """ms per handout: through the whole pipeline; by hand on a canvas with
    ReportLab's own fonts; by hand with handoutgen's font-subset cache."""
    from baseline import HandPlaced
    from handoutgen import dosage
    from handoutgen.images import load_picture
    from handoutgen.pipeline import Discharge, Renderer
    from handoutgen.resolve import resolve_handout

    renderer = Renderer(clinic)
    day = dt.date(2026, 12, 1)
    discharges = [Discharge(PATIENTS[i % len(PATIENTS)], "Sam Lee", day) for i in range(len(paths))]
    renderer.render(paths[0], discharges[0])  # fonts, brand, pictures: once per process
    start = time.perf_counter()
    for path, discharge in zip(paths, discharges, strict=True):
        renderer.render(path, discharge)
    pipeline_ms = (time.perf_counter() - start) * 1000 / len(paths)

    # The baseline starts from already-resolved content: only drawing is timed.
    library, fonts = renderer.library, renderer.fonts()
    brand = library.brand()[0]
    pages, pictures = [], {}
    for path, discharge in zip(paths, discharges, strict=True):
        resolved = resolve_handout(clinic, path, library)
        for key, image in resolved.images.items():
            pictures[key] = load_picture(image, key)
        model = resolved.model
        pages.append({
            "brand": brand.model_dump(), "title": model.title, "patient": discharge.patient,
            "date": "December 1, 2026", "summary": (model.summary or "").split("\n\n"),
            "exercises": [{"name": e.name, "purpose": e.purpose or "", "steps": e.steps, "image": e.image,
                           "say": dosage.sentence(e.dose), "short": dosage.compact(e.dose), "note": e.note}
                          for e in resolved.exercises],
            "heading": model.sections[0].heading, "bullets": model.sections[0].items})
    timings = []
    for font_set in (plain_reportlab_fonts(fonts), fonts):
        hand = HandPlaced(font_set, pictures, brand.colors.primary, brand.colors.accent)
        hand.page(pages[0])
        start = time.perf_counter()
        for page in pages:
            hand.page(page)
        timings.append((time.perf_counter() - start) * 1000 / len(pages))
    return pipeline_ms, timings[0], timings[1]


def corpus_per_page(work: Path, rounds: int = 3) -> tuple[float, int, int]:
    """ms per page through the whole pipeline for the corpus of real-sized
    programs (tests/programs: 3-10 exercises each), each on the pages it needs
    (up to 4), with a patient's name; pictures prepared by a first round."""
    from handoutgen.clinic import Clinic
    from handoutgen.pipeline import Discharge, Renderer

    root = work / "corpus"
    shutil.copytree(REPO / "tests" / "programs", root)
    clinic = Clinic.open(root)
    paths = clinic.handout_files()
    discharge = Discharge("María José Fernández", "Sam Lee, PT", dt.date(2026, 12, 1), pages=4)
    renderer = Renderer(clinic)
    pages = sum(renderer.render(path, discharge).pages for path in paths)  # first round: pictures prepared
    elapsed = 0.0
    for _ in range(rounds):
        forget_layouts()  # each round lays every program out afresh, as a build does once
        renderer = Renderer(clinic)
        start = time.perf_counter()
        for path in paths:
            renderer.render(path, discharge)
        elapsed += time.perf_counter() - start
    return elapsed * 1000 / (rounds * pages), len(paths), pages


def forget_layouts() -> None:
    """Empty the caches of laid-out content (cards, paragraphs and their lines,
    markup, headers), which a second render of the same programs would find
    full; keep the prepared pictures and font subsets, which a batch shares."""
    from handoutgen import flowables
    from handoutgen.page import fill, measure

    for cache in (measure._CARDS, fill._PLACEMENTS, fill._GROWN, flowables._TEXTS, flowables._LINES,
                  flowables._INLINE, flowables._HEADERS, flowables._SIZED):
        cache.clear()


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


class PeakMemory:
    """Peak of the summed proportional set size (PSS) of a process and its
    children: shared pages are split between the processes that share them."""

    def __init__(self, pid: int):
        self.pid, self.peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, frontier = [], [self.pid]
        while frontier:
            pid = frontier.pop()
            pids.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        frontier += [int(c) for c in f.read().split()]
            except OSError:
                pass
        return pids

    def _run(self):
        while not self._stop.is_set():
            total = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as f:
                        total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
                except (OSError, StopIteration):
                    pass
            self.peak_kb = max(self.peak_kb, total)
            time.sleep(0.02)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="handouts to generate [1000]")
    parser.add_argument("--sample", type=int, default=300,
                        help="handouts timed one by one against the canvas baseline [300]")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="handoutgen-bench-"))
    env = dict(os.environ, HANDOUTGEN_CACHE_DIR=str(work / "cache"))
    os.environ.update(env)
    python = sys.executable
    generate = str(REPO / "generate.py")
    try:
        root = work / "clinic"
        paths = make_clinic(root, args.n)
        from handoutgen import batch
        from handoutgen.clinic import Clinic

        clinic = Clinic.open(root)
        results = {}
        print(f"handoutgen benchmark: {args.n} generated handouts, {os.cpu_count()} CPUs, Python "
              f"{sys.version.split()[0]}")
        warm_picture_cache(clinic, paths[:args.sample])
        pipeline_ms, baseline_ms, shared_ms = per_handout(clinic, paths[:args.sample])
        results["ratio"] = pipeline_ms / baseline_ms
        print(f"  one handout page, pipeline (YAML → PDF bytes)   {pipeline_ms:7.2f} ms  (pictures prepared "
              "beforehand, as for the baseline)")
        print(f"  the same page by hand on a canvas (baseline)    {baseline_ms:7.2f} ms")
        print(f"  ratio pipeline / baseline                        {results['ratio']:7.2f}")
        print(f"  (for reference: the hand-placed page using handoutgen's font-subset cache too: "
              f"{shared_ms:.2f} ms, ratio {pipeline_ms / shared_ms:.2f})")
        corpus_ms, programs, corpus_pages = corpus_per_page(work)
        results["corpus_ratio"] = corpus_ms / baseline_ms
        print(f"  corpus of real programs ({programs} programs, 3-10 exercises, {corpus_pages} pages): "
              f"{corpus_ms:.2f} ms per page, ratio to the baseline page {results['corpus_ratio']:.2f}")

        for jobs in (1, 2):
            out = work / f"out-{jobs}"
            start = time.perf_counter()
            report = batch.build(clinic, out, jobs=jobs, force=True)
            seconds = time.perf_counter() - start
            assert not report.failed, report.failed[:3]
            rate = args.n / seconds
            results[f"rate{jobs}"] = rate
            print(f"  build --force --jobs {jobs}: {seconds:6.2f} s   {rate:7.1f} handouts/s "
                  f"({2 * rate:.0f} PDFs/s: handout + checklist each)")

        start = time.perf_counter()
        report = batch.build(clinic, work / "out-2", jobs=2)
        in_process = time.perf_counter() - start
        assert len(report.unchanged) == args.n
        runs = [timed([python, generate, "build", "--root", str(root), "--out", str(work / "out-2")], env)
                for _ in range(3)]
        results["nochange"] = min(runs)
        print(f"  no-change rebuild of {args.n}: whole command {min(runs):.3f} s (best of 3), "
              f"of which the build itself {in_process:.3f} s")

        sample = work / "sample.pdf"
        render_sample = [python, generate, "render", "knee-arthritis-walking", "--root", str(REPO),
                         "--date", "2026-12-01", "-o", str(sample)]
        # Python keeps the bytecode it compiles on a program's first run. This machine may forbid
        # writing it (PYTHONDONTWRITEBYTECODE); these runs keep theirs in a folder of their own.
        cold_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cold_env["PYTHONPYCACHEPREFIX"] = str(work / "bytecode")
        timed(render_sample, cold_env)  # the first run: bytecode compiled, pictures prepared
        cold = [timed(render_sample, cold_env) for _ in range(7)]
        results["cold"] = statistics.median(cold)
        print(f"  cold render of the sample: median {statistics.median(cold):.3f} s, best {min(cold):.3f} s "
              f"(7 new processes after a first run: picture and bytecode caches warm)")
        if env.get("PYTHONDONTWRITEBYTECODE"):
            uncached = [timed(render_sample, env) for _ in range(5)]
            print(f"  (with no bytecode kept at all, as PYTHONDONTWRITEBYTECODE makes every run here: "
                  f"median {statistics.median(uncached):.3f} s)")
        first = timed([python, generate, "render", "knee-arthritis-walking", "--root", str(REPO), "--date",
                       "2026-12-01", "-o", str(sample)], dict(env, HANDOUTGEN_CACHE_DIR=str(work / "empty-cache")))
        print(f"  the very first render (empty picture cache: pictures prepared): {first:.3f} s")
        results["size_kb"] = sample.stat().st_size / 1024
        print(f"  sample handout PDF: {sample.stat().st_size:,} bytes ({results['size_kb']:.1f} KB)")

        proc = subprocess.Popen([python, generate, "build", "--force", "--jobs", "2", "--root", str(root),
                                 "--out", str(work / "out-mem")], env=env, stdout=subprocess.DEVNULL)
        meter = PeakMemory(proc.pid)
        proc.wait()
        results["memory_mb"] = meter.stop()
        print(f"  peak memory of build --force --jobs 2 ({args.n} handouts): "
              f"{results['memory_mb']:.0f} MB (PSS, build and its workers together)")

        print("targets:")
        checks = [("ratio to the hand-placed canvas", "ratio", "≤", ""),
                  ("ratio per page, corpus of real programs", "corpus_ratio", "≤", ""),
                  ("handouts per second, 2 jobs", "rate2", "≥", "/s"),
                  ("no-change rebuild", "nochange", "≤", " s"),
                  ("cold render", "cold", "≤", " s"),
                  ("sample handout size", "size_kb", "≤", " KB"),
                  ("peak memory", "memory_mb", "≤", " MB")]
        for label, key, op, unit in checks:
            value, target = results[key], TARGETS[key]
            met = value <= target if op == "≤" else value >= target
            print(f"  {'met   ' if met else 'MISSED'} {label}: {value:.2f}{unit} (target {op} {target:g}{unit})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
