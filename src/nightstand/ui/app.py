"""NightstandApp: the screens, the global keys, the command palette, and saving on the way out.

``run(path)`` decides what to open: a story file opens the reader, a folder the library,
no argument the story read last (or the configured library). Loading happens before the
app starts, so a file that cannot be read ends as the command line's one-line error.
"""

from __future__ import annotations

import asyncio
import gc
import io
import signal
import sys
from typing import TYPE_CHECKING, ClassVar

from rich.console import Console
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType

from nightstand.crash import crash_line, write_crash_log
from nightstand.errors import NightstandError
from nightstand.formats import load
from nightstand.opening import OpenStory
from nightstand.saver import PositionSaver
from nightstand.text import sanitize
from nightstand.ui.keys import key_hint
from nightstand.ui.lists import CommandPalette
from nightstand.ui.reader import ReaderScreen

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from rich.console import RenderableType
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from nightstand.opening import Opening
    from nightstand.settings import Settings
    from nightstand.state import StateStore
    from nightstand.ui.library import LibraryScreen


class NightstandApp(App[None]):
    """The terminal e-reader."""

    TITLE = "nightstand"
    CSS_PATH = "nightstand.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("ctrl+z", "suspend_process", show=False, id="suspend"),
    ]

    def __init__(
        self,
        *,
        settings: Settings,
        store: StateStore,
        story: OpenStory | None = None,
        folder: Path | None = None,
        warnings: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.settings = settings
        self.store = store
        self.saver = PositionSaver(store)
        self._start_story = story
        self._start_folder = folder if folder is not None else settings.library
        self._startup_warnings = list(warnings)
        # Never show a reader a traceback: Textual prints an unhandled error on its error
        # console after the screen is restored; keep it here for crash.log instead.
        self._crash_report = io.StringIO()
        self.error_console = Console(
            file=self._crash_report, width=120, no_color=True, markup=False, highlight=False
        )

    def on_mount(self) -> None:
        """Apply theme and key remaps, open the first screen, arm the signal handlers."""
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        else:
            self._startup_warnings.append(f"unknown theme {self.settings.theme!r}; using default")
        if self.settings.keys:
            self._apply_keymap()
        if self._start_story is not None:
            self.push_screen(self._reader(self._start_story))
        else:
            from nightstand.ui.library import LibraryScreen

            self.push_screen(LibraryScreen(self._start_folder, self.store))
        for message in self._startup_warnings:
            self.notify(message, severity="warning", timeout=8, markup=False)
        self._arm_signals()
        self.app_suspend_signal.subscribe(self, self._on_suspend)

    def _apply_keymap(self) -> None:
        """Remap keys from the settings; an action nightstand does not have is reported."""
        from nightstand.ui.library import LibraryScreen

        known = {
            b.id
            for owner in (NightstandApp, ReaderScreen, LibraryScreen)
            for b in owner.BINDINGS
            if isinstance(b, Binding) and b.id
        }
        keymap = {}
        unknown = []
        for action, keys in self.settings.keys.items():
            if action in known:
                keymap[action] = ",".join(keys)
            else:
                unknown.append(action)
        self.set_keymap(keymap)
        # Named after the remap: the help key may be one of the keys just moved.
        help_key = key_hint(self.screen, "help")
        where = f"press {help_key} for the names" if help_key else "see the help for the names"
        for action in unknown:
            self._startup_warnings.append(f"[keys] {action}: no such action ({where}); ignored")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Notify with control characters and escape sequences stripped from the words.

        ``markup`` means what it says: a caller whose message quotes a file, a path or
        story text passes ``markup=False``.
        """
        super().notify(
            sanitize(message),
            title=sanitize(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def _reader(self, opened: OpenStory) -> ReaderScreen:
        from nightstand.ui.archive import announce_new_chapters

        self.title = f"{opened.story.title} — nightstand"
        announce_new_chapters(self, self.store, opened)
        return ReaderScreen(opened, store=self.store, saver=self.saver, settings=self.settings)

    # -- saving on the way out -----------------------------------------------------------

    def _arm_signals(self) -> None:
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self._terminate)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # Not on the main thread (tests) or no such signal: exit saving still runs.

    def save_now(self) -> None:
        """Write the reader's position now, on this thread."""
        for screen in self.screen_stack:
            if isinstance(screen, ReaderScreen):
                screen.save_position()
        self.saver.flush()

    def exit(
        self,
        result: None = None,
        return_code: int = 0,
        message: RenderableType | None = None,
    ) -> None:
        """Save the reader's position first, whatever asked to leave."""
        self.save_now()
        super().exit(result, return_code, message)

    def _terminate(self) -> None:
        """SIGTERM or SIGHUP (the terminal window closed): save, then leave."""
        self.save_now()
        self.exit()

    def _on_suspend(self, _app: App[None]) -> None:
        self.save_now()

    # -- screens -------------------------------------------------------------------------

    def open_story(self, path: Path) -> None:
        """Load a story off the UI thread, then open the reader on it."""
        self.notify(f"Opening {path.name}…", timeout=1, markup=False)
        self._load(path)

    @work(thread=True, exclusive=True, group="load")
    def _load(self, path: Path) -> None:
        try:
            story = load(path, typography=self.settings.typography)
        except NightstandError as exc:
            self.call_from_thread(
                self.notify, str(exc), title="Cannot open", severity="error", markup=False
            )
            return
        key = self.store.story_key(story, path)
        settle_heap()
        self.call_from_thread(self.push_screen, self._reader(OpenStory(path, story, key)))

    def on_reader_screen_library_requested(self, _event: ReaderScreen.LibraryRequested) -> None:
        """The reader's L key."""
        self.show_library()

    def on_library_screen_open_requested(self, event: LibraryScreen.OpenRequested) -> None:
        """Enter on a story in the library."""
        self.open_story(event.path)

    def show_library(self) -> None:
        """Back to the library below the reader, or replace the reader with the library."""
        from nightstand.ui.library import LibraryScreen

        if any(isinstance(s, LibraryScreen) for s in self.screen_stack):
            while not isinstance(self.screen, LibraryScreen):
                self.pop_screen()
        else:
            self.switch_screen(LibraryScreen(self.settings.library, self.store))
        self.title = "nightstand"

    def action_command_palette(self) -> None:
        """Textual's command palette, with paging that survives a small terminal."""
        if self.use_command_palette and not CommandPalette.is_open(self.app):
            self.push_screen(CommandPalette())

    def action_help(self) -> None:
        """The help screen for the screen in front."""
        from nightstand.ui.help import HelpScreen

        self.push_screen(
            HelpScreen(self.active_bindings, reading=isinstance(self.screen, ReaderScreen))
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The app's commands in the command palette, beside Textual's own."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, ReaderScreen):
            for title, help_text, action in (
                ("Table of contents", "Jump to a chapter", screen.action_toc),
                ("Search", "Search the whole story", screen.action_search),
                ("Go to", "Go to a percentage or a page", screen.action_goto),
                ("Add bookmark", "Bookmark this page", screen.action_bookmark),
                ("Bookmarks", "List bookmarks", screen.action_bookmarks),
                ("Reveal spoilers", "Show the spoiler headers", screen.action_reveal),
                ("Wider", "Widen the column of text", screen.action_wider),
                ("Narrower", "Narrow the column of text", screen.action_narrower),
                ("First page", "Go to the first page", screen.action_first_page),
                ("Last page", "Go to the last page", screen.action_last_page),
                ("Library", "Show the library", screen.action_library),
            ):
                yield SystemCommand(title, help_text, action)
        yield SystemCommand(
            "Help: nightstand keys", "Every key and its [keys] name", self.action_help
        )
        yield SystemCommand(
            "Get a story from a URL", "Download it into the library (FanFicFare)", self.get_story
        )

    def get_story(self) -> None:
        """Ask for a URL and download the story into the library folder."""
        from nightstand.ui.archive import GetStoryScreen, get_story
        from nightstand.ui.library import LibraryScreen

        def rescan() -> None:
            for screen in self.screen_stack:
                if isinstance(screen, LibraryScreen):
                    screen.action_rescan()

        def chosen(url: str | None) -> None:
            if url:
                get_story(self, self.store, url, self.settings.library, rescan)

        self.push_screen(GetStoryScreen(), chosen)

    def crash_report(self) -> str:
        """What Textual wrote to its error console (a traceback), or "" after a clean run."""
        return self._crash_report.getvalue()


def settle_heap() -> None:
    """Move a freshly loaded story out of the cycle collector's way.

    A story is tens of thousands of long-lived objects; without this, a collection that
    happens to fall on a page turn rescans them all and the turn takes several
    milliseconds instead of a fraction of one.
    """
    gc.freeze()


def run(opening: Opening) -> None:
    """Run the app on what :func:`~nightstand.opening.plan_opening` decided."""
    store = opening.store
    try:
        story: OpenStory | None = None
        if opening.story_path is not None:
            path = opening.story_path
            loaded = (
                opening.preload.result()
                if opening.preload
                else load(path, typography=opening.settings.typography)
            )
            story = OpenStory(path, loaded, store.story_key(loaded, path))
            settle_heap()
        app = NightstandApp(
            settings=opening.settings,
            store=store,
            story=story,
            folder=opening.folder,
            warnings=opening.warnings,
        )
        app.run()
        app.saver.close()
        if details := app.crash_report():
            where = write_crash_log(details)
            print(f"nightstand: error: {crash_line(where, 'the reader')}", file=sys.stderr)
        if app.return_code:
            raise SystemExit(app.return_code)
    finally:
        if opening.preload is not None:
            opening.preload.cancel()
        store.close()
