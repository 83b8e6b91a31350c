"""The story model: what every loader produces and everything else reads.

A story's body is one string, ``Story.text``: the blocks' texts joined by newlines. A
*position* is a character offset into that string. It depends on nothing but the story, so
it survives resizes, setting changes and restarts. Blocks do not hold their own copy of the
text; they hold offsets into ``Story.text``, which keeps a large book close to its own size
in memory.

Invariants the loaders guarantee (and the tests check):

* ``Story.text`` holds no control character but ``\\n`` (see ``nightstand.text.sanitize``);
  inside a block there is no ``\\n`` at all.
* A spaced ellipsis is joined by no-break spaces (U+00A0) so that line breaking, which
  breaks only at ASCII spaces, can never split it.
"""

from __future__ import annotations

import bisect
import contextlib
import enum
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, overload

from nightstand.filetext import BookText, windows
from nightstand.words import count_words as _count_words

NBSP = "\u00a0"


class BlockKind(enum.Enum):
    """What a block is; layout draws each kind its own way."""

    PARAGRAPH = "paragraph"
    SCENE_BREAK = "scene_break"
    HEADING = "heading"
    END_MARK = "end_mark"


@dataclass(frozen=True, slots=True)
class Span:
    """A styled range of a block's text, in offsets relative to the block's start."""

    start: int
    end: int
    style: str = "emphasis"


@dataclass(frozen=True, slots=True)
class Block:
    """One block of the body: its kind and where its text lies in ``Story.text``."""

    kind: BlockKind
    start: int
    end: int
    spans: tuple[Span, ...] = ()
    indent: int = 0
    """Extra left indent in cells, for block quotes and list items."""


_KINDS = tuple(BlockKind)
_CODE = {kind: i for i, kind in enumerate(_KINDS)}


class Blocks(Sequence[Block]):
    """A story's blocks, kept as columns: a :class:`Block` is made when one is asked for.

    A big book has a block per paragraph or line (the Mahabharata: 160,000). As objects
    they cost about 130 bytes each; as columns (a byte for the kind, machine integers for
    the offsets and the indent, spans only for the blocks that have some) about 25.
    Equal to any sequence of the same blocks, a tuple included.
    """

    __slots__ = ("_ends", "_indents", "_kinds", "_spans", "_starts")

    def __init__(
        self,
        kinds: bytes,
        starts: array[int],
        ends: array[int],
        indents: array[int],
        spans: dict[int, tuple[Span, ...]],
    ) -> None:
        """Columns of equal length; ``spans`` by block index. ValueError when they are not."""
        count = len(kinds)
        if not len(starts) == len(ends) == len(indents) == count:
            raise ValueError("the blocks' columns differ in length")
        if kinds and max(kinds) >= len(_KINDS):
            raise ValueError("a block has an unknown kind")
        if any(not 0 <= i < count for i in spans):
            raise ValueError("spans of a block that is not there")
        self._kinds, self._starts, self._ends = kinds, starts, ends
        self._indents, self._spans = indents, spans

    @classmethod
    def of(cls, blocks: Iterable[Block]) -> Blocks:
        """The columns of ``blocks``."""
        if isinstance(blocks, Blocks):
            return blocks
        blocks = tuple(blocks)
        return cls(
            bytes([_CODE[b.kind] for b in blocks]),
            array("q", [b.start for b in blocks]),
            array("q", [b.end for b in blocks]),
            array("q", [b.indent for b in blocks]),
            {i: b.spans for i, b in enumerate(blocks) if b.spans},
        )

    @property
    def starts(self) -> array[int]:
        """Where each block begins in ``Story.text`` (shared: do not change it)."""
        return self._starts

    def columns(self) -> tuple[bytes, array[int], array[int], array[int], dict[int, Any]]:
        """(kinds as codes, starts, ends, indents, spans by index), as held."""
        return self._kinds, self._starts, self._ends, self._indents, self._spans

    @staticmethod
    def code(kind: BlockKind) -> int:
        """How ``kind`` is written in the kinds column of :meth:`columns`."""
        return _CODE[kind]

    def kind_at(self, i: int) -> BlockKind:
        """The kind of block ``i`` (no Block made)."""
        return _KINDS[self._kinds[i]]

    def __len__(self) -> int:
        return len(self._kinds)

    @overload
    def __getitem__(self, i: int) -> Block: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Block, ...]: ...
    def __getitem__(self, i: int | slice) -> Block | tuple[Block, ...]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        if i < 0:
            i += len(self._kinds)
            if i < 0:
                raise IndexError("block index out of range")
        spans = self._spans
        return Block(
            _KINDS[self._kinds[i]],  # IndexError past the end
            self._starts[i],
            self._ends[i],
            spans.get(i, ()) if spans else (),
            self._indents[i],
        )

    def __iter__(self) -> Iterator[Block]:
        spans = self._spans
        kinds = map(_KINDS.__getitem__, self._kinds)
        every = map(spans.get, range(len(self._kinds)), repeat(())) if spans else repeat(())
        return map(Block, kinds, self._starts, self._ends, every, self._indents)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Blocks):
            return self.columns() == other.columns()
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._kinds, self._starts.tobytes(), self._ends.tobytes()))

    def __repr__(self) -> str:
        return f"Blocks({list(self)!r})"


@dataclass(frozen=True, slots=True)
class Header:
    """A ``Key: value`` line of a story's header block, spelling kept as written."""

    key: str
    value: str
    spoiler: bool = False
    canonical: str = ""
    """The key's normalised name (``"author"`` for ``By``), or the lowercased key if unknown."""


@dataclass(frozen=True, slots=True)
class Chapter:
    """A chapter: its title as written and the offset of its heading in ``Story.text``."""

    title: str
    offset: int
    block: int
    """Index of the heading block in ``Story.blocks``."""


@dataclass(frozen=True, slots=True)
class Story:
    """A loaded story. Build one with :class:`StoryBuilder`."""

    title: str
    author: str | None
    headers: tuple[Header, ...]
    blocks: Blocks
    """The blocks in reading order; any sequence of blocks given is kept as :class:`Blocks`."""
    chapters: tuple[Chapter, ...]
    text: BookText
    """The body: a string, or a big book's text kept in a file (see ``filetext``)."""
    format: str = "text"
    encoding: str = "utf-8"
    warnings: tuple[str, ...] = ()
    parts: tuple[int, ...] = ()
    """Where each part of the file (an EPUB's spine document) begins in ``text``, in order;
    each starts a section. Empty for a story not read in parts (see ``formats.parts``)."""
    _starts: array[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        blocks: Sequence[Block] = self.blocks
        if not isinstance(blocks, Blocks):
            object.__setattr__(self, "blocks", Blocks.of(blocks))
        # Derived from the blocks, so whoever builds or rebuilds a Story never passes it.
        object.__setattr__(self, "_starts", self.blocks.starts)

    @property
    def spoiler_keys(self) -> tuple[str, ...]:
        """The keys of the headers that carry spoilers, in header order."""
        return tuple(h.key for h in self.headers if h.spoiler)

    @property
    def has_end_mark(self) -> bool:
        """Whether the story closes with an END-style mark."""
        return bool(self.blocks) and self.blocks.kind_at(-1) is BlockKind.END_MARK

    @property
    def scene_breaks(self) -> int:
        """How many scene breaks the body has."""
        code = _CODE[BlockKind.SCENE_BREAK]
        return self.blocks.columns()[0].count(code)

    def block_text(self, block: Block) -> str:
        """The text of one block."""
        return self.text[block.start : block.end]

    def block_index_at(self, position: int) -> int:
        """Index of the block holding ``position`` (or the nearest one before it)."""
        if not self.blocks:
            return 0
        i = bisect.bisect_right(self._starts, position) - 1
        return min(max(i, 0), len(self.blocks) - 1)

    def chapter_index_at(self, position: int) -> int:
        """Index of the chapter holding ``position``, or -1 before the first chapter."""
        offsets = [c.offset for c in self.chapters]
        return bisect.bisect_right(offsets, position) - 1

    def part_at(self, position: int) -> tuple[int, int]:
        """(part, offset inside it) of ``position``; an empty part shares its start with the
        next, and the place is in the last of them. (0, position) without parts."""
        i = bisect.bisect_right(self.parts, position) - 1
        return (0, position) if i < 0 else (i, position - self.parts[i])

    def words(self) -> int:
        """The number of words in the body (tokens with a letter or digit)."""
        return sum(count_words(stretch) for _, _, stretch in windows(self.text))

    def header(self, canonical: str) -> Header | None:
        """The first header with the given normalised key, if any."""
        for h in self.headers:
            if h.canonical == canonical:
                return h
        return None


def count_words(text: str) -> int:
    """Count words: whitespace-separated tokens holding at least one letter or digit.

    Counted in C, without splitting the text into strings (see :mod:`nightstand.words`).
    """
    return _count_words(text)


_JOIN_EVERY = 4096
"""Parts the builder holds before it joins them into one (see StoryBuilder._add)."""
_SPOOL_EVERY = 256
"""Parts a builder inside :func:`spooled_text` holds before it hands them on: it keeps
nothing of them, so the fewer it holds the less it holds at once."""


class _Spool:
    """Where :func:`spooled_text` sends the text, and whether a builder has taken it."""

    __slots__ = ("taken", "write")

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.taken = False


_SPOOL: ContextVar[_Spool | None] = ContextVar("nightstand_spool", default=None)


class LoadStopped(Exception):
    """A story's building was stopped (see :func:`stoppable`): nobody wants it any more."""


_STOP: ContextVar[Callable[[], bool] | None] = ContextVar("nightstand_stop", default=None)
"""Whether the building under :func:`stoppable` should stop."""


@contextlib.contextmanager
def stoppable(is_set: Callable[[], bool]) -> Iterator[None]:
    """Within this block, a :class:`StoryBuilder` raises :class:`LoadStopped` once
    ``is_set()`` is true, a few hundred blocks at most after it turns so: the book being
    read on a thread (``Preload.rest``) is dropped when the reader closes it, not read to
    its end beside the next one."""
    token = _STOP.set(is_set)
    try:
        yield
    finally:
        _STOP.reset(token)


@contextlib.contextmanager
def spooled_text(write: Callable[[str], None]) -> Iterator[_Spool]:
    """Within this block, the :class:`StoryBuilder` hands its text to ``write``, in pieces
    and in order, as it goes, and the :class:`Story` it builds has an empty text.

    For a process that only passes a book on (the preload child): it never holds the
    text it builds, nor the pieces of it and their join side by side. One story is built
    in the block: a second builder raises RuntimeError (its text would follow the
    first's), and so a loader must decide everything it needs the text for before it
    builds (see ``formats.markdown``). A scratch builder (a fragment's paragraphs, not a
    story) is not one: it never takes the spool. What the block yields says, afterwards,
    whether a builder took it (``taken``).
    """
    spool = _Spool(write)
    token = _SPOOL.set(spool)
    try:
        yield spool
    finally:
        _SPOOL.reset(token)


class StoryBuilder:
    """Collects blocks in reading order and builds the immutable :class:`Story`.

    Loaders call :meth:`paragraph`, :meth:`scene_break`, :meth:`heading` and
    :meth:`end_mark` in order; the builder computes offsets, the body text and the chapters.
    """

    def __init__(self, *, scratch: bool = False) -> None:
        """``scratch``: what is built is not a story (a fragment's paragraphs, say), so
        the builder keeps its text even inside :func:`spooled_text`."""
        self._parts: list[str] = []
        self._chunks: list[str] = []
        # The blocks as columns (see Blocks), never as objects: a big book has 100,000s.
        self._kinds = bytearray()
        self._starts = array("q")
        self._ends = array("q")
        self._indents = array("q")
        self._spans: dict[int, tuple[Span, ...]] = {}
        self._chapters: list[Chapter] = []
        self._length = 0
        self._part_starts: list[int] = []
        self._part_pending = 0
        self._spool: Callable[[str], None] | None = None
        self._stop = None if scratch else _STOP.get()
        spool = None if scratch else _SPOOL.get()
        if spool is not None:
            if spool.taken:
                raise RuntimeError("a second story built inside spooled_text")
            spool.taken, self._spool = True, spool.write

    def part(self) -> None:
        """The next block begins a new part of the file (see ``Story.parts``)."""
        self._part_pending += 1

    @property
    def chars(self) -> int:
        """The length of the text added so far."""
        return self._length

    def _last_is(self, kind: BlockKind) -> bool:
        return bool(self._kinds) and self._kinds[-1] == _CODE[kind]

    def _add(self, kind: BlockKind, text: str, spans: tuple[Span, ...], indent: int) -> int:
        if self._kinds:
            self._parts.append("\n")
            self._length += 1
        start = self._length
        if self._part_pending:
            self._part_starts.extend([start] * self._part_pending)
            self._part_pending = 0
        self._parts.append(text)
        self._length += len(text)
        if len(self._parts) >= (_JOIN_EVERY if self._spool is None else _SPOOL_EVERY):
            if self._stop is not None and self._stop():
                raise LoadStopped
            # A big book's many small strings cost more than their text: join them in
            # chunks as they come, all but the last block (which _drop_last may remove).
            chunk = "".join(self._parts[:-2])
            del self._parts[:-2]
            if self._spool is None:
                self._chunks.append(chunk)
            else:
                self._spool(chunk)
        if spans:
            self._spans[len(self._kinds)] = spans
        self._kinds.append(_CODE[kind])
        self._starts.append(start)
        self._ends.append(self._length)
        self._indents.append(indent)
        return start

    def paragraph(self, text: str, spans: tuple[Span, ...] = (), indent: int = 0) -> None:
        """Add a paragraph; ``text`` holds no newline, ``spans`` are relative to it."""
        if text:
            self._add(BlockKind.PARAGRAPH, text, spans, indent)

    def scene_break(self) -> None:
        """Add a scene break, unless the body is empty or already ends with one."""
        if self._kinds and not self._last_is(BlockKind.SCENE_BREAK):
            self._add(BlockKind.SCENE_BREAK, "", (), 0)

    def heading(self, title: str) -> None:
        """Add a chapter heading; it starts a chapter."""
        if self._last_is(BlockKind.SCENE_BREAK):
            # A separator just before a chapter heading is redundant: the heading breaks.
            self._drop_last()
        start = self._add(BlockKind.HEADING, title, (), 0)
        self._chapters.append(Chapter(title, start, len(self._kinds) - 1))

    def end_mark(self, text: str) -> None:
        """Add the closing END-style mark."""
        if self._last_is(BlockKind.SCENE_BREAK):
            self._drop_last()
        self._add(BlockKind.END_MARK, text, (), 0)

    def _drop_last(self) -> None:
        self._kinds.pop()
        self._spans.pop(len(self._kinds), None)
        start = self._starts.pop()
        self._ends.pop()
        self._indents.pop()
        # The block's text, and the newline before it when it was not the first block.
        del self._parts[-2 if self._kinds else -1 :]
        self._length = max(start - 1, 0)

    def build(
        self,
        *,
        title: str,
        author: str | None = None,
        headers: tuple[Header, ...] = (),
        format: str = "text",
        encoding: str = "utf-8",
        warnings: tuple[str, ...] = (),
    ) -> Story:
        """Freeze what was added into a :class:`Story`."""
        while self._last_is(BlockKind.SCENE_BREAK):
            self._drop_last()
        # Parts with no block of their own begin where the text ends (or the next part).
        parts = [min(p, self._length) for p in self._part_starts]
        parts += [self._length] * self._part_pending
        text = "".join([*self._chunks, *self._parts])
        self._chunks, self._parts = [], []
        if self._spool is not None:
            self._spool(text)
            text = ""
        return Story(
            title=title,
            author=author,
            headers=headers,
            blocks=Blocks(bytes(self._kinds), self._starts, self._ends, self._indents, self._spans),
            chapters=tuple(self._chapters),
            text=text,
            format=format,
            encoding=encoding,
            warnings=warnings,
            parts=tuple(parts),
        )
