"""LibraryScreen: the stories of a folder, most recently read first."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from nightstand.errors import NightstandError
from nightstand.library import scan
from nightstand.state.identity import path_text
from nightstand.text import sanitize
from nightstand.ui.footer import KeysFooter

if TYPE_CHECKING:
    from pathlib import Path

    from textual.app import ComposeResult

    from nightstand.library import LibraryEntry
    from nightstand.state import StateStore

BAR_CELLS = 10
COLUMNS = (
    ("Title", "title"),
    ("Author", "author"),
    ("Words", "words"),
    ("Read", "read"),
    ("Last read", "last"),
)
ARCHIVE_COLUMNS = (("Site", "site"), ("Status", "status"), ("Chapters", "chapters"))
"""Only a library with stories from archives spends the width on these."""


def progress_bar(percent: float) -> Text:
    """A ten-cell bar and the percentage."""
    filled = round(BAR_CELLS * min(max(percent, 0.0), 100.0) / 100)
    bar = Text("█" * filled, style="bold")
    bar.append("░" * (BAR_CELLS - filled), style="dim")
    bar.append(f" {percent:3.0f}%")
    return bar


def reading_state(entry: LibraryEntry) -> Text:
    """Unread, the progress bar while reading, or finished."""
    if entry.read_state == "finished":
        return Text("finished", style="bold")
    if entry.read_state == "unread":
        return Text("unread", style="dim")
    return progress_bar(entry.percent)


def last_read_text(when: float | None, now: float | None = None) -> str:
    """ "today", "yesterday", "3 days ago", or a date."""
    if when is None:
        return "never"
    now = time.time() if now is None else now
    days = int((now - when) // 86400)
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 30:
        return f"{days} days ago"
    return time.strftime("%Y-%m-%d", time.localtime(when))


def archive_cells(entry: LibraryEntry) -> tuple[Text, Text, Text]:
    """Site, status and chapters ("12 · 2 new") of a story from an archive; blank otherwise."""
    if entry.source is None:
        return Text(""), Text(""), Text(str(entry.chapters) if entry.chapters else "")
    chapters = Text(str(entry.chapters))
    if entry.new_chapters:
        chapters.append(f" · {entry.new_chapters} new", style="bold")
    return Text(entry.site or ""), Text(entry.status or ""), chapters


class LibraryScreen(Screen[None]):
    """A table of stories; Enter opens one, / filters, r rescans."""

    class OpenRequested(Message):
        """The reader chose a story; the app loads it and opens the reader."""

        def __init__(self, path: Path) -> None:
            self.path = path
            super().__init__()

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="library.open", show=True),
        Binding("slash", "filter", "Filter", id="library.filter"),
        Binding("r", "rescan", "Rescan", id="library.rescan"),
        Binding("u", "update_story", "Update", id="library.update", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="library.clear"),
        Binding("j", "cursor(1)", show=False),
        Binding("k", "cursor(-1)", show=False),
        Binding("q", "quit", "Quit", id="library.quit"),
    ]

    def __init__(
        self,
        folder: Path,
        store: StateStore,
        *,
        select: Path | None = None,
        over_story: bool = False,
    ) -> None:
        super().__init__()
        self.folder = folder
        self._select = str(path_text(select)) if select is not None else None
        self.over_story = over_story
        """Shown over the story it was opened from: Esc and q go back to that page."""
        # A folder's name can hold escape sequences like a file's: show it sanitized.
        self._where = " ".join(sanitize(str(folder)).split())
        self._store = store
        self.entries: list[LibraryEntry] = []
        self._filter = ""
        self._clear_on_return = False
        self._title_state = "scanning…"
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        """Title, filter input, table, footer."""
        with Vertical():
            yield Static(id="title")
            yield Input(placeholder="Filter by title or author", id="filter")
            table: DataTable[str | Text] = DataTable(cursor_type="row", zebra_stripes=True)
            for label, key in COLUMNS:
                table.add_column(label, key=key, width=cell_len(label))
            yield table
            yield Static(id="empty")
            yield KeysFooter()

    def on_mount(self) -> None:
        """Scan the folder in the background."""
        self.query_one(DataTable).focus()
        self.action_rescan()

    def on_screen_resume(self) -> None:
        """Coming back from a story: progress and order may have changed."""
        if self._clear_on_return:
            self._clear_on_return = False
            self.action_clear_filter()
        if self.entries:
            self.action_rescan()

    def on_unmount(self) -> None:
        """Stop a scan still running."""
        self._cancel.set()

    def action_rescan(self) -> None:
        """Read the folder again."""
        self._cancel.set()
        self._cancel = threading.Event()
        self._set_title("scanning…")
        self._scan(self._cancel)

    @work(thread=True, exclusive=True, group="scan")
    def _scan(self, cancel: threading.Event) -> None:
        try:
            entries = scan(self.folder, self._store, cancel, history=True)
        except NightstandError as exc:
            # An unmounted drive or a deleted folder: say so and show what is known.
            self.app.call_from_thread(self._scan_failed, str(exc))
            return
        if not cancel.is_set():
            self.app.call_from_thread(self._scanned, entries)

    def _set_title(self, state: str) -> None:
        """The title line: library, state, folder (CSS cuts the folder, the state stays)."""
        self._title_state = state
        self.query_one("#title", Static).update(Text(f"Library · {state} · {self._where}"))

    def _scan_failed(self, message: str) -> None:
        self._set_title("cannot read it")
        self.notify(message, title="Library", severity="error", markup=False)

    def _scanned(self, entries: list[LibraryEntry]) -> None:
        self.entries = entries
        stories = sum(1 for e in entries if e.error is None)
        state = f"{stories} {'story' if stories == 1 else 'stories'}"
        if not self.folder.expanduser().is_dir():
            # An unmounted drive, or a first run: the stories read are listed all the same.
            state += " · no library folder"
        self._set_title(state)
        self._show_guidance(not entries)
        self._fill()
        if self._select is not None:
            # Opened from a story: that story is the row under the cursor.
            table: DataTable[str | Text] = self.query_one(DataTable)
            if self._select in table.rows:
                table.move_cursor(row=table.get_row_index(self._select))
            self._select = None

    def _show_guidance(self, empty: bool) -> None:
        """An empty library says what to do instead of showing bare headings."""
        from nightstand.cli import COMMANDS
        from nightstand.guidance import empty_library

        box = self.query_one("#empty", Static)
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.display = not empty
        box.display = empty
        if empty:
            folder = self.folder.expanduser()
            text = empty_library(folder, folder_exists=folder.is_dir(), commands=COMMANDS)
            box.update(Text(sanitize(text)))

    def filtered_entries(self) -> list[LibraryEntry]:
        """The entries that pass the filter."""
        needle = self._filter.casefold()
        return [
            e
            for e in self.entries
            if not needle or needle in f"{e.title} {e.author or ''} {e.path.name}".casefold()
        ]

    def _fill(self) -> None:
        """Put the entries that pass the filter in the table, the cursor on the same story.

        Each column gets the width of its widest cell before a row is added. Left to size
        itself, the table measures its columns only when next idle, and a row drawn before
        then stays cut to the headings' widths ("Lette", "unre"), because its cached cells do
        not know the widths changed.
        """
        table: DataTable[str | Text] = self.query_one(DataTable)
        selected = self._selected_path()
        columns = COLUMNS + (ARCHIVE_COLUMNS if any(e.source for e in self.entries) else ())
        rows = [
            (str(entry.path), self._cells(entry, archive=len(columns) > len(COLUMNS)))
            for entry in self.filtered_entries()
        ]
        table.clear(columns=True)
        for index, (label, key) in enumerate(columns):
            width = max([cell_len(label), *(row[index].cell_len for _, row in rows)])
            table.add_column(label, key=key, width=width)
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if selected is not None and str(selected) in table.rows:
            table.move_cursor(row=table.get_row_index(str(selected)))

    @staticmethod
    def _cells(entry: LibraryEntry, *, archive: bool) -> list[Text]:
        """One story's row: title (missing, broken), author, words, state, last read…"""
        title = Text(entry.title)
        if entry.missing:
            title.append(" (missing)", style="dim italic")
        if entry.error:
            title.append(f" — {entry.error}", style="red")
        return [
            title,
            Text(entry.author or ""),
            Text(f"{entry.words:,}"),
            reading_state(entry),
            Text(last_read_text(entry.last_read)),
            *(archive_cells(entry) if archive else ()),
        ]

    def _selected_path(self) -> Path | None:
        table: DataTable[str | Text] = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((e.path for e in self.entries if str(e.path) == key), None)

    def selected(self) -> LibraryEntry | None:
        """The entry under the cursor."""
        path = self._selected_path()
        return next((e for e in self.entries if e.path == path), None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter (or a click) on a row opens it."""
        self.action_open()

    def action_open(self) -> None:
        """Open the selected story."""
        entry = self.selected()
        if entry is None:
            return
        if entry.missing:
            self.notify(f"{entry.path} is missing.", severity="warning", markup=False)
            return
        self.post_message(self.OpenRequested(entry.path))

    def action_filter(self) -> None:
        """Show the filter input."""
        box = self.query_one("#filter", Input)
        box.add_class("-visible")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter as the reader types."""
        self._filter = event.value
        self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter opens the first match (the filter is cleared on return)."""
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.focus()
        if self.filtered_entries():
            table.move_cursor(row=0)
            self._clear_on_return = True
            self.action_open()

    def action_clear_filter(self) -> None:
        """Drop the filter; with none, back to the story the library was opened from."""
        box = self.query_one("#filter", Input)
        if not box.value and not box.has_class("-visible") and self.over_story:
            self.dismiss()
            return
        box.value = ""
        box.remove_class("-visible")
        self._filter = ""
        self._fill()
        self.query_one(DataTable).focus()

    def action_update_story(self) -> None:
        """Fetch new chapters of the selected story (one from an archive) in a worker."""
        from nightstand.ui.archive import update_story

        entry = self.selected()
        if entry is None or entry.missing:
            return
        if entry.source is None:
            self.notify(f"{entry.path.name} records no source URL to update from.")
            return
        update_story(self.app, entry.path, self.action_rescan)

    def action_cursor(self, step: int) -> None:
        """vim's j and k."""
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_quit(self) -> None:
        """Quit nightstand, or back to the story the library was opened over."""
        if self.over_story:
            self.dismiss()
        else:
            self.app.exit()
