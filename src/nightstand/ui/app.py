"""NightstandApp: the screens, the global keys, the command palette, and saving on the way out.

``run(path)`` decides what to open: a story file opens the reader, a folder the library,
no argument the story read last (or the configured library). Loading happens before the
app starts, so a file that cannot be read ends as the command line's one-line error.

Signals are :mod:`nightstand.shutdown`'s: the app is asked to save and leave, and the
watchdog there ends the process if Textual's own shutdown does not within its grace.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import os
import signal
import sys
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Console
from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message

from nightstand.crash import crash_line, write_crash_log
from nightstand.errors import NightstandError
from nightstand.formats import load
from nightstand.libc import give_back_memory
from nightstand.opening import OpenStory
from nightstand.saver import PositionSaver
from nightstand.settings import cache_dir
from nightstand.state.identity import path_text
from nightstand.text import sanitize
from nightstand.ui.keys import key_hint
from nightstand.ui.lists import CommandPalette
from nightstand.ui.reader import ReaderScreen
from nightstand.ui.sync import SyncHub

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path
    from types import FrameType

    from rich.console import RenderableType
    from textual.notifications import SeverityLevel
    from textual.screen import Screen
    from textual.theme import Theme

    from nightstand.opening import Opening
    from nightstand.settings import Settings
    from nightstand.shutdown import Shutdown
    from nightstand.state import StateStore
    from nightstand.ui.library import LibraryScreen
    from nightstand.ui.settings_changed import SettingsChanged


class StoreWarning(Message):
    """The state store could not save something (raised on any thread)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


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
        sync: SyncHub | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.store = store
        self.saver = PositionSaver(store)
        self.sync = sync if sync is not None else SyncHub.from_state()
        self._start_story = story
        self._start_folder = folder if folder is not None else settings.library
        self._startup_warnings = list(warnings)
        self.store_warnings_shown = len(store.warnings)
        """How many of the store's warnings have been put on screen (those at start-up count)."""
        self._settings_lock = threading.Lock()
        # Never show a reader a traceback: Textual prints an unhandled error on its error
        # console after the screen is restored; keep it here for crash.log instead.
        self._crash_report = io.StringIO()
        self.error_console = Console(
            file=self._crash_report, width=120, no_color=True, markup=False, highlight=False
        )
        self._signal_loop: asyncio.AbstractEventLoop | None = None
        self._leaving = False
        self._unwake: Callable[[], None] = lambda: None

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
        # Saves happen on another thread: a failure arrives as a message, shown once.
        self.store.on_warning = self._store_warned
        self._check_size(self.size.width, self.size.height)
        # From here a theme picked (Ctrl-P, the settings screen) is saved in settings.toml.
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._arm_signals()
        self.app_suspend_signal.subscribe(self, self._on_suspend)

    # -- settings that stay ----------------------------------------------------------------

    def on_settings_changed(self, event: SettingsChanged) -> None:
        """A reader changed settings (o, + and -): apply them and save them."""
        self.remember(event.changes)

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name != self.settings.theme:
            self.remember({"theme": theme.name})

    def remember(self, changes: dict[str, Any]) -> None:
        """Apply ``changes`` to the settings, every reader and the theme; save them."""
        if not changes:
            return
        self.settings = replace(self.settings, **changes)
        theme = changes.get("theme")
        if theme and theme != self.theme and theme in self.available_themes:
            self.theme = theme
        for screen in self.screen_stack:
            if isinstance(screen, ReaderScreen):
                screen.apply_settings(self.settings)
        self._save_settings(dict(changes))

    @work(thread=True, group="settings")
    def _save_settings(self, changes: dict[str, Any]) -> None:
        from nightstand.settings_file import save_settings

        with self._settings_lock:
            warning = save_settings(changes)
        if warning:
            self.call_from_thread(self.notify, warning, severity="warning", markup=False)

    def on_resize(self, event: events.Resize) -> None:
        """Below the smallest usable size, say so instead of drawing fragments."""
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        from nightstand.ui.too_small import TooSmall, too_small

        covered = isinstance(self.screen, TooSmall)
        if too_small(width, height) and not covered:
            self.push_screen(TooSmall())
        elif covered and not too_small(width, height):
            self.pop_screen()

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
        self.title = f"{opened.story.title} — nightstand"
        # After the next refresh, not at once: at start-up the first frame goes out before
        # the check's imports and its read of the EPUB's package document, which shared
        # the processor with it (a story opened from the library: after the library's).
        # A book read in parts asks once the whole book is in (see ReaderParts), not
        # while the reader reads it.
        if opened.coming is None:
            self.call_after_refresh(self._announce_new_chapters, opened)
        return ReaderScreen(
            opened, store=self.store, saver=self.saver, settings=self.settings, sync=self.sync
        )

    def _announce_new_chapters(self, opened: OpenStory) -> None:
        from nightstand.ui.archive import announce_new_chapters

        announce_new_chapters(self, self.store, opened)

    # -- saving on the way out -----------------------------------------------------------

    def _arm_signals(self) -> None:
        """Let :meth:`leave_on_signal` reach the loop; keep a hang-up from resuming.

        A closed terminal sends SIGHUP and then SIGCONT, and Textual's driver answers any
        SIGCONT by starting application mode again (a resume from Ctrl-Z), writing to the
        terminal that is gone. Once the app is leaving, SIGCONT is not passed on.
        """
        self._signal_loop = asyncio.get_running_loop()
        if self.is_headless:
            return  # tests: no terminal, and no driver handler to guard
        from nightstand.shutdown import wake_loop_on_signals

        # A resize or a SIGTERM caught by another thread must not wait for the next key.
        self._unwake = wake_loop_on_signals(self._signal_loop)
        try:
            textual_handler = signal.getsignal(signal.SIGCONT)

            def on_sigcont(signum: int, frame: FrameType | None) -> None:
                if not self._leaving and callable(textual_handler):
                    textual_handler(signum, frame)

            signal.signal(signal.SIGCONT, on_sigcont)
        except (AttributeError, ValueError):
            pass  # No SIGCONT here, or not the main thread (tests).

    def leave_on_signal(self, signum: int) -> None:
        """Ask the app to save and leave; safe to call from a signal handler.

        On a hang-up there is no terminal to put back: the guard's watchdog saves and ends
        the process straight away, and the app only stops resuming.
        """
        self._leaving = True
        if signum != signal.SIGHUP and self._signal_loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                self._signal_loop.call_soon_threadsafe(self._terminate)

    def save_now(self) -> None:
        """Write the reader's position now, on this thread."""
        for screen in self.screen_stack:
            if isinstance(screen, ReaderScreen):
                screen.save_position()
        self.saver.flush()
        self.sync.flush()

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
        """SIGTERM, SIGINT or SIGHUP (the terminal window closed): save, then leave."""
        self.workers.cancel_all()
        self.exit()  # which saves first

    def _on_suspend(self, _app: App[None]) -> None:
        self.save_now()

    # -- screens -------------------------------------------------------------------------

    def open_story(self, path: Path, *, replace: bool = False) -> None:
        """Load a story off the UI thread, then open the reader on it (in place of the
        reader in front, with ``replace``)."""
        self.notify(f"Opening {path.name}…", timeout=1, markup=False)
        self._load(path, replace)

    @work(thread=True, exclusive=True, group="load")
    def _load(self, path: Path, replace: bool = False) -> None:
        from nightstand.preload import load_kept

        try:
            # A big book's text is kept in a file, as at start-up (see preload.load_kept).
            story = load_kept(path, self.settings.typography, cache_dir())
        except NightstandError as exc:
            self.call_from_thread(
                self.notify, str(exc), title="Cannot open", severity="error", markup=False
            )
            return
        key = self.store.story_key(story, path)
        settle_heap()
        show = self.switch_screen if replace else self.push_screen
        self.call_from_thread(show, self._reader(OpenStory(path, story, key)))

    def on_reader_screen_library_requested(self, _event: ReaderScreen.LibraryRequested) -> None:
        """The reader's L key."""
        self.show_library()

    def on_library_screen_open_requested(self, event: LibraryScreen.OpenRequested) -> None:
        """Enter on a story in the library."""
        from nightstand.ui.library import LibraryScreen

        library = self.screen
        if isinstance(library, ReaderScreen) and path_text(library.opened.path) == path_text(
            event.path
        ):
            # The story just finished gained chapters: it opens again, in its own place.
            self.open_story(event.path, replace=True)
            return
        if isinstance(library, LibraryScreen) and library.over_story:
            below = self.screen_stack[-2]
            if isinstance(below, ReaderScreen) and path_text(below.opened.path) == path_text(
                event.path
            ):
                self.pop_screen()  # The story it was opened from: back to its page.
                return
            # Another story: the library takes the old story's place, the new one goes on top.
            self.pop_screen()
            self.switch_screen(LibraryScreen(self.settings.library, self.store))
        self.open_story(event.path)

    def show_library(self) -> None:
        """Back to the library below the reader, or the library over this story."""
        from nightstand.ui.library import LibraryScreen

        if any(isinstance(s, LibraryScreen) for s in self.screen_stack):
            while not isinstance(self.screen, LibraryScreen):
                self.pop_screen()
        else:
            # Opened directly: the library shows this story selected; Esc comes back to it.
            reader = self.screen
            select = reader.opened.path if isinstance(reader, ReaderScreen) else None
            self.push_screen(
                LibraryScreen(self.settings.library, self.store, select=select, over_story=True)
            )
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

    def _store_warned(self, text: str) -> None:
        self.post_message(StoreWarning(text))

    def on_store_warning(self, message: StoreWarning) -> None:
        """Say once that a reading position (or mark) could not be saved."""
        self.notify(
            message.text, title="Reading position not saved", severity="warning", markup=False
        )
        self.store_warnings_shown += 1

    def on_unmount(self) -> None:
        """Nobody listens to the store's warnings any more; signals stop waking the loop."""
        self.store.on_warning = None
        self._unwake()

    def crash_report(self) -> str:
        """What Textual wrote to its error console (a traceback), or "" after a clean run."""
        return self._crash_report.getvalue()

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Run the app; a crash inside it leaves crash.log and one line on stderr."""
        result = super().run(*args, **kwargs)
        if details := self.crash_report():
            where = write_crash_log(details)
            print(f"nightstand: error: {crash_line(where, 'the reader')}", file=sys.stderr)
        return result


def settle_heap() -> None:
    """Move a freshly loaded story out of the cycle collector's way.

    A story is tens of thousands of long-lived objects; without this, a collection that
    happens to fall on a page turn rescans them all and the turn takes several
    milliseconds instead of a fraction of one.
    """
    gc.freeze()
    give_back_memory()  # and what loading it freed (see nightstand.libc)


def follow_the_terminal() -> None:
    """Let the reader take the terminal's own size, and follow it when it changes.

    Textual asks ``shutil.get_terminal_size``, which prefers the ``COLUMNS`` and ``LINES``
    variables to the terminal itself. A shell or script that exported them (they are seen
    in tmux panes) would fix the reader at that size: it would never follow a resize, and
    would draw 80x24 in a 100x30 window. A full-screen program takes the terminal's word.
    """
    if sys.__stdout__ is not None and sys.__stdout__.isatty():
        for name in ("COLUMNS", "LINES"):
            os.environ.pop(name, None)


def run(opening: Opening, guard: Shutdown | None = None) -> None:
    """Run the app on what :func:`~nightstand.opening.plan_opening` decided.

    With a ``guard`` (the command line's signal handling), a signal at any instant ends the
    process within a bound: the place is saved, the database closed and the loader child
    stopped, by this thread after Textual's shutdown or by the guard's watchdog.
    """
    store = opening.store
    app: NightstandApp | None = None
    follow_the_terminal()
    # The workers (the page count, the word index, the saver's word count, the whole book
    # arriving) are Python holding the GIL; handed over every 5 ms (the default), a page
    # turned meanwhile waits on each of its many hand-offs: 30-190 ms on the Mahabharata
    # for the four seconds after the swap. Every millisecond: 12 ms at the median.
    sys.setswitchinterval(0.001)

    def save_place() -> None:
        if app is not None:
            app.save_now()
            app.saver.close()

    def kill_loader() -> None:
        if opening.preload is not None:
            opening.preload.kill()

    def stop_loader() -> None:
        if opening.preload is not None:
            opening.preload.cancel()

    if guard is not None:
        # The child is killed first (it dies with us anyway) and reaped last.
        cleanups = [kill_loader, guard.essential(save_place), store.close, stop_loader]
        guard.cleanups[:0] = cleanups
    try:
        story: OpenStory | None = None
        if opening.story_path is not None:
            path = opening.story_path
            loaded = (
                opening.preload.result()
                if opening.preload
                else load(path, typography=opening.settings.typography)
            )
            coming = opening.preload if opening.preload and opening.preload.partial else None
            story = OpenStory(path, loaded, store.story_key(loaded, path), coming)
            settle_heap()
        app = NightstandApp(
            settings=opening.settings,
            store=store,
            story=story,
            folder=opening.folder,
            warnings=opening.warnings,
        )
        if guard is not None:
            guard.on_signal = app.leave_on_signal
        app.run()
        if guard is not None and guard.signum is not None:
            guard.finish()  # saves, closes, and exits with 128 + the signal's number
        app.saver.close()
        app.sync.close()
        if app.return_code:
            raise SystemExit(app.return_code)
    finally:
        if guard is not None:
            guard.on_signal = None
            guard.run_cleanups()
        else:
            stop_loader()
            store.close()
