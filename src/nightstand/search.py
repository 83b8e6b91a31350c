"""Searching the story's text, not its wrapped lines, so a phrase split across lines is found.

Case-insensitive unless the query has a capital (as in less and vim's smartcase); a query
starting with ``re:`` is a regular expression. Any run of spaces in a plain query matches
any run of white space, so "soul . . . her" finds the ellipsis joined by no-break spaces;
straight quotes, ``--`` and ``...`` find their smart forms too (the ``typography`` setting).

The ``regex`` package runs the search: it lets go of the interpreter lock while it works, so
the reader stays responsive during a long search, and it gives up after
:data:`SEARCH_SECONDS`, so a regular expression that backtracks without end cannot hang it.
"""

from __future__ import annotations

import bisect
import re
import time
from dataclasses import dataclass
from typing import Any

import regex

from nightstand.errors import NightstandError
from nightstand.filetext import BookText, windows
from nightstand.typography import typed_pattern

MAX_MATCHES = 100_000
"""Enough for any sensible query; bounds memory for "e" on a million-word book."""

SEARCH_SECONDS = 2.0
"""How long one search may run before it is given up."""


class SearchError(NightstandError):
    """A query that cannot be searched (a broken regular expression, a runaway search)."""


def _has_capital(source: str) -> bool:
    """Smart case: a capital letter, not counting escapes such as \\S, \\W or \\B."""
    return any(c.isupper() for c in re.sub(r"\\.", "", source))


def compile_query(query: str) -> Any:
    """The compiled pattern for a reader's query (smart case, ``re:`` prefix)."""
    if query.startswith("re:"):
        source = query[3:]
        if not source:
            raise SearchError("nothing to search for")
        flags = 0 if _has_capital(source) else regex.IGNORECASE
        try:
            return regex.compile(source, flags | regex.VERSION0)
        except regex.error as exc:
            raise SearchError(f"not a regular expression: {exc}") from None
    words = query.split()
    if not words:
        raise SearchError("nothing to search for")
    flags = 0 if _has_capital(query) else regex.IGNORECASE
    # Quotes, "--" and "..." as typed also find their smart forms (and the other way).
    return regex.compile(r"\s+".join(typed_pattern(w, regex.escape) for w in words), flags)


@dataclass(frozen=True, slots=True)
class Matches:
    """The matches of one query, as (start, end) offsets in reading order."""

    query: str
    spans: tuple[tuple[int, int], ...]
    truncated: bool = False
    """Whether the search stopped at :data:`MAX_MATCHES`."""

    @property
    def count_text(self) -> str:
        """How many matches, as a reader should read it ("100000+" when cut short)."""
        return f"{len(self.spans)}+" if self.truncated else str(len(self.spans))

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


SEARCH_OVERLAP = 4096
"""How far past the end of a stretch of text a match that begins in it may run, and how
much of the text before a stretch a look-behind sees (see
:func:`nightstand.filetext.windows`). Within these, the matches are those of one
``finditer`` over the whole text; a match or a look-around reaching further across the
end of a stretch is cut there, or missed."""


def search(text: BookText, query: str, *, seconds: float = SEARCH_SECONDS) -> Matches:
    """Every match of ``query`` in ``text`` (empty matches skipped).

    The text is searched a stretch at a time (a big book's text is kept in a file), each
    stretch with what follows it up to :data:`SEARCH_OVERLAP`, so a match across the end
    of a stretch is found all the same; the whole search stops after ``seconds``.
    """
    pattern = compile_query(query)
    spans: list[tuple[int, int]] = []
    truncated = False
    deadline = time.monotonic() + seconds
    reached = 0  # where the last match ended
    try:
        # Each stretch comes with what comes before it, for \b and look-behinds; searching
        # from after that, ^ does not match there (it is not the text's start).
        for at, cut, stretch in windows(text, overlap=SEARCH_OVERLAP, lead=SEARCH_OVERLAP):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            lead = min(at, SEARCH_OVERLAP)
            # Matches do not overlap: one that ran past the last cut is not searched again.
            pos = max(lead, reached - at + lead)
            for m in pattern.finditer(stretch, pos, concurrent=True, timeout=left):
                # A match may run past the cut, into the overlap, but not start there:
                # the next stretch finds what starts after the cut.
                if m.start() >= cut - at + lead:
                    break
                if m.end() > m.start():
                    spans.append((at - lead + m.start(), at - lead + m.end()))
                    reached = at - lead + m.end()
                    if len(spans) >= MAX_MATCHES:
                        truncated = True
                        break
            if truncated:
                break
    except TimeoutError:
        raise SearchError(
            f"the search took over {seconds:g} s and was stopped; try a simpler expression"
        ) from None
    return Matches(query, tuple(spans), truncated)
