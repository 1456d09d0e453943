"""Runs the web page under waitress (a production WSGI server) and says where it is.

Connections are bounded (docs/serve.md, "Serving the clinic's network"): a request must arrive
whole within REQUEST_DEADLINE of its first byte, a connection silent for IDLE_TIMEOUT is closed,
and near CONNECTIONS open ones the server closes those that have been slowest to send a
request, so a few clients trickling bytes (or never sending any) cannot stop every answer."""

from __future__ import annotations

import ipaddress
import os
import signal
import stat
import time
from pathlib import Path

import click

from handoutgen.clinic import Clinic
from handoutgen.errors import HandoutError, Problem
from handoutgen.web import limits
from handoutgen.web.guard import LOCAL_NAMES, Guard

THREADS = limits.THREADS  # requests handled at once; the pages are made by the workers (web.make)
MAX_WORKERS = 8
PASSWORD_BYTES = 1024
REQUEST_DEADLINE = limits.REQUEST_DEADLINE
IDLE_TIMEOUT = limits.IDLE_TIMEOUT
CONNECTIONS = limits.CONNECTIONS
_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _refuse(path: Path, line: int | None, message: str) -> HandoutError:
    return HandoutError(Problem(str(path), line, "--password-file", message))


def read_password(path: Path) -> tuple[str, list[str]]:
    """The first line of the password file, and warnings about the file; a clear error if it
    is no regular file (a FIFO would wait forever for a writer), holds no password, or is not
    plain UTF-8."""
    try:
        # O_NONBLOCK: opening a FIFO does not wait for a writer; it is refused just below.
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _refuse(path, None, f"cannot be read ({exc.strerror or exc}); give a file that holds the password "
                                  "on its first line") from None
    try:
        info = os.fstat(handle)
        kind = next((name for test, name in _KINDS if test(info.st_mode)), None)
        if kind is not None or not stat.S_ISREG(info.st_mode):
            raise _refuse(path, None, f"is {kind or 'not a regular file'}, not a file; give a file that holds the "
                                      "password on its first line")
        data = b""
        while len(data) <= PASSWORD_BYTES:
            chunk = os.read(handle, PASSWORD_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
    except OSError as exc:
        raise _refuse(path, None, f"cannot be read ({exc.strerror or exc}); give a file that holds the password "
                                  "on its first line") from None
    finally:
        os.close(handle)
    if len(data) > PASSWORD_BYTES:
        raise _refuse(path, 1, "must hold the password on its first line (at most 1 KB)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(path, 1, "is UTF-16 text; save it as UTF-8 (without a byte order mark)")
    if data.startswith(b"\xef\xbb\xbf"):
        raise _refuse(path, 1, "starts with a byte order mark (BOM), which would become part of the password; "
                               "save it as UTF-8 without a BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(path, data[:exc.start].count(b"\n") + 1,
                      f"is not UTF-8 text (byte 0x{data[exc.start]:02X} at offset {exc.start}); save it as UTF-8"
                      ) from None
    lines = text.splitlines()
    password = lines[0].strip() if lines else ""
    if not password:
        raise _refuse(path, 1, "must hold the password on its first line (at most 1 KB)")
    warnings = []
    mode = stat.S_IMODE(info.st_mode)
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.append(f"{path}: --password-file: can be read by other accounts of this computer (mode {mode:03o}); "
                        f"make it readable by this account only: chmod 600 {path}")
    return password, warnings


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
    from handoutgen.web.app import create_app

    password = None
    if password_file is not None:
        password, warnings = read_password(password_file)
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
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
            server = create_server(app, host=host, port=port)
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


def create_server(app, host: str, port: int):
    """waitress's create_server, with connections bounded (Server, Channel)."""
    from waitress.adjustments import Adjustments
    from waitress.server import MultiSocketServer
    from waitress.task import ThreadedTaskDispatcher

    adj = Adjustments(host=host, port=port, threads=THREADS, ident="handoutgen", max_request_body_size=1024 * 1024,
                      channel_timeout=IDLE_TIMEOUT, cleanup_interval=1, connection_limit=CONNECTIONS,
                      asyncore_use_poll=True,  # poll: select() cannot watch more than 1,024 connections
                      channel_request_lookahead=1)  # reading on while answering: a browser that gave up is seen
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    socket_map: dict = {}
    servers = [_server_class()(app, socket_map, dispatcher=dispatcher, adj=adj, sockinfo=info) for info in adj.listen]
    if len(servers) == 1:
        return servers[0]
    listening = [(one.effective_host, one.effective_port) for one in servers]
    return MultiSocketServer(socket_map, adj, listening, dispatcher, servers[-1].log_info)


def _server_class() -> type:
    from waitress.channel import HTTPChannel
    from waitress.server import TcpWSGIServer

    class Channel(HTTPChannel):
        """A connection that knows since when it has been sending its current request."""

        begun: float | None = None  # the first byte of the request being read (None: none is)

        def received(self, data):
            if data and self.request is None and self.begun is None:
                self.begun = time.time()
            done = super().received(data)
            if self.request is None:
                self.begun = None
            return done

    class Server(TcpWSGIServer):
        channel_class = Channel

        def maintenance(self, now):
            super().maintenance(now)  # silent for IDLE_TIMEOUT (channel_timeout): closed
            waiting = []
            for channel in list(self.active_channels.values()):
                if channel.requests or channel.will_close:
                    continue  # being answered, or closing already
                begun = getattr(channel, "begun", None)
                if begun is not None and begun < now - REQUEST_DEADLINE:
                    channel.will_close = True  # too slow to send its request
                else:
                    waiting.append(channel)
            # Near the limit: close those that have been slowest to send a request, so the next
            # client still gets in (waitress would stop accepting until some closed).
            room = int(self.adj.connection_limit * 0.9)
            over = len(self._map) - room
            if over > 0:
                waiting.sort(key=lambda c: getattr(c, "begun", None) or c.last_activity)
                for channel in waiting[:over]:
                    channel.will_close = True

    return Server
