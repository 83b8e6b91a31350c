"""Where a bug's details go: ``crash.log`` in the state folder, never the reader's screen."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from nightstand import __version__
from nightstand.state import state_dir

if TYPE_CHECKING:
    from pathlib import Path


def write_crash_log(details: str) -> Path | None:
    """Append a crash report to ``crash.log``; its path, or None if it cannot be written."""
    log = state_dir() / "crash.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as f:
            f.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} nightstand {__version__}\n")
            f.write(details if details.endswith("\n") else details + "\n")
    except OSError:
        return None
    return log


def crash_line(where: Path | None, what: str = "nightstand") -> str:
    """The one line a reader sees about an internal error."""
    details = f" (details in {where})" if where else ""
    return f"an internal error stopped {what}{details}"
