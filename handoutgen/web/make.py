"""Making what the web page shows: the PDF, its picture and its words, for one request.

`make` runs in the server's process (one at a time: ReportLab's and PDFium's state is
shared by a process) or, with workers, in worker processes, one render each at a time,
so previews for several therapists use every core. What crosses to a worker and back is
plain data (the clinic's folder, the handout's file, the Discharge; bytes, text and
Problems): nothing is written anywhere on the way.

Who goes next (Turns): each page open in a browser is a session. A session waits behind
those that have been served less recently (fair share), and a newer preview of the same
session replaces its older one still waiting (latest only: the page no longer wants it),
which is answered at once and never made. A request waits at most TURN_WAIT for a worker
(then Busy) and a page may take at most RENDER_BUDGET (then TooLong: its worker is stopped
and replaced).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handoutgen.clinic import Clinic
from handoutgen.errors import HandoutError, Problem
from handoutgen.page import DoesNotFit, TooTall
from handoutgen.pipeline import Discharge, Renderer

PREVIEW_DPI = 80  # the page shows about 560 px wide (1400 px screen): sharp there, fast to draw and send


@dataclass
class Made:
    """One render: the PDF (and, for a preview, its picture and words), or its problems."""

    pdf: bytes = b""
    pages: int = 0
    warnings: list[str] = field(default_factory=list)
    png: bytes | None = None
    size: tuple[int, int] | None = None
    texts: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    fits: bool = True  # False: the problem is the page no longer fitting (said beside Pages)


class Superseded(Exception):
    """A newer preview of the same page came while this one waited: it is not made."""


class Busy(Exception):
    """No worker was free within the request's wait (every one making other pages)."""


class TooLong(Exception):
    """The page took longer than its budget to make (its worker was stopped)."""


def make(clinic: Clinic, path: Path, discharge: Discharge, kind: str, picture: bool) -> Made:
    try:
        rendered = Renderer(clinic).render(path, discharge, kind)
    except HandoutError as exc:
        # The pipeline raises a page that does not fit from the page engine's DoesNotFit or TooTall.
        return Made(problems=exc.problems, fits=not isinstance(exc.__context__, (DoesNotFit, TooTall)))
    made = Made(pdf=rendered.pdf, pages=rendered.pages, warnings=[str(w) for w in rendered.warnings])
    if picture:
        from handoutgen.preview import page_texts, to_png

        made.png, made.size = to_png(rendered.pdf, PREVIEW_DPI, fast=True)
        made.texts = page_texts(rendered.pdf)
    return made


def _watch(server: int) -> None:
    """In each worker: end when the server is gone, even killed outright (kill -9, out of
    memory), so no worker outlives it."""
    def watch() -> None:
        while os.getppid() == server:
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def _work(connection, server: int) -> None:
    """A worker's life: load the renderer before the first therapist waits for it, then
    make one page per message, answering ("made", Made) or ("error", exception)."""
    _watch(server)
    import handoutgen.preview  # noqa: F401
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[str, Any] = ("made", make(*job))
        except Exception as exc:  # a bug: the server says it (without names) and answers 500
            answer = ("error", exc)
        try:
            connection.send(answer)
        except Exception:  # an exception that does not pickle
            connection.send(("error", RuntimeError(f"{answer[1].__class__.__name__}: {answer[1]}")))


class Died(Exception):
    """The worker ended while making a page (killed, out of memory)."""


class Worker:
    """One worker process and the pipe to it."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter, never a fork of a server with threads
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_work, args=(child, os.getpid()), daemon=True,
                                       name="handoutgen-worker")
        self.process.start()
        child.close()

    def run(self, job: tuple, budget: float) -> Made:
        try:
            self.connection.send(job)
            if not self.connection.poll(max(0.0, budget)):
                raise TooLong
            kind, value = self.connection.recv()
        except (EOFError, OSError) as exc:
            raise Died from exc
        if kind == "error":
            raise value
        return value

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.connection.close()
        self.process.close()


@dataclass(eq=False)
class _Ticket:
    session: object
    latest: bool  # a preview: a newer one of the same session replaces it while it waits
    number: int  # its place in line (kept when a newer preview replaces it)
    slot: Any = None
    state: str = "waiting"  # granted, superseded, late


class Turns:
    """Who goes next among requests waiting for a slot (a worker, or this process's turn).

    A waiting request is picked by (pages its session is having made now, its session's last
    turn, its place in line): a session with a page on a worker waits behind those with none,
    and sessions take turns. A session new or idle counts as served just now, so a client
    cannot jump the line by calling itself new."""

    def __init__(self, slots: list) -> None:
        self._free = list(slots)
        self._waiting: list[_Ticket] = []
        self._running: Counter = Counter()
        self._last: dict[object, int] = {}  # session -> its last turn, while it has one running or waiting
        self._turn = 0
        self._numbers = itertools.count()
        self._cond = threading.Condition()

    def take(self, session: object, latest: bool, wait: float, gone: Callable[[], bool] | None = None) -> Any:
        """A slot, once it is this request's turn; Superseded (a newer preview of the session
        came, or `gone()`: the browser gave up on this request) or Busy instead."""
        with self._cond:
            number = next(self._numbers)
            if latest:
                for older in self._waiting:
                    if older.session == session and older.latest:
                        older.state = "superseded"
                        number = min(number, older.number)  # the session keeps its place in line
                self._waiting = [t for t in self._waiting if t.state == "waiting"]
            ticket = _Ticket(session, latest, number)
            self._last.setdefault(session, self._turn)  # new or idle: as if served just now
            self._waiting.append(ticket)
            self._dispatch()
            until = time.monotonic() + wait
            while ticket.state == "waiting":
                left = until - time.monotonic()
                if gone is not None and gone():
                    ticket.state = "superseded"
                elif left <= 0:
                    ticket.state = "late"
                else:
                    self._cond.wait(min(left, GONE_EVERY) if gone is not None else left)
                    continue
                self._waiting.remove(ticket)
                self._forget(session)
            if ticket.state == "superseded":
                self._forget(session)
                raise Superseded
            if ticket.state == "late":
                raise Busy
            return ticket.slot

    def give(self, session: object, slot: Any) -> None:
        """The slot back (a new worker in place of a stopped one, as the case may be)."""
        with self._cond:
            self._running[session] -= 1
            if self._running[session] <= 0:
                del self._running[session]
            self._free.append(slot)
            self._forget(session)
            self._dispatch()

    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)

    def _forget(self, session: object) -> None:
        if session not in self._running and not any(t.session == session for t in self._waiting):
            self._last.pop(session, None)

    def _dispatch(self) -> None:
        while self._free and self._waiting:
            ticket = min(self._waiting, key=lambda t: (self._running[t.session], self._last.get(t.session, 0),
                                                       t.number))
            self._waiting.remove(ticket)
            self._turn += 1
            self._last[ticket.session] = self._turn
            self._running[ticket.session] += 1
            ticket.slot = self._free.pop()
            ticket.state = "granted"
        self._cond.notify_all()


GONE_EVERY = 0.1  # seconds between looks at whether a waiting request's browser gave up on it
IN_PROCESS = "this process"  # the one slot of a server without workers


class Maker:
    """Runs `make` in this process (workers=0) or in `workers` processes, in turns (Turns),
    each render within RENDER_BUDGET."""

    def __init__(self, workers: int = 0, lock: threading.Lock | None = None, wait: float | None = None,
                 budget: float | None = None):
        from handoutgen.web import limits

        self._lock = lock or threading.Lock()  # this process's turn, shared with its other renders
        self.wait = limits.TURN_WAIT if wait is None else wait
        self.budget = limits.RENDER_BUDGET if budget is None else budget
        self._workers: list[Worker] = [Worker() for _ in range(workers)]
        self.turns = Turns(list(self._workers) if workers > 0 else [IN_PROCESS])
        self._closed = False

    def __call__(self, clinic: Clinic, path: Path, discharge: Discharge, kind: str, picture: bool = False,
                 session: object = None, latest: bool = False, gone: Callable[[], bool] | None = None) -> Made:
        """The page made, in its turn. Raises Superseded (a newer preview of the session came
        while this one waited, or the browser gave up on it: `gone()`), Busy (no turn within the
        wait) or TooLong (over budget)."""
        job = (clinic, path, discharge, kind, picture)
        slot = self.turns.take(session, latest, self.wait, gone)
        if gone is not None and gone():  # given up on while it waited: nobody would see it
            self.turns.give(session, slot)
            raise Superseded
        if slot is IN_PROCESS:
            return self._here(job, session)
        try:
            try:
                return slot.run(job, self.budget)
            except Died:
                # A worker died (killed, out of memory): a new worker, and this page made again, once.
                slot = self._replace(slot)
                return slot.run(job, self.budget)
        except (TooLong, Died):
            slot = self._replace(slot)  # stopped: it would go on making a page nobody waits for
            raise TooLong from None
        finally:
            self.turns.give(session, slot)

    def _here(self, job: tuple, session: object) -> Made:
        """In this process: the render runs in a thread of its own, so the request can answer
        when it is over budget; the turn is given back only when the render really ends."""
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def render() -> None:
            try:
                with self._lock:
                    outcome["made"] = make(*job)
            except BaseException as exc:  # raised again in the request's thread
                outcome["error"] = exc
            finally:
                done.set()
                self.turns.give(session, IN_PROCESS)

        threading.Thread(target=render, daemon=True, name="handoutgen-render").start()
        if not done.wait(self.budget):
            raise TooLong
        if "error" in outcome:
            raise outcome["error"]
        return outcome["made"]

    def _replace(self, worker: Worker) -> Worker:
        worker.stop()
        if self._closed:
            return worker
        new = Worker()
        self._workers = [new if w is worker else w for w in self._workers]
        return new

    @property
    def processes(self) -> list[int]:
        """The workers' process ids."""
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def close(self) -> None:
        self._closed = True
        for worker in self._workers:
            try:
                worker.stop()
            except ValueError:  # already closed
                pass
