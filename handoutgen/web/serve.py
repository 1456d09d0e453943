"""Runs the web page under waitress (a production WSGI server) and says where it is."""

from __future__ import annotations

import ipaddress
import os
import signal
from pathlib import Path

import click

from handoutgen.clinic import Clinic
from handoutgen.errors import HandoutError, Problem
from handoutgen.web.guard import LOCAL_NAMES, Guard

THREADS = 8  # requests served at once; the pages are made by the workers (web.make)
MAX_WORKERS = 8
PASSWORD_BYTES = 1024


def read_password(path: Path) -> str:
    """The first line of the password file; a clear error if there is none."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(PASSWORD_BYTES + 1)
    except OSError as exc:
        raise HandoutError(Problem(str(path), None, "--password-file",
                                   f"cannot be read ({exc.strerror or exc}); give a file that holds the password "
                                   "on its first line")) from None
    lines = data.decode("utf-8", "replace").splitlines()
    password = lines[0].strip() if lines else ""
    if not password or len(data) > PASSWORD_BYTES:
        raise HandoutError(Problem(str(path), 1, "--password-file",
                                   "must hold the password on its first line (at most 1 KB)"))
    return password


def is_loopback(host: str) -> bool:
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _stop(signum, frame):
    raise KeyboardInterrupt


def default_workers() -> int:
    """One process making pages for each core, as `build` uses them."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def serve(clinic: Clinic, host: str, port: int, password_file: Path | None, allow_hosts: tuple[str, ...],
          workers: int | None = None) -> None:
    from waitress import create_server

    from handoutgen.web.app import create_app

    password = read_password(password_file) if password_file is not None else None
    names = LOCAL_NAMES | {name.lower().strip("[]") for name in allow_hosts}
    if not is_loopback(host):
        names |= {host.lower()}
        if password is None:
            click.echo(f"warning: --host {host} serves the page to the clinic's network with no password: anyone "
                       "on the network can open it; give --password-file FILE (docs/serve.md)", err=True)
    # Before any worker starts: `kill` and systemd stop the server as Ctrl-C does, workers too.
    previous = signal.signal(signal.SIGTERM, _stop)
    app = None
    try:
        app = create_app(clinic, Guard(allowed_names=frozenset(names), password=password),
                         workers=default_workers() if workers is None else workers)
        try:
            server = create_server(app, host=host, port=port, threads=THREADS, ident="handoutgen",
                                   max_request_body_size=1024 * 1024)
        except OSError as exc:
            raise HandoutError(Problem(f"{host}:{port}", None, "", f"cannot listen there ({exc.strerror or exc}); "
                                       "give another --port N (0: any free port), or another --host")) from None
        shown = getattr(server, "effective_host", host)
        shown = f"[{shown}]" if ":" in str(shown) else shown
        if shown in ("0.0.0.0", "[::]"):
            shown = "127.0.0.1"  # where this machine's own browser finds it
        click.echo(f"serving {clinic.root} at http://{shown}:{server.effective_port}/ (Ctrl-C to stop)")
        try:
            server.run()
        finally:
            server.close()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if app is not None:
            app.extensions["handoutgen"].make.close()
