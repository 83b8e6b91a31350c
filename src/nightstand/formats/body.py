"""A story's blocks in reading order, collected by the markup loaders and frozen into a Story."""

from __future__ import annotations

from typing import TypeAlias

from nightstand.formats.plaintext import is_end_mark
from nightstand.story import BlockKind, Header, Span, Story, StoryBuilder

_Op: TypeAlias = tuple[BlockKind | None, str, tuple[Span, ...], int, bool]
"""A block waiting: kind, text, spans, indent, and whether it is a note (plain: cheapest).
A kind of None is no block: the next block begins a new part of the file (:meth:`Body.part`)."""

_PART: _Op = (None, "", (), 0, False)


class Body:
    """The blocks of a story in reading order, before they are frozen into a Story.

    The end mark can only be recognised once the last paragraph of the story text is known,
    and that may be followed by notes. So only the tail of the story waits here: the last
    block that is neither a note nor a scene break, and whatever notes and breaks follow
    it. Every block before that goes straight into the :class:`StoryBuilder`, in order, so
    a big book is never held twice (once as blocks waiting, once as the story's text).
    ``record`` also keeps every paragraph's text, for :attr:`paragraphs`: such a body is
    for a fragment's paragraphs, not a story, and its builder is a scratch one (it never
    takes a spool, see ``story.spooled_text``).

    Where a part of the file (an EPUB's spine document) begins is marked in the same stream
    (:meth:`part`), so it lands between the right blocks however long the tail waits.
    """

    __slots__ = ("_builder", "_tail", "blocks", "chars", "has_prose", "has_text", "paragraphs")

    def __init__(self, *, record: bool = False) -> None:
        self._builder = StoryBuilder(scratch=record)
        self._tail: list[_Op] = []
        self.blocks = 0
        """How many blocks have been added."""
        self.chars = 0
        """How many characters of paragraphs and headings have been added, notes included."""
        self.has_prose = False
        """Whether any story paragraph or chapter has been added yet."""
        self.has_text = False
        """Whether any paragraph has been added (headings alone are no text to read)."""
        self.paragraphs: list[str] | None = [] if record else None
        """With ``record``, the text of every paragraph added, notes included."""

    def _add(self, op: _Op) -> None:
        self.blocks += 1
        if op[0] is BlockKind.SCENE_BREAK:
            self._tail.append(op)
            return
        self.has_prose = True
        if op[4]:
            self._tail.append(op)
            return
        self._replay(self._tail)
        self._tail = [op]

    def _replay(self, ops: list[_Op]) -> None:
        builder = self._builder
        for kind, text, spans, indent, _ in ops:
            if kind is BlockKind.PARAGRAPH:
                builder.paragraph(text, spans, indent)
            elif kind is BlockKind.SCENE_BREAK:
                builder.scene_break()
            elif kind is None:
                builder.part()
            else:
                builder.heading(text)

    def paragraph(
        self, text: str, spans: tuple[Span, ...] = (), indent: int = 0, *, note: bool = False
    ) -> None:
        """Add a paragraph; ``note`` marks an author's note rather than story text."""
        if text:
            self.has_text = True
            self.chars += len(text)
            if self.paragraphs is not None:
                self.paragraphs.append(text)
            tail = self._tail
            if note or len(tail) != 1 or tail[0][0] is not BlockKind.PARAGRAPH:
                self._add((BlockKind.PARAGRAPH, text, spans, indent, note))
                return
            # The common case, story text after story text: what _add does, done quicker.
            self.blocks += 1
            self._tail = [(BlockKind.PARAGRAPH, text, spans, indent, False)]
            _, last_text, last_spans, last_indent, _ = tail[0]
            self._builder.paragraph(last_text, last_spans, last_indent)

    def scene_break(self, *, note: bool = False) -> None:
        """Add a scene break."""
        self._add((BlockKind.SCENE_BREAK, "", (), 0, note))

    def heading(self, title: str) -> None:
        """Add a chapter heading."""
        if title:
            self.chars += len(title)
            self._add((BlockKind.HEADING, title, (), 0, False))

    def part(self) -> None:
        """The next block begins a new part of the file (see ``Story.parts``)."""
        self._tail.append(_PART)

    def story(
        self,
        *,
        title: str,
        author: str | None,
        headers: tuple[Header, ...],
        format: str,
        encoding: str,
        warnings: tuple[str, ...],
    ) -> Story:
        """Freeze the blocks into a Story; a closing END/THE END/Fin becomes the end mark."""
        tail, self._tail = self._tail, []
        if tail and _is_end_mark(tail[0]):
            self._builder.end_mark(tail[0][1])
            tail = tail[1:]
        self._replay(tail)
        return self._builder.build(
            title=title,
            author=author,
            headers=headers,
            format=format,
            encoding=encoding,
            warnings=warnings,
        )


def _is_end_mark(op: _Op) -> bool:
    """Whether the last story block, followed only by notes, closes the story."""
    kind, text, _, indent, note = op
    return kind is BlockKind.PARAGRAPH and not note and indent == 0 and is_end_mark(text)
