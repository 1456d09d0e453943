"""Making what the web page shows: the PDF, its picture and its words, for one request.

`make` runs in the server's process (one at a time: ReportLab's and PDFium's state is
shared by a process) or, with workers, in a pool of processes, one render each at a time,
so previews for several therapists use every core. What crosses to a worker and back is
plain data (the clinic's folder, the handout's file, the Discharge; bytes, text and
Problems): nothing is written anywhere on the way.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

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


def _ready() -> None:
    """A worker loads the renderer before the first therapist waits for it."""
    import handoutgen.preview  # noqa: F401


class Maker:
    """Runs `make` in this process (workers=0) or in `workers` processes."""

    def __init__(self, workers: int = 0, lock: threading.Lock | None = None):
        self._lock = lock or threading.Lock()  # this process's turn, shared with its other renders
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = self._start() if workers > 0 else None

    def _start(self) -> ProcessPoolExecutor:
        # spawn: a fresh interpreter, never a fork of a server with threads running.
        pool = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_watch, initargs=(os.getpid(),))
        for _ in range(self._workers):
            pool.submit(_ready)
        return pool

    def __call__(self, clinic: Clinic, path: Path, discharge: Discharge, kind: str, picture: bool = False) -> Made:
        if self._pool is None:
            with self._lock:
                return make(clinic, path, discharge, kind, picture)
        pool = self._pool
        try:
            future: Future[Made] = pool.submit(make, clinic, path, discharge, kind, picture)
            return future.result()
        except BrokenProcessPool:
            # A worker died (killed, out of memory): new workers, and this page made again, once.
            with self._lock:
                if self._pool is pool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._start()
            return self._pool.submit(make, clinic, path, discharge, kind, picture).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
