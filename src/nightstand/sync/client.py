"""A client of KOReader's progress-sync protocol ("kosync"), on the standard library.

The protocol, as KOReader's sync server and its client plugin speak it:

* ``POST /users/create`` ``{"username", "password"}``: 201 ``{"username"}``; 402 when the
  name is taken or registration is closed. KOReader sends the *key* as the password.
* ``GET /users/auth``: 200 ``{"authorized": "OK"}``, or 401.
* ``PUT /syncs/progress`` ``{"document", "progress", "percentage", "device", "device_id"}``:
  200 ``{"document", "timestamp"}``.
* ``GET /syncs/progress/<document>``: 200 with the record (the server adds ``timestamp``),
  or ``{}`` when no device has stored one yet.
* Every request carries ``Accept: application/vnd.koreader.v1+json``; authenticated ones
  ``x-auth-user`` and ``x-auth-key`` (the MD5 hex of the password). Errors are
  ``{"code", "message"}`` with 401, 402, 403 or 502.

Nothing a server sends is trusted: bodies are capped, every request has a short deadline,
redirects are not followed (they would carry the key elsewhere), and a record with a
percentage outside 0..1 or text fields that are not text is refused. Strings are sanitised
before anyone sees them.
"""

from __future__ import annotations

import ipaddress
import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Final

from nightstand.errors import NightstandError
from nightstand.text import sanitize

ACCEPT: Final = "application/vnd.koreader.v1+json"
MAX_BODY: Final = 64 * 1024
"""The largest response read; a progress record is a few hundred bytes."""
TIMEOUT: Final = 5.0
"""Seconds a request may take in all, connection included."""
MAX_PROGRESS: Final = 2048
MAX_DEVICE: Final = 64


class SyncError(NightstandError):
    """Sync did not work; the message says why in a reader's words."""


class AuthError(SyncError):
    """The server refused the user name or key."""


@dataclass(frozen=True, slots=True)
class RemoteProgress:
    """A progress record another device stored (fields checked and sanitised)."""

    document: str
    progress: str
    percentage: float
    device: str
    device_id: str
    timestamp: int | None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def normalise_server(url: str) -> str:
    """A server URL checked and without its trailing slash; a path prefix is kept."""
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(f"not a sync server address: {url!r} (it starts with http:// or https://)")
    if parts.query or parts.fragment:
        raise SyncError(f"a sync server address has no query or fragment: {url!r}")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class KosyncClient:
    """One account on one server."""

    def __init__(self, server: str, user: str, key: str, *, timeout: float = TIMEOUT) -> None:
        self.server = normalise_server(server)
        self.user = user
        self.key = key
        self.timeout = timeout
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if _loopback(urllib.parse.urlsplit(self.server).hostname or ""):
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    # -- the four calls ----------------------------------------------------------------

    def register(self) -> None:
        """Create the account (the key stands for the password, as KOReader does)."""
        status, body = self._call(
            "POST", "/users/create", {"username": self.user, "password": self.key}, auth=False
        )
        if status == 201:
            return
        raise SyncError(f"the server did not create the account: {_message(status, body)}")

    def authorize(self) -> None:
        """Check the user name and key."""
        status, body = self._call("GET", "/users/auth")
        if status == 200:
            return
        if status == 401:
            raise AuthError("the server refused the user name or password")
        raise SyncError(f"the server did not accept the login: {_message(status, body)}")

    def get_progress(self, document: str) -> RemoteProgress | None:
        """The stored progress of a document, or None when no device has stored any."""
        status, body = self._call("GET", f"/syncs/progress/{urllib.parse.quote(document)}")
        if status == 401:
            raise AuthError("the server refused the user name or password")
        if status != 200:
            raise SyncError(f"the server did not send the progress: {_message(status, body)}")
        return parse_progress(body, document)

    def put_progress(
        self, document: str, progress: str, percentage: float, device: str, device_id: str
    ) -> None:
        """Store this device's progress of a document."""
        record = {
            "document": document,
            "progress": progress,
            "percentage": percentage,
            "device": device,
            "device_id": device_id,
        }
        status, body = self._call("PUT", "/syncs/progress", record)
        if status == 401:
            raise AuthError("the server refused the user name or password")
        if status not in (200, 202):
            raise SyncError(f"the server did not store the progress: {_message(status, body)}")

    # -- transport ---------------------------------------------------------------------

    def _call(
        self, method: str, path: str, payload: dict[str, Any] | None = None, *, auth: bool = True
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Accept": ACCEPT}
        data = None
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if auth:
            headers["x-auth-user"] = self.user
            headers["x-auth-key"] = self.key
        request = urllib.request.Request(
            self.server + path, data=data, headers=headers, method=method
        )
        deadline = time.monotonic() + self.timeout
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = int(response.status)
                raw = _read_capped(response, deadline)
        except urllib.error.HTTPError as exc:
            status = exc.code
            try:
                raw = _read_capped(exc, deadline)
            except SyncError:
                raw = b""
            finally:
                exc.close()
        except TimeoutError:
            raise SyncError(f"the sync server did not answer within {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise SyncError(
                    f"the sync server did not answer within {self.timeout:g} s"
                ) from None
            raise SyncError(f"cannot reach the sync server: {sanitize(str(reason))}") from None
        except (OSError, ValueError) as exc:
            raise SyncError(f"cannot reach the sync server: {sanitize(str(exc))}") from None
        if 300 <= status < 400:
            raise SyncError(f"the sync server redirected (HTTP {status}); give its final address")
        return status, _json_object(raw, status)


def _read_capped(response: Any, deadline: float) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > deadline:
            raise SyncError("the sync server is too slow")
        chunk = response.read(8192)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > MAX_BODY:
            raise SyncError(f"the sync server sent more than {MAX_BODY // 1024} KiB; ignored")
        chunks.append(chunk)


def _json_object(raw: bytes, status: int) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        if status >= 400:
            return {}
        raise SyncError("the sync server sent something that is not JSON") from None
    if not isinstance(value, dict):
        if status >= 400:
            return {}
        raise SyncError("the sync server sent JSON that is not an object")
    return value


def _message(status: int, body: dict[str, Any]) -> str:
    message = body.get("message")
    text = sanitize(message)[:200] if isinstance(message, str) else ""
    return f"HTTP {status}" + (f", {text}" if text else "")


def clean_text(value: str, limit: int) -> str:
    """A server's string made safe for one line: sanitised, no newlines, capped."""
    return " ".join(sanitize(value).split())[:limit]


def parse_progress(body: dict[str, Any], document: str) -> RemoteProgress | None:
    """Check a progress record; None when it holds no progress (the server's ``{}``)."""
    if "percentage" not in body:
        return None
    percentage = body.get("percentage")
    if (
        isinstance(percentage, bool)
        or not isinstance(percentage, int | float)
        or not math.isfinite(percentage)
        or not 0 <= percentage <= 1
    ):
        raise SyncError("the sync server sent a percentage outside 0..100 %; ignored")
    progress = body.get("progress", "")
    device = body.get("device", "")
    device_id = body.get("device_id", "")
    timestamp = body.get("timestamp")
    if not all(isinstance(v, str) for v in (progress, device, device_id)):
        raise SyncError("the sync server sent a malformed progress record; ignored")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float | None):
        raise SyncError("the sync server sent a malformed progress record; ignored")
    if timestamp is not None and not math.isfinite(timestamp):
        timestamp = None
    return RemoteProgress(
        document=document,
        progress=sanitize(progress) if len(progress) <= MAX_PROGRESS else "",
        percentage=float(percentage),
        device=clean_text(device, MAX_DEVICE) or "another device",
        device_id=clean_text(device_id, 128),
        timestamp=int(timestamp) if timestamp is not None else None,
    )
