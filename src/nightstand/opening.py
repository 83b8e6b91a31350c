"""What ``nightstand [PATH]`` opens, decided before the UI is imported.

A story file opens the reader at its saved position; a folder opens its library; no
argument resumes the story read last, or opens the configured library. The story starts
loading (in a child process, see :mod:`nightstand.preload`) as soon as it is known, so that
parsing overlaps the import of Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nightstand.errors import SettingsError
from nightstand.preload import Preload
from nightstand.settings import cache_dir, load_settings
from nightstand.source import PIPE_PATH, stream_for
from nightstand.state import StateStore

if TYPE_CHECKING:
    from pathlib import Path

    from nightstand.settings import Settings
    from nightstand.story import Story


@dataclass(frozen=True, slots=True)
class OpenStory:
    """A loaded story with where it came from and its identity in the state store."""

    path: Path
    story: Story
    key: str
    coming: Preload | None = None
    """While only part of the book is read (``coming.partial``): the rest, coming."""


@dataclass(slots=True)
class Opening:
    """The settings, the state store and what to show first."""

    settings: Settings
    store: StateStore
    warnings: list[str]
    story_path: Path | None = None
    folder: Path | None = None
    preload: Preload | None = None


def plan_opening(path: Path | None) -> Opening:
    """Decide what to open for ``path`` and start loading the story if there is one.

    A stream (``-``, standard input that is a pipe, a FIFO) is read to the end first; then
    the terminal becomes standard input, for the keys (see :mod:`nightstand.source`).
    """
    stream = stream_for(path)
    settings, warnings = load_settings()
    piped: Preload | None = None
    if stream is not None:
        from nightstand.source import read_piped

        loader = read_piped(stream, settings.typography)
        piped = Preload(PIPE_PATH, settings.typography, loader, spool=cache_dir())
    store = StateStore.open()
    opening = Opening(settings, store, [*warnings, *store.warnings])
    if piped is not None:
        opening.story_path, opening.preload = PIPE_PATH, piped
        return opening
    if path is None:
        recent = next((r for r in store.recent(5) if not r.missing), None)
        if recent is None:
            try:
                settings.library.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                store.close()
                raise SettingsError(
                    f"the library folder {settings.library} cannot be made: "
                    f"{exc.strerror or exc}; set `library` in settings.toml"
                ) from None
            opening.folder = settings.library
            return opening
        path = recent.path
    if path.is_dir():
        opening.folder = path
    else:
        opening.story_path = path
        opening.preload = Preload(
            path, settings.typography, part=_saved_part(store, path), spool=cache_dir()
        )
    return opening


def _saved_part(store: StateStore, path: Path) -> int | None:
    """The part of the book to read first (see ``formats.parts``): where the reader stopped
    (0 for a book never read); None (read it whole first) when the place was saved without
    its part, by an older version. Also None with progress sync logged in: its places are
    linked over the whole text, and a quit right after opening must still push."""
    from nightstand.sync.account import load_account

    if load_account() is not None:
        return None
    key = store.key_for_path(path)
    saved = store.position(key) if key is not None else None
    if saved is None:
        return 0
    return saved.part[0] if saved.part is not None else None
