"""A book's text kept in a file, read a piece at a time: what the reader holds of a big book.

A million-word book is 6 to 11 MiB as a Python string, more than the reader takes for
everything else. The preload child writes the text it builds to a file with no name (see
:mod:`nightstand.preload`) in pieces of :data:`PIECE_CHARS` characters, as UTF-8, and
records where each piece begins; the reader then keeps the file, not the text, and a
:class:`FileText` reads and decodes the pieces that a page, a search or a count asks for,
keeping the last few. The pages come from the operating system's file cache, which is in
no process's resident size (a memory cgroup still counts it).

A :class:`FileText` answers the few questions the core asks of a story's text, as ``str``
answers them: its length, a character or a slice (as a ``str``), ``find``, ``rfind`` and
``startswith``. What needs a real string over a long stretch (a regular expression, a word
count) walks it with :func:`windows`, which serves a ``str`` and a ``FileText`` alike.

Pure Python: nothing of nightstand, nothing of Textual.
"""

from __future__ import annotations

import itertools
import os
import weakref
from array import array
from collections import OrderedDict
from typing import TYPE_CHECKING, BinaryIO, SupportsIndex

if TYPE_CHECKING:
    from collections.abc import Iterator

PIECE_CHARS = 1 << 13
"""Characters in a piece: the unit read and decoded (8 Ki; up to 32 KiB of UTF-8)."""
KEPT_PIECES = 32
"""Decoded pieces kept, most recently used: a page and its neighbours, a section or two."""
WINDOW_CHARS = 1 << 14
"""The length :func:`windows` aims at: long enough to amortise a read, short to hold.

Pieces and windows are kept small on purpose: a string of 128 KiB or more is allocated
apart by the C library and, once freed, makes it keep the next ones in its heap, which a
reader turning through a book then fragments (a million-word book: 5 to 8 MiB more)."""


class FileText:
    """The text in the first bytes of the file open as ``fd``, written by a :class:`PieceWriter`.

    ``offsets`` holds where each piece begins in the file, and where the last ends: piece
    ``k`` is characters ``[k * PIECE_CHARS, (k + 1) * PIECE_CHARS)`` of the text. The
    :class:`FileText` owns ``fd`` and closes it when it is collected (or :meth:`close`).
    """

    __slots__ = ("__weakref__", "_cache", "_close", "_fd", "_length", "_offsets")

    def __init__(self, fd: int, length: int, offsets: array[int]) -> None:
        pieces = -(-length // PIECE_CHARS)
        if len(offsets) != pieces + 1 or offsets[0] != 0 or length < 0:
            raise ValueError("the pieces do not make the text")
        if any(b <= a for a, b in itertools.pairwise(offsets)):
            raise ValueError("the pieces do not make the text")
        if os.fstat(fd).st_size < offsets[-1]:
            raise ValueError("the text is not all in the file")
        self._fd = fd
        self._length = length
        self._offsets = offsets
        self._cache: OrderedDict[int, str] = OrderedDict()
        self._close = weakref.finalize(self, os.close, fd)

    def close(self) -> None:
        """Close the file now; reading what is not kept then raises OSError."""
        self._close()
        self._fd = -1  # never read whatever file is given the number next

    def __len__(self) -> int:
        return self._length

    def __bool__(self) -> bool:
        return self._length > 0

    def __repr__(self) -> str:
        return f"<FileText {self._length} characters>"

    def __eq__(self, other: object) -> bool:
        """Equal to a string or a :class:`FileText` with the same characters."""
        if not isinstance(other, str | FileText):
            return NotImplemented
        if other is self:
            return True
        if len(other) != self._length:
            return False
        step = WINDOW_CHARS
        return all(
            self._slice(at, at + step) == other[at : at + step]
            for at in range(0, self._length, step)
        )

    __hash__ = None  # type: ignore[assignment]  # equal to strings, but not hashed as one

    def __contains__(self, sub: str) -> bool:
        return self.find(sub) >= 0

    def _decode(self, first: int, last: int) -> str:
        """Pieces ``first`` to ``last`` (inclusive), read from the file in one go."""
        start, end = self._offsets[first], self._offsets[last + 1]
        if self._fd < 0:
            raise OSError("the book's text file is closed")
        data = os.pread(self._fd, end - start, start)
        if len(data) != end - start:
            raise OSError("the book's text file is cut short")
        text = str(data, "utf-8", "surrogatepass")
        want = min((last + 1) * PIECE_CHARS, self._length) - first * PIECE_CHARS
        if len(text) != want:
            raise OSError("the book's text file does not hold the text")
        return text

    def _piece(self, k: int) -> str:
        # The reader's workers read beside the UI thread: each step on the cache is one
        # call, whole under the GIL, and none assumes what another thread may change.
        cache = self._cache
        piece = cache.pop(k, None)
        if piece is None:
            piece = self._decode(k, k)
        cache[k] = piece  # the most recently used, last
        while len(cache) > KEPT_PIECES:
            try:
                cache.popitem(last=False)
            except KeyError:  # emptied meanwhile
                break
        return piece

    def __getitem__(self, key: SupportsIndex | slice) -> str:
        if isinstance(key, slice):
            start, stop, step = key.indices(self._length)
            if step != 1:
                raise ValueError("a FileText is sliced with a step of 1")
            return self._slice(start, stop)
        i = key.__index__()
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError("FileText index out of range")
        k, inside = divmod(i, PIECE_CHARS)
        return self._piece(k)[inside]

    def _slice(self, start: int, stop: int) -> str:
        """``text[start:stop]`` for ``0 <= start``; ``stop`` may run past the end."""
        stop = min(stop, self._length)
        if stop <= start:
            return ""
        first, last = start // PIECE_CHARS, (stop - 1) // PIECE_CHARS
        base = first * PIECE_CHARS
        if last - first > 1:  # a long stretch is read whole, not through the kept pieces
            return self._decode(first, last)[start - base : stop - base]
        if first == last:
            return self._piece(first)[start - base : stop - base]
        head = self._piece(first)[start - base :]
        return head + self._piece(last)[: stop - base - PIECE_CHARS]

    def _bounds(self, start: SupportsIndex | None, end: SupportsIndex | None) -> tuple[int, int]:
        """``start`` and ``end`` as ``str.find`` reads them: from the end when negative,
        ``end`` no further than the text's end (``start`` may be past it)."""
        n = self._length
        s = 0 if start is None else start.__index__()
        e = n if end is None else end.__index__()
        s = max(s + n, 0) if s < 0 else s
        e = max(e + n, 0) if e < 0 else min(e, n)
        return s, e

    def find(
        self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None
    ) -> int:
        """The lowest index of ``sub`` in ``text[start:end]``, or -1 (as ``str.find``)."""
        return self._seek(sub, start, end, forward=True)

    def rfind(
        self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None
    ) -> int:
        """The highest index of ``sub`` in ``text[start:end]``, or -1 (as ``str.rfind``)."""
        return self._seek(sub, start, end, forward=False)

    def _seek(
        self,
        sub: str,
        start: SupportsIndex | None,
        end: SupportsIndex | None,
        *,
        forward: bool,
    ) -> int:
        """``sub`` in ``text[start:end]``, a piece at a time through the kept pieces (what
        is sought is mostly near), first to last or last to first; each piece is searched
        with what of the next a match starting in it may run into."""
        s, e = self._bounds(start, end)
        if len(sub) > e - s:
            return -1
        if not sub:
            return s if forward else e
        pieces = range(s // PIECE_CHARS, -(-e // PIECE_CHARS))
        for k in pieces if forward else reversed(pieces):
            base = k * PIECE_CHARS
            lo, hi = max(s, base), min(e, base + PIECE_CHARS + len(sub) - 1)
            piece = self._piece(k)
            if hi > base + len(piece):  # the match may run on into the next piece
                text, at, a, b = self._slice(lo, hi), lo, 0, hi - lo
            else:
                text, at, a, b = piece, base, lo - base, hi - base
            found = text.find(sub, a, b) if forward else text.rfind(sub, a, b)
            if found >= 0:
                return at + found
        return -1

    def startswith(self, prefix: str, start: SupportsIndex | None = None) -> bool:
        """Whether ``text[start:]`` begins with ``prefix`` (as ``str.startswith``)."""
        s, _ = self._bounds(start, None)
        return s <= self._length and self._slice(s, s + len(prefix)) == prefix


BookText = str | FileText
"""A story's text: a string, or a big book's text kept in a file."""


def windows(
    text: BookText,
    start: int = 0,
    end: int | None = None,
    size: int | None = None,
    overlap: int = 0,
    lead: int = 0,
) -> Iterator[tuple[int, int, str]]:
    """``text[start:end]`` as (offset, cut, string) stretches in order.

    Each stretch is cut (at ``cut``) just after a newline, between two blocks of a story,
    once it holds ``size`` characters (:data:`WINDOW_CHARS` unless given), or at ``end``;
    a block longer than ``size`` is one stretch, and a short text is one stretch. The
    string runs ``overlap`` characters past the cut (never past ``end``), so that what
    begins before the cut is seen whole when it is that short; the next stretch begins at
    the cut. With ``lead``, it also begins ``min(lead, offset)`` characters before the
    offset (what comes before, for a look-behind).
    """
    size = WINDOW_CHARS if size is None else size
    n = len(text)
    end = n if end is None else min(max(end, 0), n)
    at = min(max(start, 0), end)
    while at < end:
        back = min(lead, at)
        if end - at <= size:
            yield at, end, text[at - back : end]
            return
        if isinstance(text, FileText):
            # One read for the stretch, the newline that ends it and the overlap: found
            # apart, the newline's piece is read and decoded a second time.
            stop = min(at + size + _SLACK + overlap, end)
            chunk = text[at - back : stop]
            found = chunk.find("\n", back + size)
            if found >= 0 and (found + 1 + overlap <= len(chunk) or stop == end):
                yield at, at - back + found + 1, chunk[: found + 1 + overlap]
                at += found + 1 - back
                continue
        found = text.find("\n", at + size, end)
        cut = end if found < 0 else found + 1
        yield at, cut, text[at - back : min(cut + overlap, end)]
        at = cut


_SLACK = 1 << 11
"""How far past a stretch's length :func:`windows` reads a :class:`FileText` at once, for
the newline that ends the stretch (a paragraph of prose is rarely longer)."""


class PieceWriter:
    """Writes a text given a stretch at a time to ``out`` as UTF-8 pieces for :class:`FileText`."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._pending: list[str] = []
        self._held = 0
        self.chars = 0
        self.offsets = array("q", [0])

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self.offsets[-1]

    def __call__(self, text: str) -> None:
        at = 0
        if self._held:  # first the piece begun before
            at = PIECE_CHARS - self._held
            self._pending.append(text[:at])
            self._held += len(self._pending[-1])
            if self._held < PIECE_CHARS:
                return
            self._write("".join(self._pending))
            self._pending, self._held = [], 0
        while len(text) - at >= PIECE_CHARS:
            self._write(text[at : at + PIECE_CHARS])
            at += PIECE_CHARS
        if at < len(text):
            self._pending, self._held = [text[at:]], len(text) - at

    def finish(self) -> None:
        """Write what is left (the last, shorter piece)."""
        if self._held:
            self._write("".join(self._pending))
        self._pending, self._held = [], 0

    def _write(self, piece: str) -> None:
        data = piece.encode("utf-8", "surrogatepass")
        self._out.write(data)
        self.offsets.append(self.offsets[-1] + len(data))
        self.chars += len(piece)
