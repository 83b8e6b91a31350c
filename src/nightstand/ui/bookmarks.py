"""BookmarksScreen: the story's bookmarks, to jump from or delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets.option_list import Option

from nightstand.ui.keys import key_hint
from nightstand.ui.list_dialog import ListDialog
from nightstand.ui.lists import OptionList

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from nightstand.state import Bookmark


class BookmarksScreen(ListDialog):
    """Lists bookmarks; Enter dismisses with the offset, d deletes the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,apostrophe", "dismiss(None)", "Close", id="bookmarks.close"),
        Binding("d,delete", "delete", "Delete", id="bookmarks.delete"),
    ]

    def __init__(
        self,
        marks: Sequence[Bookmark],
        remove: Callable[[str], None],
        places: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self._marks = list(marks)
        self._remove = remove
        self._places = dict(zip((m.name for m in marks), places, strict=False))
        """Each bookmark's page and percent ("page 12 · 34%"), by name."""

    def heading(self) -> str:
        """The title, with the keys that jump and delete as they are bound."""
        jump, delete = key_hint(self, "select"), key_hint(self, "delete")
        keys = [f"{jump} jumps" if jump else "", f"{delete} deletes" if delete else ""]
        return " — ".join(["Bookmarks", ", ".join(k for k in keys if k)]).rstrip(" —")

    def options(self) -> list[Option]:
        """One row per bookmark: its name, page and percent, and the quote it was made at."""
        # Names and quotes are the reader's and the story's text: plain Text, never markup.
        rows = []
        for i, m in enumerate(self._marks):
            place = self._places.get(m.name)
            label = f"{m.name}  ({place})" if place else m.name
            rows.append(Option(Text(f"{label}  — {m.quote}"), id=str(i)))
        return rows

    def offset_of(self, index: int) -> int:
        """Where the bookmark points."""
        return self._marks[index].offset

    def action_delete(self) -> None:
        """Delete the highlighted bookmark."""
        options = self.query_one(OptionList)
        i = options.highlighted
        if i is None or not self._marks:
            return
        mark = self._marks.pop(i)
        self._remove(mark.name)
        options.clear_options()
        options.add_options(self.options())
        if self._marks:
            options.highlighted = min(i, len(self._marks) - 1)
        self.notify(f"Deleted bookmark {mark.name}", markup=False)
