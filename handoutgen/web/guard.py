"""The web page's locks: which hosts may be named, who may post, who may look, and the
headers that keep a page with a patient's name out of caches, logs and other sites.

- Host allow-list: a page reached through another site's name (DNS rebinding) is refused.
  An address typed as numbers (127.0.0.1, 192.168.1.20) can never be another site's name.
- Every POST carries the per-process token (form field `csrf` or header X-CSRF-Token)
  and, from a browser that says so, comes from this same origin (Sec-Fetch-Site).
- With a password (`--password-file`) every request needs it (HTTP Basic; any user name).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field

from flask import Flask, Response, abort, request

TOKEN_FIELD = "csrf"
TOKEN_HEADER = "X-CSRF-Token"
SAME_ORIGIN = {"same-origin", "none"}  # "none": typed by the user, e.g. a bookmark
LOCAL_NAMES = frozenset({"localhost"})
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass
class Guard:
    allowed_names: frozenset[str] = LOCAL_NAMES  # host names besides addresses (lower case)
    password: str | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def install(self, app: Flask) -> None:
        app.before_request(self.check)
        app.after_request(self.headers)

    def check(self) -> None:
        if not self.host_allowed(request.host):
            abort(403, "this page is not served under that name; open it by the address "
                       "`handoutgen serve` printed (or add the name with --allow-host)")
        if self.password is not None:
            given = request.authorization.password if request.authorization else None
            if given is None or not hmac.compare_digest(given.encode(), self.password.encode()):
                abort(Response("The clinic's password is needed to open this page.\n", 401,
                               {"WWW-Authenticate": 'Basic realm="handoutgen", charset="UTF-8"'}))
        if request.method == "POST":
            site = request.headers.get("Sec-Fetch-Site")
            if site is not None and site not in SAME_ORIGIN:
                abort(403, "a form of another site may not post to this page")
            sent = request.headers.get(TOKEN_HEADER) or request.form.get(TOKEN_FIELD) or ""
            if not hmac.compare_digest(sent.encode(), self.token.encode()):
                abort(403, "the page is out of date (the server was restarted); reload it and try again")

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
