"""The web page's locks: which hosts may be named, who may post, who may look, and the
headers that keep a page with a patient's name out of caches, logs and other sites.

- Host allow-list: a page reached through another site's name (DNS rebinding) is refused.
  An address typed as numbers (127.0.0.1, 192.168.1.20) can never be another site's name.
- With a password (`--password-file`) every request needs it (HTTP Basic; any user name).
  Wrong guesses from one address slow that address down (Guesses); no other waits.
- No request carries more than MAX_FIELDS fields (counted before they are read).
- Every POST carries the per-process token (form field `csrf` or header X-CSRF-Token)
  and, from a browser that says so, comes from this same origin (Sec-Fetch-Site).
- Another site may link to the page, never load it into its own (an <img>, a script, a
  fetch): a browser that says where a request comes from gets "403 Forbidden" for that.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, Response, abort, request

from handoutgen.web import limits

TOKEN_FIELD = "csrf"
TOKEN_HEADER = "X-CSRF-Token"
SAME_ORIGIN = {"same-origin", "none"}  # "none": typed by the user, e.g. a bookmark
LOCAL_NAMES = frozenset({"localhost"})
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
TOO_MANY_FIELDS = ("this form has {count:,} fields; at most {limit:,} are read (100 exercises and their doses): "
                   "reload the page")
MAX_REMEMBERED = 10_000  # addresses whose wrong guesses are remembered (the oldest forgotten first)


class Guesses:
    """Wrong passwords by address: after FREE_GUESSES, an address must wait before its next
    try, twice as long each time (GUESS_DELAY .. GUESS_DELAY_MAX). A right password clears it.
    Nobody sleeps: a try too early is answered at once (429) without looking at the password."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._wrong: OrderedDict[str, tuple[int, float]] = OrderedDict()  # address -> (wrong tries, next try at)
        self._lock = threading.Lock()

    def wait(self, address: str) -> float:
        """Seconds this address must still wait (0: it may try)."""
        with self._lock:
            entry = self._wrong.get(address)
        return 0.0 if entry is None else max(0.0, entry[1] - self.clock())

    def wrong(self, address: str) -> None:
        with self._lock:
            tries = self._wrong.pop(address, (0, 0.0))[0] + 1
            over = tries - limits.FREE_GUESSES
            delay = 0.0 if over <= 0 else min(limits.GUESS_DELAY_MAX, limits.GUESS_DELAY * 2 ** (over - 1))
            self._wrong[address] = (tries, self.clock() + delay)
            while len(self._wrong) > MAX_REMEMBERED:
                self._wrong.popitem(last=False)

    def right(self, address: str) -> None:
        with self._lock:
            self._wrong.pop(address, None)


@dataclass
class Guard:
    allowed_names: frozenset[str] = LOCAL_NAMES  # host names besides addresses (lower case)
    password: str | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    guesses: Guesses = field(default_factory=Guesses)

    def install(self, app: Flask) -> None:
        app.before_request(self.check)
        app.after_request(self.headers)

    def check(self) -> None:
        if not self.host_allowed(request.host):
            abort(403, "this page is not served under that name; open it by the address "
                       "`handoutgen serve` printed (or add the name with --allow-host)")
        if self.password is not None:
            self.check_password(self.password)
        self.check_fields()
        site = request.headers.get("Sec-Fetch-Site")
        if request.method == "POST":
            if site is not None and site not in SAME_ORIGIN:
                abort(403, "a form of another site may not post to this page")
            sent = request.headers.get(TOKEN_HEADER) or request.form.get(TOKEN_FIELD) or ""
            if not hmac.compare_digest(sent.encode(), self.token.encode()):
                abort(403, "the page is out of date (the server was restarted); reload it and try again")
        elif site is not None and site not in SAME_ORIGIN and not (
                request.headers.get("Sec-Fetch-Mode") == "navigate"
                and request.headers.get("Sec-Fetch-Dest", "document") == "document"):
            abort(403, "another site may link to this page, not load it into its own")

    def check_password(self, password: str) -> None:
        address = request.remote_addr or ""
        wait = self.guesses.wait(address)
        if wait > 0:
            seconds = max(1, round(wait))
            abort(Response(f"Too many wrong passwords from this computer: try again in {seconds} "
                           f"second{'' if seconds == 1 else 's'}.\n", 429, {"Retry-After": str(seconds)}))
        given = request.authorization.password if request.authorization else None
        if given is not None and hmac.compare_digest(given.encode(), password.encode()):
            self.guesses.right(address)
            return
        if given is not None:
            self.guesses.wrong(address)
        abort(Response("The clinic's password is needed to open this page.\n", 401,
                       {"WWW-Authenticate": 'Basic realm="handoutgen", charset="UTF-8"'}))

    @staticmethod
    def check_fields() -> None:
        """At most MAX_FIELDS fields in the address and in a form body, counted before any is read
        (a multipart body is held to it by Flask's MAX_FORM_PARTS as it is read)."""
        count = request.query_string.count(b"&") + 1 if request.query_string else 0
        if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
            body = request.get_data(cache=True)  # at most MAX_BODY bytes (else 413)
            count = max(count, body.count(b"&") + 1 if body else 0)
        if count > limits.MAX_FIELDS:
            abort(413, TOO_MANY_FIELDS.format(count=count, limit=limits.MAX_FIELDS))

    def host_allowed(self, host: str) -> bool:
        name = host.lower()
        if name.startswith("["):  # [::1]:8000
            name = name[1:].partition("]")[0]
        elif name.count(":") == 1:
            name = name.partition(":")[0]
        try:
            ipaddress.ip_address(name)
            return True
        except ValueError:
            return name in self.allowed_names

    @staticmethod
    def headers(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = CSP
        return response
