"""Times as people read them: "today 22:07", "yesterday 08:15", "3 days ago", "2 Nov 2026"."""

from __future__ import annotations

import time
from datetime import datetime


def human_time(when: float, now: float | None = None) -> str:
    """An epoch time said the way a person would, relative to ``now`` (local time)."""
    now = time.time() if now is None else now
    then = datetime.fromtimestamp(when)
    today = datetime.fromtimestamp(now).date()
    days = (today - then.date()).days
    if days <= 0:
        return f"today {then:%H:%M}"
    if days == 1:
        return f"yesterday {then:%H:%M}"
    if days < 30:
        return f"{days} days ago"
    return f"{then.day} {then:%b %Y}"


def human_iso(iso: str, now: float | None = None) -> str:
    """:func:`human_time` for an ISO 8601 time (as ``info --json`` writes it)."""
    try:
        return human_time(datetime.fromisoformat(iso).timestamp(), now)
    except ValueError:
        return iso
