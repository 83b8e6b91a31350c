"""Reading a book in parts: the part holding the reader's place first, the whole book later.

An EPUB's parts are its spine documents; a plain-text story's are its chapters (and the
text before the first). Every loader run of those formats records where each part begins
in ``Story.text`` (``Story.parts``), and layout starts a section at each, so the pages of
a part depend on that part alone. :func:`read_partial` reads only the book's
opening (for its identity and title page) and the part asked for, through the same loader;
the reader shows it at once and swaps in the whole book when it is in, mapping its place
with :meth:`Partial.to_whole` (the part's start in the whole book plus the offset inside).

Other formats (Markdown, HTML) are read whole: :func:`read_partial` returns None for them.
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nightstand.errors import StoryError

if TYPE_CHECKING:
    from pathlib import Path

    from nightstand.story import Story

CHECK_CHARS = 64
"""How much text must read the same at a place mapped into the whole book."""
MIN_BYTES = 1 << 20
"""A book smaller than this (1 MiB) is read whole at once: it takes no time anyway."""


@dataclass(frozen=True, slots=True)
class Partial:
    """Part of a book: its story, which parts it holds, and how many the book has."""

    story: Story
    numbers: tuple[int, ...]
    """The part numbers read, in order; ``story.parts`` holds where each begins."""
    total: int

    def offset_of(self, number: int, inside: int) -> int | None:
        """The offset in ``story`` of ``inside`` characters into part ``number``, if read."""
        if number not in self.numbers:
            return None
        i = self.numbers.index(number)
        start = self.story.parts[i]
        end = self.story.parts[i + 1] if i + 1 < len(self.numbers) else len(self.story.text)
        return start + inside if 0 <= inside <= end - start else None

    def place(self, offset: int) -> tuple[int, int]:
        """(part number, offset inside it) of an offset of ``story``."""
        return place_in(self.story.parts, offset, self.numbers)

    def window(self, offset: int) -> tuple[int, int]:
        """(start, end) of the run of consecutive parts around ``offset``: the pages that
        can be turned to before the whole book is in."""
        parts, numbers = self.story.parts, self.numbers
        i = max(bisect.bisect_right(parts, offset) - 1, 0)
        lo = i
        while lo > 0 and numbers[lo - 1] == numbers[lo] - 1:
            lo -= 1
        hi = i
        while hi + 1 < len(numbers) and numbers[hi + 1] == numbers[hi] + 1:
            hi += 1
        end = parts[hi + 1] if hi + 1 < len(parts) else len(self.story.text)
        return parts[lo], end

    def to_whole(self, whole: Story, offset: int) -> int | None:
        """The offset in ``whole`` of ``offset`` in ``story``; None if the text differs there."""
        number, inside = self.place(offset)
        if number >= len(whole.parts):
            return None
        mapped = whole.parts[number] + inside
        quote = self.story.text[offset : offset + CHECK_CHARS]
        return mapped if whole.text.startswith(quote, mapped) else None


def place_in(parts: tuple[int, ...], offset: int, numbers: tuple[int, ...] = ()) -> tuple[int, int]:
    """(part number, offset inside it) of ``offset``, given where parts begin; with
    ``numbers``, the part numbers of those beginnings (else 0, 1, 2 …)."""
    i = bisect.bisect_right(parts, offset) - 1
    if i < 0:
        return 0, offset
    # Empty parts share their start with the next: the place is in the last of them.
    return (numbers[i] if numbers else i), offset - parts[i]


def read_partial(path: Path, want: int, *, typography: str = "smart") -> Partial | None:
    """Part ``want`` of the book at ``path`` and its opening; None: read it whole instead.

    None for a small book, a format not read in parts, or anything at all going wrong
    (the whole-book load then reports the error as it always has).
    """
    from nightstand.formats import epub_file, read_bytes, sniff, title_from_file_name
    from nightstand.formats.textstream import read_stream

    name = title_from_file_name(path)
    try:
        epub = epub_file(path)
        if epub is not None:  # read from the file: the zip is not held in memory
            from nightstand.formats.epub import read_epub

            with epub:
                if os.fstat(epub.fileno()).st_size < MIN_BYTES:
                    return None
                story, numbers, total = read_epub(epub, name=name, want=want)
        elif (
            streamed := read_stream(path, name=name, want=want, typography=typography)
        ) is not None:
            story, numbers, total = streamed  # a big text file, a stretch at a time
        else:
            data = read_bytes(path)
            fmt = sniff(data, path.suffix.lower())
            if len(data) < MIN_BYTES or fmt not in ("epub", "text"):
                return None
            if fmt == "epub":
                from nightstand.formats.epub import read_epub

                story, numbers, total = read_epub(data, name=name, want=want)
            else:
                story, numbers, total = _read_text(data, name, want, typography)
    except (StoryError, RecursionError, MemoryError):
        return None
    if want not in numbers or numbers == tuple(range(total)):
        return None  # the part is not in the book (it changed), or it was all read anyway
    return Partial(story, numbers, total)


def _read_text(
    data: bytes, name: str, want: int | None, typography: str
) -> tuple[Story, tuple[int, ...], int]:
    """Plain text's opening and part ``want`` (None: all of it), decoded and checked as
    ``load`` does."""
    from nightstand.formats.decode import check_not_binary, decode
    from nightstand.formats.plaintext import read_plaintext_parts

    check_not_binary(data)
    decoded = decode(data)
    return read_plaintext_parts(
        decoded.text,
        name=name,
        want=want,
        encoding=decoded.encoding,
        warnings=(decoded.warning,) if decoded.warning else (),
        typography=typography,
    )
