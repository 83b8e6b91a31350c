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
import enum
from array import array
from dataclasses import dataclass, field

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
    blocks: tuple[Block, ...]
    chapters: tuple[Chapter, ...]
    text: str
    format: str = "text"
    encoding: str = "utf-8"
    warnings: tuple[str, ...] = ()
    _starts: array[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Derived from the blocks, so whoever builds or rebuilds a Story never passes it.
        object.__setattr__(self, "_starts", array("q", (b.start for b in self.blocks)))

    @property
    def spoiler_keys(self) -> tuple[str, ...]:
        """The keys of the headers that carry spoilers, in header order."""
        return tuple(h.key for h in self.headers if h.spoiler)

    @property
    def has_end_mark(self) -> bool:
        """Whether the story closes with an END-style mark."""
        return bool(self.blocks) and self.blocks[-1].kind is BlockKind.END_MARK

    @property
    def scene_breaks(self) -> int:
        """How many scene breaks the body has."""
        return sum(1 for b in self.blocks if b.kind is BlockKind.SCENE_BREAK)

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

    def words(self) -> int:
        """The number of words in the body (tokens with a letter or digit)."""
        return count_words(self.text)

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


class StoryBuilder:
    """Collects blocks in reading order and builds the immutable :class:`Story`.

    Loaders call :meth:`paragraph`, :meth:`scene_break`, :meth:`heading` and
    :meth:`end_mark` in order; the builder computes offsets, the body text and the chapters.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._chunks: list[str] = []
        self._blocks: list[Block] = []
        self._chapters: list[Chapter] = []
        self._length = 0

    def _add(self, kind: BlockKind, text: str, spans: tuple[Span, ...], indent: int) -> Block:
        if self._blocks:
            self._parts.append("\n")
            self._length += 1
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        if len(self._parts) >= _JOIN_EVERY:
            # A big book's many small strings cost more than their text: join them in
            # chunks as they come, all but the last block (which _drop_last may remove).
            self._chunks.append("".join(self._parts[:-2]))
            del self._parts[:-2]
        block = Block(kind, start, self._length, spans, indent)
        self._blocks.append(block)
        return block

    def paragraph(self, text: str, spans: tuple[Span, ...] = (), indent: int = 0) -> None:
        """Add a paragraph; ``text`` holds no newline, ``spans`` are relative to it."""
        if text:
            self._add(BlockKind.PARAGRAPH, text, spans, indent)

    def scene_break(self) -> None:
        """Add a scene break, unless the body is empty or already ends with one."""
        if self._blocks and self._blocks[-1].kind is not BlockKind.SCENE_BREAK:
            self._add(BlockKind.SCENE_BREAK, "", (), 0)

    def heading(self, title: str) -> None:
        """Add a chapter heading; it starts a chapter."""
        if self._blocks and self._blocks[-1].kind is BlockKind.SCENE_BREAK:
            # A separator just before a chapter heading is redundant: the heading breaks.
            self._drop_last()
        block = self._add(BlockKind.HEADING, title, (), 0)
        self._chapters.append(Chapter(title, block.start, len(self._blocks) - 1))

    def end_mark(self, text: str) -> None:
        """Add the closing END-style mark."""
        if self._blocks and self._blocks[-1].kind is BlockKind.SCENE_BREAK:
            self._drop_last()
        self._add(BlockKind.END_MARK, text, (), 0)

    def _drop_last(self) -> None:
        block = self._blocks.pop()
        # The block's text, and the newline before it when it was not the first block.
        del self._parts[-2 if self._blocks else -1 :]
        self._length = max(block.start - 1, 0)

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
        while self._blocks and self._blocks[-1].kind is BlockKind.SCENE_BREAK:
            self._drop_last()
        return Story(
            title=title,
            author=author,
            headers=headers,
            blocks=tuple(self._blocks),
            chapters=tuple(self._chapters),
            text="".join([*self._chunks, *self._parts]),
            format=format,
            encoding=encoding,
            warnings=warnings,
        )
