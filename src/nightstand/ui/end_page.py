"""EndPage: shown when Space is pressed on a story's last page.

"Finished", the story's words and reading time, and what comes next: the next unread story
in the library (Enter opens it), or a word that there is none. A story from an archive that
its author is still writing says so: ``nightstand update`` checks it for new chapters, and
``u`` here checks at once. The story is marked finished by the reader before this screen is
shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle, Vertical
from textual.screen import Screen
from textual.widgets import Static

from nightstand.errors import NightstandError
from nightstand.finishing import next_unread
from nightstand.library import scan
from nightstand.state.identity import path_text
from nightstand.text import sanitize
from nightstand.ui.footer import KeysFooter

if TYPE_CHECKING:
    from pathlib import Path

    from textual.app import ComposeResult

    from nightstand.archive.fetch import Outcome
    from nightstand.finishing import Ending
    from nightstand.library import LibraryEntry
    from nightstand.state import StateStore

SERIAL_LINE = (
    "Unfinished: its author is still writing it. `nightstand update` checks it for new "
    "chapters; u checks now."
)


class EndPage(Screen["Path | str | None"]):
    """The page after the last one; dismisses with the next story's path, "library" or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_next", "Read next", id="end.next"),
        Binding("escape,b,left,pageup,backspace", "back", "Last page", id="end.back"),
        Binding("L", "library", "Library", id="end.library"),
        Binding("u", "update", "New chapters?", id="end.update"),
        Binding("q", "back", "Back", show=False, id="end.quit"),
    ]

    def __init__(self, ending: Ending, *, path: Path, library: Path, store: StateStore) -> None:
        super().__init__()
        self.ending = ending
        self._path = path
        self._library = library
        self._store = store
        self.next_story: LibraryEntry | None = None
        self.serial = False
        """The story comes from an archive and its author is still writing it."""
        self.looked = False
        """True once the library was searched for the next story."""

    def compose(self) -> ComposeResult:
        """The words, centred."""
        heading = Text("Finished", style="bold")
        title = Text(self.ending.title, style="italic")
        with Middle(), Center(), Vertical(id="end-box"):
            yield Static(heading, id="end-heading")
            yield Static(title, id="end-title")
            yield Static(Text(self.ending.summary), id="end-summary")
            yield Static(Text("Looking for the next story…"), id="end-next")
            yield Static(id="end-serial")
        yield KeysFooter()

    def on_mount(self) -> None:
        """Look for the next story in the background."""
        self._look()

    @work(thread=True, exclusive=True, group="end-next")
    def _look(self) -> None:
        try:
            entries = scan(self._library, self._store, history=True)
        except NightstandError:
            entries = []
        here = path_text(self._path)
        this = next((e for e in entries if path_text(e.path) == here), None)
        serial = this is not None and this.source is not None and this.status == "In-Progress"
        self.app.call_from_thread(self._found, next_unread(entries, self._path), serial=serial)

    def _found(self, entry: LibraryEntry | None, *, serial: bool = False) -> None:
        self.next_story = entry
        self.serial = serial
        self.looked = True
        line = Text()
        if entry is None:
            line.append("No unread story left in the library.")
        else:
            line.append("Next: ")
            line.append(entry.title, style="italic")
            if entry.author:
                line.append(f" by {entry.author}")
            line.append(" (Enter)")
        self.query_one("#end-next", Static).update(line)
        if serial:
            note = self.query_one("#end-serial", Static)
            note.update(Text(SERIAL_LINE))
            note.display = True
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``u`` only for a story that can gain chapters; Enter only once a next story is found."""
        if action == "update":
            return self.serial
        if action == "open_next":
            return self.next_story is not None
        return True

    def action_update(self) -> None:
        """Look for new chapters now: if there are some, reopen the story to read on."""
        if self.serial:
            self.query_one("#end-serial", Static).update(Text("Looking for new chapters…"))
            self._update()

    @work(thread=True, exclusive=True, group="end-update")
    def _update(self) -> None:
        from nightstand.archive.fetch import update

        outcome = update(self._path, include_complete=True)
        self.app.call_from_thread(self._updated, outcome)

    def _updated(self, outcome: Outcome) -> None:
        if outcome.kind != "error" and outcome.new_chapters:
            # The story opens again on its last page, the new chapters after it.
            self.dismiss(self._path)
            return
        line = outcome.message if outcome.kind == "error" else f"{outcome.line()}."
        self.query_one("#end-serial", Static).update(Text(sanitize(line)))

    def action_open_next(self) -> None:
        """Open the next unread story, if there is one."""
        if self.next_story is None:
            return
        self.dismiss(self.next_story.path)

    def action_back(self) -> None:
        """Back to the last page."""
        self.dismiss(None)

    def action_library(self) -> None:
        """The library."""
        self.dismiss("library")
