"""Stories from the archives in the app: get a URL, update a story, say what is new.

The fetching itself is :mod:`nightstand.archive.fetch`, run in thread workers so the screen
stays live; FanFicFare is imported there, on first use, never at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Input

if TYPE_CHECKING:
    from pathlib import Path

    from textual.app import App, ComposeResult

    from nightstand.opening import OpenStory
    from nightstand.state import StateStore


class GetStoryScreen(ModalScreen[str | None]):
    """Asks for a story's URL; dismisses with it, or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def compose(self) -> ComposeResult:
        """The URL input."""
        yield Input(placeholder="A story's URL (any site FanFicFare knows)")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Get what was typed."""
        self.dismiss(event.value.strip() or None)


def new_chapters_line(n: int) -> str:
    """ "1 new chapter", "3 new chapters"."""
    return f"{n} new chapter{'s' if n != 1 else ''}"


def announce_new_chapters(app: App[None], store: StateStore, opened: OpenStory) -> None:
    """Once, when a story from an archive is opened: say how many chapters it gained since
    the reader last opened it, and remember the count it has now."""
    if opened.story.format != "epub":
        return
    path = opened.path

    def run() -> None:
        from nightstand.archive.seen import info_for, mark_seen, new_chapters

        info = info_for(store, path)
        if info is None or info.source is None:
            return
        gained = new_chapters(store, info)
        mark_seen(store, info.source, info.chapters)
        if gained:
            app.call_from_thread(
                app.notify,
                f"{new_chapters_line(gained)} since you last opened it.",
                title=opened.story.title,
                timeout=8,
            )

    app.run_worker(run, thread=True, group="archive", exit_on_error=False)


def update_story(app: App[None], path: Path, done: object = None) -> None:
    """Update one story in a worker; say the outcome; then call ``done`` (if callable)."""

    def run() -> None:
        from nightstand.archive.fetch import update

        outcome = update(path, include_complete=True)
        severity = "error" if outcome.kind == "error" else "information"
        message = outcome.message if outcome.kind == "error" else outcome.line()
        app.call_from_thread(
            app.notify, message, title=f"Update: {path.name}", severity=severity, timeout=8
        )
        if callable(done):
            app.call_from_thread(done)

    app.notify(f"Looking for new chapters of {path.name}…", timeout=3)
    app.run_worker(run, thread=True, group="archive", exit_on_error=False)


def get_story(app: App[None], store: StateStore, url: str, library: Path, done: object) -> None:
    """Download a story into ``library`` in a worker; say where it went; then call ``done``."""

    def run() -> None:
        from nightstand.archive import ArchiveError
        from nightstand.archive.commands import sources_in
        from nightstand.archive.fetch import download
        from nightstand.archive.seen import mark_seen

        try:
            fetched = download(url, library, existing=sources_in(library, store))
        except ArchiveError as exc:
            app.call_from_thread(
                app.notify, str(exc), title="Cannot get the story", severity="error", timeout=10
            )
            return
        mark_seen(store, fetched.source, fetched.chapters, only_if_new=True)
        app.call_from_thread(
            app.notify, f"{fetched.title}: {fetched.path}", title="Story saved", timeout=8
        )
        if callable(done):
            app.call_from_thread(done)

    app.notify(f"Getting {url}…", timeout=3)
    app.run_worker(run, thread=True, group="archive", exit_on_error=False)
