"""Page numbers: the index that numbers every page once the whole book has been counted.

Counting keeps two integers per section (where it starts, how many pages come before it),
so a page's number, the page of a number and a chapter's page range are binary searches.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from array import array


@dataclass(frozen=True, slots=True)
class PageIndex:
    """Each section's start offset and the pages before it, and the book's page count."""

    starts: array[int]
    before: array[int]
    total: int

    def number(self, section_start: int, index: int) -> int | None:
        """The 1-based number of the ``index``-th page of the section at ``section_start``."""
        k = bisect.bisect_right(self.starts, section_start) - 1
        if k < 0:
            return None
        return self.before[k] + index + 1

    def locate(self, number: int) -> tuple[int, int]:
        """(section start, page index in it) of page ``number``, clamped into the book."""
        number = min(max(number, 1), self.total)
        if not self.starts:
            return 0, number - 1
        k = max(0, bisect.bisect_right(self.before, number - 1) - 1)
        return self.starts[k], number - 1 - self.before[k]
