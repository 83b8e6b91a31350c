"""Searching the story's text, not its wrapped lines, so a phrase split across lines is found.

Case-insensitive unless the query has a capital (as in less and vim's smartcase); a query
starting with ``re:`` is a regular expression. Any run of spaces in a plain query matches
any run of white space, so "soul . . . her" finds the ellipsis joined by no-break spaces.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from nightstand.errors import NightstandError

MAX_MATCHES = 100_000
"""Enough for any sensible query; bounds memory for "e" on a million-word book."""


class SearchError(NightstandError):
    """A query that cannot be searched (a broken regular expression)."""


def compile_query(query: str) -> re.Pattern[str]:
    """The pattern for a reader's query (smart case, ``re:`` prefix)."""
    if query.startswith("re:"):
        source = query[3:]
        flags = 0 if any(c.isupper() for c in source) else re.IGNORECASE
        try:
            return re.compile(source, flags)
        except re.error as exc:
            raise SearchError(f"not a regular expression: {exc}") from None
    words = query.split()
    if not words:
        raise SearchError("nothing to search for")
    flags = 0 if any(c.isupper() for c in query) else re.IGNORECASE
    return re.compile(r"\s+".join(re.escape(w) for w in words), flags)


@dataclass(frozen=True, slots=True)
class Matches:
    """The matches of one query, as (start, end) offsets in reading order."""

    query: str
    spans: tuple[tuple[int, int], ...]

    def next_after(self, position: int) -> int | None:
        """Index of the first match starting after ``position``, wrapping to the first."""
        if not self.spans:
            return None
        i = bisect.bisect_right(self.spans, (position, 2**62))
        return i if i < len(self.spans) else 0

    def previous_before(self, position: int) -> int | None:
        """Index of the last match starting before ``position``, wrapping to the last."""
        if not self.spans:
            return None
        i = bisect.bisect_left(self.spans, (position, -1)) - 1
        return i if i >= 0 else len(self.spans) - 1


def search(text: str, query: str) -> Matches:
    """Every match of ``query`` in ``text`` (empty matches skipped)."""
    pattern = compile_query(query)
    spans: list[tuple[int, int]] = []
    for m in pattern.finditer(text):
        if m.end() > m.start():
            spans.append((m.start(), m.end()))
            if len(spans) >= MAX_MATCHES:
                break
    return Matches(query, tuple(spans))
