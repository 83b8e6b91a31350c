"""TocScreen: the table of contents, to jump from."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets.option_list import Option

from nightstand.ui.list_dialog import ListDialog

if TYPE_CHECKING:
    from collections.abc import Sequence

    from nightstand.story import Chapter


class TocScreen(ListDialog):
    """Lists the chapters; dismisses with the chosen chapter's offset, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,t", "dismiss(None)", "Close", id="toc.close"),
    ]

    def __init__(self, chapters: Sequence[Chapter], current: int, unit: str = "chapters") -> None:
        super().__init__()
        self._chapters = tuple(chapters)
        self._current = current
        self._unit = unit

    def heading(self) -> str:
        """How many chapters (or scenes) there are."""
        return f"Contents ({len(self._chapters)} {self._unit})"

    def options(self) -> list[Option]:
        """One row per chapter, numbered."""
        return [
            Option(Text(f"{i + 1:>4}  {c.title}"), id=str(i)) for i, c in enumerate(self._chapters)
        ]

    def offset_of(self, index: int) -> int:
        """Where the chapter starts."""
        return self._chapters[index].offset

    def start_index(self) -> int:
        """The chapter being read."""
        return max(self._current, 0)
