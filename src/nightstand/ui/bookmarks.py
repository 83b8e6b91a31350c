"""BookmarksScreen: the story's bookmarks, to jump from or delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.widgets.option_list import Option

from nightstand.ui.lists import OptionList

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from textual.app import ComposeResult

    from nightstand.state import Bookmark


class BookmarksScreen(ModalScreen[int | None]):
    """Lists bookmarks; Enter dismisses with the offset, d deletes the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,apostrophe", "dismiss(None)", "Close"),
        Binding("d,delete", "delete", "Delete"),
    ]

    DEFAULT_CSS = """
    BookmarksScreen { align: center middle; }
    BookmarksScreen > Vertical {
        width: 80; max-width: 95%; height: 70%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    BookmarksScreen OptionList { height: 1fr; border: none; }
    """

    def __init__(self, marks: Sequence[Bookmark], remove: Callable[[str], None]) -> None:
        super().__init__()
        self._marks = list(marks)
        self._remove = remove

    def compose(self) -> ComposeResult:
        """A title and the list of bookmarks."""
        with Vertical():
            yield Static("Bookmarks — Enter jumps, d deletes")
            yield OptionList(*self._options())

    def _options(self) -> list[Option]:
        # Quotes are story text: plain Text, never markup.
        return [
            Option(Text(f"{m.name}  — {m.quote}"), id=str(i)) for i, m in enumerate(self._marks)
        ]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Jump to the chosen bookmark."""
        self.dismiss(self._marks[event.option_index].offset)

    def action_delete(self) -> None:
        """Delete the highlighted bookmark."""
        options = self.query_one(OptionList)
        i = options.highlighted
        if i is None or not self._marks:
            return
        mark = self._marks.pop(i)
        self._remove(mark.name)
        options.clear_options()
        options.add_options(self._options())
        if self._marks:
            options.highlighted = min(i, len(self._marks) - 1)
        self.notify(f"Deleted bookmark {mark.name}")
