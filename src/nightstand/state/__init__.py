"""The reading state, kept in one SQLite database: a package of one job per module.

``database`` opens and guards the file (WAL, migrations, damage, locks); ``identity`` knows
a story by its content; ``anchoring`` finds a saved place again in changed text; ``records``
are the values handed out; ``store`` is :class:`StateStore`, the one door to all of it.
The names below are the package's public face, so ``from nightstand.state import ...``
works for every caller.
"""

from __future__ import annotations

from nightstand.state.anchoring import QUOTE_CHARS, resolve_offset
from nightstand.state.database import (
    BUSY_TIMEOUT,
    DB_NAME,
    MIGRATIONS,
    SCHEMA_VERSION,
    state_dir,
)
from nightstand.state.identity import HEAD_CHARS, OPENING_CHARS, Identity, identify
from nightstand.state.records import (
    Bookmark,
    CachedFile,
    KnownStory,
    PartialPlace,
    Progress,
    RecentStory,
    SavedPosition,
    iso_time,
)
from nightstand.state.store import StateStore

__all__ = [
    "BUSY_TIMEOUT",
    "DB_NAME",
    "HEAD_CHARS",
    "MIGRATIONS",
    "OPENING_CHARS",
    "QUOTE_CHARS",
    "SCHEMA_VERSION",
    "Bookmark",
    "CachedFile",
    "Identity",
    "KnownStory",
    "PartialPlace",
    "Progress",
    "RecentStory",
    "SavedPosition",
    "StateStore",
    "identify",
    "iso_time",
    "resolve_offset",
    "state_dir",
]
