"""Benchmark of `handoutgen serve`: python bench/serve_load.py [--therapists 10] [--seconds 30] [--abuse]

1. Server time of one live preview (render + picture), in process, for each handout of
   the corpus (tests/programs: 5-10 exercises with pictures) and the sample: p50 and p95.
2. Load: `handoutgen serve` on 127.0.0.1 (a free port), and N simulated therapists, each
   typing a patient's name and changing doses, one preview after another, for S seconds:
   preview latency p50/p95/max as the therapist sees it, requests, errors.
3. With --abuse (instead of 1 and 2): the same honest therapists for S seconds alone, then
   for S seconds beside abusers: a slow-loris client (120 connections, a byte every 5 s each),
   a cross-site storm of "Check every handout" (<img> requests, and plain GETs), a client
   posting 20,000-field forms, and a therapist typing fast (a preview every 60 ms, each
   abandoning the one before, as the page does) into a 10-exercise program. It prints the
   honest previews' p50/p95 without and with abuse and their errors (target: p95 within 2x,
   0 errors).

Traffic goes only to 127.0.0.1; each therapist stops after S seconds or MAX_REQUESTS.
Not part of the test suite (tests/test_serve.py runs a short load for errors only).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
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


def start_server(root: Path, env: dict | None = None, args: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str, int]:
    """`handoutgen serve --port 0 --root ROOT`; (process, host, port) once it listens."""
    process = subprocess.Popen([sys.executable, "-m", "handoutgen", "serve", "--port", "0", "--root", str(root),
                                *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env or dict(os.environ, PYTHONUNBUFFERED="1"))
    line = process.stdout.readline()
    match = re.search(r"http://(127\.0\.0\.1):(\d+)/", line)
    if not match:
        process.kill()
        raise RuntimeError(f"serve did not start: {line}{process.stderr.read()}")
    return process, match.group(1), int(match.group(2))


HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin", "HX-Request": "true"}


def editor(connection: http.client.HTTPConnection, handout: str) -> dict:
    """What the page of one handout gives its scripts: the token, the page's id, its exercises and reps."""
    connection.request("GET", f"/h/{handout}")
    page = connection.getresponse().read().decode()
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', page)
    if token is None:
        raise OSError(f"no page for {handout}: {page[:200]!r}")
    page_id = re.search(r'name="page" value="([^"]+)"', page)
    return {"token": token.group(1), "page": page_id.group(1) if page_id else "",
            "items": re.findall(r'name="item" value="([^"]+)"', page),
            "doses": re.findall(r'name="(dose\.[^"]+\.reps)" value="(\d+)"', page)}


def preview_body(form: dict, patient: str, count: int, pages: str) -> str:
    fields = [("page", form["page"]), ("items-shown", "1"), ("print-shown", "1"), ("date", "2026-12-01"),
              ("lang", "en"), ("kind", "handout"), ("pages", pages), ("patient", patient[:60])]
    fields += [("item", item) for item in form["items"]]
    fields += [(name, str(int(value) % 20 + 1 + count % 3)) for name, value in form["doses"]]
    return urlencode(fields)


class Therapist(threading.Thread):
    """Opens a handout, then previews again and again as if typing: a new name or dose each time,
    until `until` (a time.monotonic()) or `previews` previews."""

    def __init__(self, host: str, port: int, handout: str, until: float | None, number: int, pages: str = "",
                 previews: int = MAX_REQUESTS):
        super().__init__(daemon=True)
        self.host, self.port, self.handout, self.until, self.number = host, port, handout, until, number
        self.pages, self.previews = pages, min(previews, MAX_REQUESTS)
        self.latencies: list[float] = []
        self.opening = 0.0  # seconds to open the handout's page
        self.errors: list[str] = []

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            started = time.perf_counter()
            form = editor(connection, self.handout)
            self.opening = time.perf_counter() - started
            for count in range(self.previews):
                if self.until is not None and time.monotonic() >= self.until:
                    break
                body = preview_body(form, f"Patient {self.number} {count}", count, self.pages)
                started = time.perf_counter()
                connection.request("POST", f"/h/{self.handout}/preview", body=body,
                                   headers={**HEADERS, "X-CSRF-Token": form["token"]})
                response = connection.getresponse()
                answer = response.read()
                self.latencies.append(time.perf_counter() - started)
                if response.status != 200 or b"data:image/png;base64," not in answer:
                    self.errors.append(f"{self.handout}: HTTP {response.status}")
        except (OSError, http.client.HTTPException) as exc:
            self.errors.append(f"{self.handout}: {exc.__class__.__name__}: {exc}")
        finally:
            connection.close()


def load(host: str, port: int, handouts: list[str], therapists: int, seconds: float | None = None,
         pages: str = "", previews: int = MAX_REQUESTS) -> dict:
    """N therapists previewing for `seconds` (None: until each made `previews` previews)."""
    until = time.monotonic() + seconds if seconds is not None else None
    crowd = [Therapist(host, port, handouts[i % len(handouts)], until, i, pages, previews) for i in range(therapists)]
    for one in crowd:
        one.start()
    for one in crowd:
        one.join((seconds or 0) + 120)
    latencies = [value for one in crowd for value in one.latencies]
    return {"requests": len(latencies), "errors": [e for one in crowd for e in one.errors],
            "opening": max((one.opening for one in crowd), default=float("nan")),
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


# ------------------------------------------------------------------ abusers

class Abuser(threading.Thread):
    """One kind of abuse, in a loop until `until`; counts what it sent and how it was answered."""

    def __init__(self, host: str, port: int, until: float):
        super().__init__(daemon=True)
        self.host, self.port, self.until = host, port, until
        self.sent = 0
        self.answers: dict[str, int] = {}

    def answered(self, status: object) -> None:
        self.answers[str(status)] = self.answers.get(str(status), 0) + 1


class SlowLoris(Abuser):
    """120 connections, each sending a request's head a byte every 5 s; one closed is opened again."""

    name_ = "slow loris (120 connections, a byte every 5 s)"
    COUNT, EVERY = 120, 5.0

    def run(self) -> None:
        head = f"POST /h/x/preview HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: 100\r\n".encode()
        sockets: list[list] = []  # [socket, bytes sent]
        while time.monotonic() < self.until:
            while len(sockets) < self.COUNT:
                try:
                    sockets.append([socket.create_connection((self.host, self.port), timeout=2), 0])
                except OSError:
                    self.answered("refused")
                    break
            for entry in list(sockets):
                sock, at = entry
                try:
                    sock.sendall(head[at % len(head):at % len(head) + 1])
                    entry[1] += 1
                    self.sent += 1
                except OSError:
                    self.answered("closed by the server")
                    sock.close()
                    sockets.remove(entry)
            time.sleep(min(self.EVERY, max(0.0, self.until - time.monotonic())))
        for sock, _ in sockets:
            sock.close()


class CheckStorm(Abuser):
    """Another site's <img src=".../staff/check">, as a browser sends it, as fast as it is answered."""

    name_ = "cross-site check storm"

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        image = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}
        while time.monotonic() < self.until:
            try:
                connection.request("GET", "/staff/check", headers=image)
                response = connection.getresponse()
                response.read()
                self.sent += 1
                self.answered(response.status)
            except (OSError, http.client.HTTPException):
                self.answered("error")
                connection.close()
                connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        connection.close()


class FieldFlood(Abuser):
    """A form of 20,000 `item` fields (229 KB: under the body limit), posted again and again."""

    name_ = "20,000-field posts"

    def __init__(self, host: str, port: int, until: float, handout: str):
        super().__init__(host, port, until)
        self.handout = handout

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            form = editor(connection, self.handout)
            body = urlencode([("items-shown", "1"), ("patient", "Flood")] + [("item", str(n)) for n in range(20_000)])
            while time.monotonic() < self.until:
                connection.request("POST", f"/h/{self.handout}/preview", body=body,
                                   headers={**HEADERS, "X-CSRF-Token": form["token"]})
                response = connection.getresponse()
                response.read()
                self.sent += 1
                self.answered(response.status)
        except (OSError, http.client.HTTPException) as exc:
            self.answered(exc.__class__.__name__)
        finally:
            connection.close()


class FastTypist(Abuser):
    """A therapist typing fast into a 10-exercise program: a preview every 60 ms, each on a new
    connection, the one before abandoned (as the page's hx-sync replace does)."""

    name_ = "fast typist (10 exercises, a preview every 60 ms)"
    EVERY = 0.06

    def __init__(self, host: str, port: int, until: float, handout: str, extra: list[str]):
        super().__init__(host, port, until)
        self.handout, self.extra = handout, extra

    def run(self) -> None:
        first = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            form = editor(first, self.handout)
        except (OSError, http.client.HTTPException):
            self.answered("no page")
            return
        finally:
            first.close()
        form["items"] = (form["items"] + [e for e in self.extra if e not in form["items"]])[:10]
        previous: socket.socket | None = None
        count = 0
        while time.monotonic() < self.until:
            body = preview_body(form, "Fast Typist " + "x" * (count % 20), count, "4").encode()
            count += 1
            head = (f"POST /h/{self.handout}/preview HTTP/1.1\r\nHost: {self.host}\r\n"
                    f"Content-Type: application/x-www-form-urlencoded\r\nSec-Fetch-Site: same-origin\r\n"
                    f"HX-Request: true\r\nX-CSRF-Token: {form['token']}\r\nContent-Length: {len(body)}\r\n"
                    "Connection: close\r\n\r\n").encode()
            try:
                sock = socket.create_connection((self.host, self.port), timeout=5)
                sock.sendall(head + body)
                self.sent += 1
            except OSError:
                self.answered("error")
                sock = None
            if previous is not None:
                self._status(previous)
            previous = sock
            time.sleep(self.EVERY)
        if previous is not None:
            self._status(previous)

    def _status(self, sock: socket.socket) -> None:
        """The answer's status if it came already; else the request is abandoned (closed)."""
        sock.setblocking(False)
        try:
            head = sock.recv(32)
            self.answered(head.split(b" ")[1].decode() if head.startswith(b"HTTP/") else "closed")
        except (BlockingIOError, IndexError):
            self.answered("abandoned")
        except OSError:
            self.answered("error")
        sock.close()


def abuse(root: Path, handouts: list[str], therapists: int, seconds: float) -> bool:
    """Honest therapists alone, then beside the abusers; True if the target is met."""
    process, host, port = start_server(root)
    try:
        load(host, port, handouts, therapists, 3, pages="4")  # warm up
        alone = load(host, port, handouts, therapists, seconds, pages="4")
        until = time.monotonic() + seconds
        library = sorted(p.stem for p in (root / "exercises").glob("*.yaml"))
        biggest = max(handouts, key=lambda h: (root / "handouts" / f"{h}.yaml").read_text().count("use:"))
        abusers = [SlowLoris(host, port, until), CheckStorm(host, port, until), CheckStorm(host, port, until),
                   FieldFlood(host, port, until, handouts[0]), FastTypist(host, port, until, biggest, library)]
        for one in abusers:
            one.start()
        beside = load(host, port, handouts, therapists, seconds, pages="4")
        for one in abusers:
            one.join(30)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    for name, result in (("alone", alone), ("beside the abusers", beside)):
        print(f"honest previews, {therapists} therapists, {seconds:g} s {name}: {result['requests']} previews "
              f"({result['requests'] / seconds:.1f}/s), p50 {1000 * result['p50']:.0f} ms, "
              f"p95 {1000 * result['p95']:.0f} ms, max {1000 * result['max']:.0f} ms; slowest page opening "
              f"{1000 * result['opening']:.0f} ms; {len(result['errors'])} errors")
    for one in abusers:
        print(f"  {one.name_}: {one.sent} sent; answers {dict(sorted(one.answers.items()))}")
    ratio = beside["p95"] / alone["p95"]
    served = beside["requests"] / max(1, alone["requests"])
    errors = alone["errors"] + beside["errors"]
    print(f"p95 with abuse / without: {ratio:.2f} (target: at most 2); previews made with abuse / without: "
          f"{served:.2f} (target: at least 0.5); honest errors: {len(errors)} (target: 0)")
    for error in errors[:10]:
        print(f"  error: {error}")
    if "Traceback" in err:
        print("the server printed a traceback:\n" + err[-2000:])
        return False
    return ratio <= 2 and served >= 0.5 and not errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--therapists", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=10, help="previews of each handout for the server time")
    parser.add_argument("--abuse", action="store_true", help="honest therapists without, then beside abusers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "corpus"
        shutil.copytree(REPO / "tests" / "programs", root)
        handouts = sorted(p.stem for p in (root / "handouts").glob("*.yaml"))
        if args.abuse:
            sys.exit(0 if abuse(root, handouts, args.therapists, args.seconds) else 1)
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
