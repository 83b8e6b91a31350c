"""What a library lists of a story file, without building the whole story when it can.

A library row needs a story's title, author, format, word count and chapter count, and the
start of its text for the content identity. A plain-text file read as written gives all of
it from its lines: the header block, the separators and headings found as the loader finds
them, and the words counted on the lines as they are (folding white space and taking off
emphasis marks change no word). Only the opening is typeset, as the loader does it, up to
a blank line past enough text. Every other file is loaded in full.

This module is what a library worker process imports, so it stays light: formats only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from nightstand.errors import NightstandError, StoryError
from nightstand.formats import load_bytes, read_bytes, sniff, title_from_file_name
from nightstand.formats.decode import check_not_binary, decode
from nightstand.formats.plaintext import find_end, read_body, read_head, scan_body
from nightstand.story import StoryBuilder
from nightstand.text import sanitize
from nightstand.words import count_words

if TYPE_CHECKING:
    from nightstand.story import Story

OPENING_TEXT = 4096
"""How much of ``Story.text`` the content identity reads (``state.identity``)."""
OPENING_WORDS = 1024
"""How much of that it keeps, white space collapsed: a summary's opening needs no more."""

_AS_WRITTEN = frozenset({".txt", ".text"})


class Summary(NamedTuple):
    """What the library keeps of one story."""

    title: str
    author: str | None
    format: str
    words: int
    chapters: int
    opening: str
    """The start of ``Story.text`` (up to its closing END mark, at most OPENING_TEXT long):
    all of it, or enough of it for OPENING_WORDS characters with white space collapsed.

    That is all the content identity reads: collapsing white space keeps a prefix a prefix,
    and folding smart punctuation back never shortens it.
    """


Outcome = tuple[str, int, int, Summary | str]
"""A file's (path, size, mtime_ns) and its summary, or why it is no story."""


def summarize_file(path: str, size: int, mtime_ns: int) -> Outcome:
    """The summary of the file at ``path`` as the library reads it, or the error.

    Plain text is read as written: smart punctuation changes neither its title, author and
    words nor its identity (which folds it back). Other formats are read as the reader
    reads them.
    """
    typography = "as-written" if Path(path).suffix.lower() in _AS_WRITTEN else "smart"
    try:
        return path, size, mtime_ns, summarize(Path(path), typography)
    except NightstandError as exc:
        return path, size, mtime_ns, str(exc)


def summarize(path: Path, typography: str) -> Summary:
    """What :func:`nightstand.formats.load` with ``typography`` gives, summarised."""
    data = read_bytes(path)
    name = title_from_file_name(path)
    suffix = path.suffix.lower()
    if typography == "as-written" and sniff(data, suffix) == "text":
        # As load_bytes reads plain text.
        try:
            check_not_binary(data)
        except StoryError as exc:
            raise StoryError(f"{path}: {exc}") from None
        return summarize_plaintext(decode(data).text, name=name)
    story = load_bytes(data, name=name, suffix=suffix, label=str(path), typography=typography)
    return of_story(story)


def of_story(story: Story) -> Summary:
    """The summary of a loaded story."""
    limit = story.blocks[-1].start if story.has_end_mark else len(story.text)
    return Summary(
        story.title,
        story.author,
        story.format,
        story.words(),
        len(story.chapters),
        story.text[: min(limit, OPENING_TEXT)],
    )


def summarize_plaintext(text: str, *, name: str) -> Summary:
    """What ``of_story(parse_plaintext(text, name=name))`` gives, without building the story."""
    text = sanitize(text)
    lines = text.split("\n")
    head = read_head(lines)
    start = head.body_start
    end_line = find_end(lines, start)
    stop = end_line if end_line is not None else len(lines)
    # Every word of the text is a word of the story but for the header lines, the lines
    # after END (blank or separators) and the separators, which the loader drops.
    words = count_words(text) - count_words("\n".join(lines[:start]))
    if end_line is not None:
        words -= count_words("\n".join(lines[end_line + 1 :]))
    headings, separators = scan_body(lines, start, stop)
    words -= sum(count_words(lines[i]) for i in separators)
    chapters = len(headings)
    return Summary(
        head.title or name,
        head.author,
        "text",
        words,
        chapters,
        _opening(lines, start, stop, closed=end_line is not None),
    )


def _opening(lines: list[str], start: int, stop: int, *, closed: bool) -> str:
    """The start of the story's text, typeset from as few lines as it takes.

    The lines are cut at a blank line, where the loader has nothing pending, so the blocks
    before it are the story's own; only a scene break at the cut may still go.
    """
    want = OPENING_WORDS + OPENING_WORDS // 4  # Typesetting takes little of plain text away.
    while True:
        cut, chars = start, 0
        while cut < stop and (chars < want or lines[cut].strip()):
            chars += len(lines[cut]) + 1
            cut += 1
        builder = StoryBuilder()
        read_body(lines, start, cut, builder, smart=False)
        text = builder.build(title="").text[:]  # built here, outside any spool: a str
        if cut >= stop:
            # The whole body: a closing END starts one newline after it.
            return (text + "\n" if closed and text else text)[:OPENING_TEXT]
        text = text[:OPENING_TEXT]
        if len(text) == OPENING_TEXT or len(" ".join(text.split())) >= OPENING_WORDS:
            return text
        want *= 2
