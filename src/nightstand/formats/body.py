"""A story's blocks in reading order, collected by the markup loaders and frozen into a Story."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nightstand.formats.plaintext import is_end_mark
from nightstand.story import BlockKind, Header, Span, Story, StoryBuilder

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(slots=True)
class _Op:
    kind: BlockKind
    text: str = ""
    spans: tuple[Span, ...] = ()
    indent: int = 0
    note: bool = False


@dataclass(slots=True)
class Body:
    """The blocks of a story in reading order, before they are frozen into a Story.

    Blocks wait here rather than going straight into a StoryBuilder because the end mark
    can only be recognised once the last paragraph of the story text is known, and that
    may be followed by notes.
    """

    ops: list[_Op] = field(default_factory=list)

    def paragraph(
        self, text: str, spans: tuple[Span, ...] = (), indent: int = 0, *, note: bool = False
    ) -> None:
        """Add a paragraph; ``note`` marks an author's note rather than story text."""
        if text:
            self.ops.append(_Op(BlockKind.PARAGRAPH, text, spans, indent, note))

    def scene_break(self, *, note: bool = False) -> None:
        """Add a scene break."""
        self.ops.append(_Op(BlockKind.SCENE_BREAK, note=note))

    def heading(self, title: str) -> None:
        """Add a chapter heading."""
        if title:
            self.ops.append(_Op(BlockKind.HEADING, title))

    @property
    def has_prose(self) -> bool:
        """Whether any story paragraph or chapter has been added yet."""
        return any(op.kind is not BlockKind.SCENE_BREAK for op in self.ops)

    @property
    def has_text(self) -> bool:
        """Whether any paragraph has been added (headings alone are no text to read)."""
        return any(op.kind is BlockKind.PARAGRAPH for op in self.ops)

    def story(
        self,
        *,
        title: str,
        author: str | None,
        headers: tuple[Header, ...],
        format: str,
        encoding: str,
        warnings: tuple[str, ...],
        parts: Sequence[int] = (),
    ) -> Story:
        """Freeze the blocks into a Story; a closing END/THE END/Fin becomes the end mark.

        ``parts`` are the numbers of ops (in order) at which a part of the file begins.
        """
        end = self._end_index()
        builder = StoryBuilder()
        marks = [*parts, -1]
        mark, m = marks[0], 0
        # Each op is let go once it is a block: a big book's ops are tens of MiB.
        ops, self.ops = self.ops, []
        ops.reverse()
        i = -1
        while ops:
            op = ops.pop()
            i += 1
            while i == mark:
                builder.part()
                m += 1
                mark = marks[m]
            if i == end:
                builder.end_mark(op.text)
            elif op.kind is BlockKind.PARAGRAPH:
                builder.paragraph(op.text, op.spans, op.indent)
            elif op.kind is BlockKind.SCENE_BREAK:
                builder.scene_break()
            else:
                builder.heading(op.text)
        for _ in marks[m:-1]:  # parts after the last op
            builder.part()
        return builder.build(
            title=title,
            author=author,
            headers=headers,
            format=format,
            encoding=encoding,
            warnings=warnings,
        )

    def _end_index(self) -> int:
        """Index of the last story paragraph when it is an end mark and only notes follow."""
        for i in range(len(self.ops) - 1, -1, -1):
            op = self.ops[i]
            if op.note or op.kind is BlockKind.SCENE_BREAK:
                continue
            if op.kind is BlockKind.PARAGRAPH and op.indent == 0 and is_end_mark(op.text):
                return i
            return -1
        return -1
