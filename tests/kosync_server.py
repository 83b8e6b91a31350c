"""A KOReader progress-sync server for the tests, on 127.0.0.1 only (stdlib http.server).

It answers as KOReader's own sync server does (koreader-sync-server's routes and error
table): the same status codes, ``{"code", "message"}`` error bodies, ``{}`` for a document
nobody has stored, the server's own timestamp on every record. ``hostile`` replaces the
answer to progress reads with raw bytes, and ``delay`` makes every answer late, for the
tests of a server that misbehaves.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

ACCEPT = "application/vnd.koreader.v1+json"
ERRORS = {
    2001: (401, "Unauthorized"),
    2002: (402, "Username is already registered."),
    2003: (403, "Invalid request"),
    2004: (403, "Field 'document' not provided."),
    2005: (402, "User registration is disabled."),
}


class KosyncServer:
    """The server's state, its thread, and the knobs tests turn."""

    def __init__(self, *, prefix: str = "", registration: bool = True) -> None:
        self.prefix = prefix
        self.registration = registration
        self.users: dict[str, str] = {}
        self.documents: dict[tuple[str, str], dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.delay = 0.0
        self.hostile: bytes | None = None
        self.clock = 1_700_000_000
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.handle(self, "GET")

            def do_POST(self) -> None:
                server.handle(self, "POST")

            def do_PUT(self) -> None:
                server.handle(self, "PUT")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL clients log in to."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{self.prefix}"

    def __enter__(self) -> KosyncServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def store(self, user: str, document: str, **record: Any) -> None:
        """Put a record as another device would (the server stamps it)."""
        with self.lock:
            self.clock += 10
            self.documents[(user, document)] = {**record, "timestamp": self.clock}

    def progress(self, user: str, document: str) -> dict[str, Any] | None:
        """The record stored for a user's document."""
        with self.lock:
            return self.documents.get((user, document))

    # -- the protocol ---------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        if self.delay:
            time.sleep(self.delay)
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append((method, request.path, headers))
        path = request.path
        if not path.startswith(self.prefix + "/"):
            return self._send(request, 404, {"code": 404, "message": "Not found"})
        path = path[len(self.prefix) :]
        if headers.get("accept") != ACCEPT:
            return self._send(request, 406, {"code": 101, "message": "Missing or invalid accept"})
        length = int(headers.get("content-length") or 0)
        raw = request.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        if method == "POST" and path == "/users/create":
            return self._create(request, body)
        if method == "GET" and path == "/users/auth":
            if self._user(headers) is None:
                return self._error(request, 2001)
            return self._send(request, 200, {"authorized": "OK"})
        if method == "PUT" and path == "/syncs/progress":
            return self._put(request, headers, body)
        if method == "GET" and path.startswith("/syncs/progress/"):
            return self._get(request, headers, unquote(path[len("/syncs/progress/") :]))
        return self._send(request, 404, {"code": 404, "message": "Not found"})

    def _create(self, request: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        if not self.registration:
            return self._error(request, 2005)
        user, password = body.get("username"), body.get("password")
        if not _key_field(user) or not isinstance(password, str) or not password:
            return self._error(request, 2003)
        with self.lock:
            if user in self.users:
                return self._error(request, 2002)
            self.users[user] = password
        return self._send(request, 201, {"username": user})

    def _user(self, headers: dict[str, str]) -> str | None:
        user, key = headers.get("x-auth-user"), headers.get("x-auth-key")
        if _key_field(user) and key and self.users.get(user or "") == key:
            return user
        return None

    def _put(
        self, request: BaseHTTPRequestHandler, headers: dict[str, str], body: dict[str, Any]
    ) -> None:
        user = self._user(headers)
        if user is None:
            return self._error(request, 2001)
        document = body.get("document")
        if not _key_field(document):
            return self._error(request, 2004)
        percentage, progress, device = (body.get(k) for k in ("percentage", "progress", "device"))
        if not isinstance(percentage, int | float) or not progress or not device:
            return self._error(request, 2003)
        with self.lock:
            self.clock += 10
            self.documents[(user, document)] = {
                "percentage": percentage,
                "progress": progress,
                "device": device,
                "device_id": body.get("device_id"),
                "timestamp": self.clock,
            }
        return self._send(request, 200, {"document": document, "timestamp": self.clock})

    def _get(self, request: BaseHTTPRequestHandler, headers: dict[str, str], doc: str) -> None:
        user = self._user(headers)
        if user is None:
            return self._error(request, 2001)
        if not _key_field(doc):
            return self._error(request, 2004)
        if self.hostile is not None:
            return self._raw(request, 200, self.hostile)
        with self.lock:
            record = self.documents.get((user, doc))
        if not record:
            return self._send(request, 200, {})
        return self._send(request, 200, {**record, "document": doc})

    def _error(self, request: BaseHTTPRequestHandler, code: int) -> None:
        status, message = ERRORS[code]
        self._send(request, status, {"code": code, "message": message})

    def _send(self, request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        self._raw(request, status, json.dumps(body).encode())

    def _raw(self, request: BaseHTTPRequestHandler, status: int, data: bytes) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except OSError:
            pass  # The client gave up (a timeout test): nothing to answer.


def _key_field(value: object) -> bool:
    """The server's rule for user names and document ids: a non-empty string, no colon."""
    return isinstance(value, str) and bool(value) and ":" not in value


if __name__ == "__main__":
    # For trying sync by hand: `python tests/kosync_server.py` serves until interrupted.
    with KosyncServer() as running:
        print(running.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            running.thread.join()
