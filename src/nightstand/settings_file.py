"""Saving settings changed while reading into ``settings.toml``, edited in place.

The reader's file is theirs: it is parsed with tomlkit and only the changed values are
set, so their comments, blank lines and order survive; a new setting goes after the
top-level ones, before any table. The file is replaced atomically (a temporary file in
the same folder, then a rename), so a crash never leaves half a file. A file that does
not parse is never overwritten: the change is kept for the session and a warning says so.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import tomlkit
from tomlkit.exceptions import TOMLKitError

from nightstand.settings import SETTINGS_FILE, config_dir, default_library, write_default

if TYPE_CHECKING:
    from collections.abc import Mapping

SAVABLE = frozenset(
    {
        "measure",
        "justify",
        "hyphenate",
        "paragraph_style",
        "theme",
        "ask_spoilers_every_time",
        "show_content_warnings",
    }
)
"""The settings the reader changes while reading (the settings screen, Ctrl-P, + and -)."""


def save_settings(changes: Mapping[str, object], directory: Path | None = None) -> str | None:
    """Set ``changes`` in ``settings.toml``; None when saved, else a reader-facing warning."""
    unknown = set(changes) - SAVABLE
    if unknown:
        raise ValueError(f"not a setting saved from the reader: {sorted(unknown)}")
    directory = Path(directory) if directory is not None else config_dir()
    path = directory / SETTINGS_FILE
    try:
        if not path.exists():
            with contextlib.suppress(FileExistsError):
                write_default(path, default_library())
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"settings not saved: cannot read {path} ({_why(exc)})"
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        return f"settings not saved: {path} has an error to fix first ({exc})"
    changed = False
    for name, value in changes.items():
        if document.get(name) != value:
            document[name] = value
            changed = True
    if not changed:
        return None
    try:
        _replace(path, tomlkit.dumps(document))
    except OSError as exc:
        return f"settings not saved to {path}: {_why(exc)}"
    return None


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, keeping the file's permissions."""
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, name = tempfile.mkstemp(prefix=".settings-", suffix=".toml", dir=path.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        temp.chmod(mode)
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _why(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return "not UTF-8 text"
