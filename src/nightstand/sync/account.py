"""The sync login and the small sync log, kept in the state folder, readable by the owner only.

``sync.json`` holds the server, the user name, the key (the MD5 hex of the password, which
is what the protocol sends; the password itself is never stored), this device's name and
its random id, and how documents are named. ``sync-log.json`` holds what sync did: the last
push and pull, per document the last remote place seen and the one the reader declined, and
the pushes still waiting for a server. Both are written whole to a temporary file and moved
into place, so a crash leaves the old file or the new one, never half of one; an unreadable
log is started again (it holds nothing that cannot be learnt again).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from pathlib import Path

ACCOUNT_FILE: Final = "sync.json"
LOG_FILE: Final = "sync-log.json"
MAX_DOCUMENTS: Final = 500
"""Documents remembered in the log; the least recently touched are dropped first."""
DIGESTS: Final = ("binary", "filename")


def _state_dir() -> Path:
    from nightstand.state import state_dir

    return state_dir()


def default_device() -> str:
    """``nightstand on <host>``: how this device is named to other devices."""
    from nightstand.sync.client import clean_text

    host = clean_text(socket.gethostname().split(".")[0], 40)
    return f"nightstand on {host}" if host else "nightstand"


@dataclass(frozen=True, slots=True)
class Account:
    """A login to one sync server."""

    server: str
    user: str
    key: str
    device: str
    device_id: str
    digest: str = "binary"
    """How documents are named: KOReader's partial MD5 ("binary") or its file-name MD5."""


def new_device_id() -> str:
    """A random id for this device, as KOReader makes one per device."""
    import uuid

    return uuid.uuid4().hex.upper()


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Write JSON owner-only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            import json

            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        tmp.chmod(0o600)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with path.open(encoding="utf-8") as f:
            import json  # only with sync set up: the reader's start-up does not pay for it

            value = json.load(f)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def load_account(folder: Path | None = None) -> Account | None:
    """The stored login, or None when sync is off (or the file is not one)."""
    data = _read_json((folder or _state_dir()) / ACCOUNT_FILE)
    if data is None:
        return None
    try:
        account = Account(**{k: data[k] for k in Account.__dataclass_fields__ if k in data})
    except TypeError:
        return None
    fields = (account.server, account.user, account.key, account.device, account.device_id)
    if not all(isinstance(v, str) and v for v in fields) or account.digest not in DIGESTS:
        return None
    return account


def save_account(account: Account, folder: Path | None = None) -> Path:
    """Store the login (owner-only); returns the file's path."""
    path = (folder or _state_dir()) / ACCOUNT_FILE
    _write_private(path, asdict(account))
    return path


def forget_account(folder: Path | None = None) -> bool:
    """Delete the login and the sync log; whether there was a login."""
    folder = folder or _state_dir()
    had = (folder / ACCOUNT_FILE).exists()
    for name in (ACCOUNT_FILE, LOG_FILE):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
    return had


class SyncLog:
    """``sync-log.json``: read, changed and written back under a lock, one change at a time."""

    _lock = threading.Lock()

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or _state_dir()) / LOG_FILE

    def read(self) -> dict[str, Any]:
        """The whole log (empty when missing or unreadable)."""
        data = _read_json(self.path) or {}
        if not isinstance(data.get("documents"), dict):
            data["documents"] = {}
        return data

    def document(self, document: str) -> dict[str, Any]:
        """What the log holds about one document."""
        entry = self.read()["documents"].get(document)
        return entry if isinstance(entry, dict) else {}

    def update(self, document: str | None, **changes: Any) -> None:
        """Set keys of a document's entry (a None value deletes the key), or top-level keys.

        A log that cannot be written is left as it is: sync goes on without it.
        """
        with self._lock:
            data = self.read()
            target = data
            if document is not None:
                docs = data["documents"]
                entry = docs.pop(document, None)
                target = entry if isinstance(entry, dict) else {}
                target["touched"] = time.time()
                docs[document] = target  # re-inserted last: the newest stays
                while len(docs) > MAX_DOCUMENTS:
                    docs.pop(next(iter(docs)))
            for key, value in changes.items():
                if value is None:
                    target.pop(key, None)
                else:
                    target[key] = value
            with contextlib.suppress(OSError):
                _write_private(self.path, data)

    def pending(self) -> dict[str, dict[str, Any]]:
        """Pushes that have not reached the server yet, by document."""
        out: dict[str, dict[str, Any]] = {}
        for document, entry in self.read()["documents"].items():
            if isinstance(entry, dict) and isinstance(entry.get("pending"), dict):
                out[document] = entry["pending"]
        return out
