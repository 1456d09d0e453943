"""Benchmark of `handoutgen serve`: python bench/serve_load.py [--therapists 10] [--seconds 30]

1. Server time of one live preview (render + picture), in process, for each handout of
   the corpus (tests/programs: 5-10 exercises with pictures) and the sample: p50 and p95.
2. Load: `handoutgen serve` on 127.0.0.1 (a free port), and N simulated therapists, each
   typing a patient's name and changing doses, one preview after another, for S seconds:
   preview latency p50/p95/max as the therapist sees it, requests, errors.

Traffic goes only to 127.0.0.1; each therapist stops after S seconds or MAX_REQUESTS.
Not part of the test suite (tests/test_serve.py runs a short load for errors only).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
MAX_REQUESTS = 5000  # per therapist: the loop is bounded in count as well as time


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def start_server(root: Path, env: dict | None = None) -> tuple[subprocess.Popen, str, int]:
    """`handoutgen serve --port 0 --root ROOT`; (process, host, port) once it listens."""
    process = subprocess.Popen([sys.executable, "-m", "handoutgen", "serve", "--port", "0", "--root", str(root)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env or dict(os.environ, PYTHONUNBUFFERED="1"))
    line = process.stdout.readline()
    match = re.search(r"http://(127\.0\.0\.1):(\d+)/", line)
    if not match:
        process.kill()
        raise RuntimeError(f"serve did not start: {line}{process.stderr.read()}")
    return process, match.group(1), int(match.group(2))


class Therapist(threading.Thread):
    """Opens a handout, then previews again and again as if typing: a new name or dose each time."""

    def __init__(self, host: str, port: int, handout: str, until: float, number: int, pages: str = ""):
        super().__init__(daemon=True)
        self.host, self.port, self.handout, self.until, self.number = host, port, handout, until, number
        self.pages = pages
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request("GET", f"/h/{self.handout}")
            page = connection.getresponse().read().decode()
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            items = re.findall(r'name="item" value="([^"]+)"', page)
            doses = re.findall(r'name="(dose\.[^"]+\.reps)" value="(\d+)"', page)
            for count in range(MAX_REQUESTS):
                if time.monotonic() >= self.until:
                    break
                fields = [("csrf", token), ("items-shown", "1"), ("print-shown", "1"), ("date", "2026-12-01"),
                          ("lang", "en"), ("kind", "handout"), ("pages", self.pages),
                          ("patient", f"Patient {self.number} {count}"[:60])]
                fields += [("item", item) for item in items]
                fields += [(name, str(int(value) % 20 + 1 + count % 3)) for name, value in doses]
                body = urlencode(fields)
                started = time.perf_counter()
                connection.request("POST", f"/h/{self.handout}/preview", body=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin",
                    "HX-Request": "true"})
                response = connection.getresponse()
                answer = response.read()
                self.latencies.append(time.perf_counter() - started)
                if response.status != 200 or b"data:image/png;base64," not in answer:
                    self.errors.append(f"{self.handout}: HTTP {response.status}")
        except (OSError, http.client.HTTPException, AttributeError) as exc:
            self.errors.append(f"{self.handout}: {exc.__class__.__name__}: {exc}")
        finally:
            connection.close()


def load(host: str, port: int, handouts: list[str], therapists: int, seconds: float, pages: str = "") -> dict:
    until = time.monotonic() + seconds
    crowd = [Therapist(host, port, handouts[i % len(handouts)], until, i, pages) for i in range(therapists)]
    for one in crowd:
        one.start()
    for one in crowd:
        one.join(seconds + 120)
    latencies = [value for one in crowd for value in one.latencies]
    return {"requests": len(latencies), "errors": [e for one in crowd for e in one.errors],
            "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95),
            "max": max(latencies, default=float("nan"))}


def server_times(root: Path, handouts: list[str], rounds: int, pages: str = "") -> list[float]:
    """Seconds the server spends on one preview (render, picture, page text), in process."""
    sys.path.insert(0, str(REPO))
    from werkzeug.datastructures import MultiDict

    from handoutgen.clinic import Clinic
    from handoutgen.web.app import create_app
    from handoutgen.web.guard import Guard

    guard = Guard()
    client = create_app(Clinic.open(root), guard).test_client()
    times = []
    for handout in handouts:
        page = client.get(f"/h/{handout}", base_url="http://127.0.0.1").get_data(as_text=True)
        items = re.findall(r'name="item" value="([^"]+)"', page)
        for count in range(rounds):
            fields = [("csrf", guard.token), ("items-shown", "1"), ("print-shown", "1"), ("date", "2026-12-01"),
                      ("lang", "en"), ("kind", "handout"), ("pages", pages), ("patient", f"Therapy Patient {count}")]
            fields += [("item", item) for item in items]
            started = time.perf_counter()
            answer = client.post(f"/h/{handout}/preview", data=MultiDict(fields), base_url="http://127.0.0.1")
            times.append(time.perf_counter() - started)
            assert answer.status_code == 200 and b"data:image/png" in answer.data, handout
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--therapists", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=10, help="previews of each handout for the server time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "corpus"
        shutil.copytree(REPO / "tests" / "programs", root)
        handouts = sorted(p.stem for p in (root / "handouts").glob("*.yaml"))
        sample = Path(folder) / "sample"
        sample.mkdir()
        shutil.copy(REPO / "brand.yaml", sample / "brand.yaml")
        for sub in ("handouts", "exercises", "images"):
            shutil.copytree(REPO / sub, sample / sub)

        one_page = server_times(sample, ["knee-arthritis-walking"], args.rounds * 3)
        # The corpus's longer programs need more than one page: the therapist allows up to 4.
        corpus = server_times(root, handouts, args.rounds, pages="4")
        print(f"server time of one preview, sample handout (1 page): p50 {1000 * percentile(one_page, .5):.0f} ms, "
              f"p95 {1000 * percentile(one_page, .95):.0f} ms")
        print(f"server time of one preview, {len(handouts)} corpus handouts (3-10 exercises, up to 4 pages): "
              f"p50 {1000 * percentile(corpus, .5):.0f} ms, p95 {1000 * percentile(corpus, .95):.0f} ms, "
              f"mean {1000 * statistics.mean(corpus):.0f} ms")

        process, host, port = start_server(root)
        try:
            result = load(host, port, handouts, args.therapists, args.seconds, pages="4")
        finally:
            process.terminate()
            process.wait(timeout=10)
        print(f"load: {args.therapists} therapists for {args.seconds:g} s on {host}: {result['requests']} previews "
              f"({result['requests'] / args.seconds:.1f}/s), latency p50 {1000 * result['p50']:.0f} ms, "
              f"p95 {1000 * result['p95']:.0f} ms, max {1000 * result['max']:.0f} ms, "
              f"{len(result['errors'])} errors")
        for error in result["errors"][:10]:
            print(f"  error: {error}")
        sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
