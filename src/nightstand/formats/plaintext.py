"""The plain-text story layout: a header block, separators, chapters, END, emphasis marks.

The layout is the one fan fiction has been passed around in for decades::

    Disclaimers: None of this is mine.

    Spoilers: Through season 7

    = = = = = = = = = = = =

    Prose, with -emphasis- and spaced . . . ellipses.

    END
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, NamedTuple

from nightstand.headers import canonical_key, is_known_key, make_header
from nightstand.story import NBSP, Header, Span, Story, StoryBuilder
from nightstand.text import sanitize
from nightstand.typography import smarten, tie_dashes

if TYPE_CHECKING:
    from collections.abc import Iterator

_KEY_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z'’/&. -]{0,40}?)\s*:(?:\s+(.*)|\s*)$")
_KEY_WORD = r"(?:[A-Z][\w'’/&.-]*|of|and|the|to|for|&)"
_UNKNOWN_KEY = re.compile(rf"^{_KEY_WORD}(?: {_KEY_WORD}){{0,3}}$")

_SEPARATOR_SYMBOLS = set("=*~#-_+.:•·°^<>|/\\`'\",;!%&@$")
_ORNAMENTS = set("⁂❦❧§※✦✧✶✻❖◆◇○●■□♦♥♣♠†‡")
_LETTER_SEPARATOR = re.compile(r"^(?:(?:oO)+o?|(?:Oo)+O?|(?:xX)+x?|(?:Xx)+X?)$")

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred"
)
_HEADING = re.compile(
    rf"^(?:(?:chapter|ch\.|part|book|volume|act)\s+"
    rf"(?:\d+|[ivxlcdm]+|(?:{_NUMBER_WORDS})(?:[- ](?:{_NUMBER_WORDS}))?)"
    r"|prologue|epilogue|interlude|afterword|foreword|preface|coda)"
    r"(?:\s*[:.\-–—]\s*\S.{0,100}|\s*\(.{1,60}\))?\s*$",
    re.IGNORECASE,
)
_END = re.compile(r"^[\s~*\-_=.(\[]*(?:the\s+)?(?:end|fin|finis)[\s~*\-_=.!)\]]*$", re.IGNORECASE)
_BYLINE = re.compile(r"^\s*by\s+(\S.{0,80})$", re.IGNORECASE)

# Emphasis marks. An opening mark follows the start or a non-word character and is followed
# by a letter or digit; a closing mark follows a non-space and is followed by a non-word
# character. The mark never occurs inside, so paths (/usr/bin/), hyphenated words
# (well-known) and interrupted speech ("You need to -") stay literal.
_EMPHASIS = re.compile(
    # Each alternative starts with its mark (the look-behind comes after it) so that the
    # regex engine can skip straight to the marks instead of trying every position.
    r"\*\*(?<![\w*]\*\*)(?=\w)(?P<strong>[^*\n]{1,300}?)(?<=[^\s*])\*\*(?![\w*])"
    r"|\*(?<![\w*]\*)(?=\w)(?P<star>[^*\n]{1,300}?)(?<=[^\s*])\*(?![\w*])"
    r"|-(?<![\w-]-)(?=\w)(?P<dash>[^-\n]{1,300}?)(?<=[\w.!?,;:'\"’”)])-(?![\w-])"
    r"|_(?<![\w_]_)(?=\w)(?P<under>[^_\n]{1,300}?)(?<=[^\s_])_(?![\w_])"
    r"|/(?<![\w/:<]/)(?=\w)(?P<slash>[^/\n]{1,300}?)(?<=[\w.!?,;'\"’”)])/(?![\w/])"
)
_ELLIPSIS = re.compile(r"\.(?: \.){2,}")
_TIED_ELLIPSIS = f".{NBSP}."
_SEPARATOR_LETTERS = frozenset("oOxX")


def is_separator(line: str) -> bool:
    """Whether a line is a scene separator: one repeated symbol group, spaces allowed."""
    first = line.lstrip()[:1]
    if first.isalnum() and first not in _SEPARATOR_LETTERS:
        return False  # the common case, prose, decided without copying the line
    if len(set("".join(line[:16].split()))) > 3:
        return False
    s = "".join(line.split())
    if not s or len(s) > 120:
        return False
    if len(s) == 1 or (len(set(s)) == 1 and s[0] in _ORNAMENTS):
        return s[0] in _ORNAMENTS
    if len(s) < 3:
        return False
    chars = set(s)
    if len(chars) > 3:
        return False
    if chars <= _SEPARATOR_SYMBOLS | _ORNAMENTS:
        return True
    letters = {c for c in chars if c.isalnum()}
    if letters <= set("oOxX") and chars - letters:
        return True
    return bool(_LETTER_SEPARATOR.match(s))


def is_heading(line: str) -> bool:
    """Whether a line standing alone is a chapter heading ("Chapter 3", "Prologue")."""
    return len(line) <= 120 and bool(_HEADING.match(line.strip()))


def is_end_mark(line: str) -> bool:
    """Whether a line is a closing mark: END, THE END, Fin, ~fin~."""
    return len(line) <= 40 and bool(_END.match(line))


def prose(text: str, *, smart: bool = False) -> tuple[str, tuple[Span, ...]]:
    """One paragraph's raw lines to display text: whitespace folded, marks to spans.

    Spaced ellipses are joined (and tied to the word before them) with no-break spaces so
    that no line break can fall inside one; so is a dash standing alone after a word.
    ``smart`` curls quotes and makes ``--`` and ``...`` an em dash and an ellipsis.
    """
    if not _is_folded(text):
        text = " ".join(text.split())
    spans: tuple[Span, ...] = ()
    # Four substring scans are ten times faster than one regex search for the same thing.
    if "-" in text or "*" in text or "_" in text or "/" in text:
        text, spans = _emphasis(text)
    if ". ." in text:
        text = _ELLIPSIS.sub(_tie, text)
        # The space before an ellipsis ties it to the word it follows; folding left no other
        # no-break space, so this finds exactly those.
        text = text.replace(" " + _TIED_ELLIPSIS, NBSP + _TIED_ELLIPSIS)
    text = tie_dashes(text)
    if smart:
        text, spans = _smarten(text, spans)
    return text, spans


def _smarten(text: str, spans: tuple[Span, ...]) -> tuple[str, tuple[Span, ...]]:
    """:func:`smarten` the text, keeping the emphasis spans on the same words."""
    smart = smarten(text)
    if not spans or len(smart) == len(text):
        return smart, spans
    # Only "--"/"---" (to a dash) and "..." (to an ellipsis) change length: walk both texts
    # side by side to carry every span edge over.
    where = [0] * (len(text) + 1)
    i = j = 0
    n = len(text)
    while i < n and j < len(smart):
        step = 1
        if smart[j] in "\u2014\u2013" and text[i] == "-":
            while i + step < n and text[i + step] == "-" and step < 3:
                step += 1
        elif smart[j] == "\u2026" and text.startswith("...", i):
            step = 3
        for k in range(step):
            where[i + k] = j
        i += step
        j += 1
    for k in range(i, n + 1):
        where[k] = len(smart)
    return smart, tuple(Span(where[s.start], where[s.end], s.style) for s in spans)


def _is_folded(text: str) -> bool:
    """Whether ``" ".join(text.split())`` would return ``text`` unchanged (a cheap test)."""
    return (
        text.isascii()
        and text.isprintable()
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
    )


def _tie(match: re.Match[str]) -> str:
    return match.group().replace(" ", NBSP)


def _emphasis(text: str) -> tuple[str, tuple[Span, ...]]:
    out: list[str] = []
    spans: list[Span] = []
    length = 0
    last = 0
    for m in _EMPHASIS.finditer(text):
        before = text[last : m.start()]
        out.append(before)
        length += len(before)
        group = m.lastgroup or "star"
        inner = m.group(group)
        style = "strong" if group == "strong" else "emphasis"
        spans.append(Span(length, length + len(inner), style))
        out.append(inner)
        length += len(inner)
        last = m.end()
    if not spans:
        return text, ()
    out.append(text[last:])
    return "".join(out), tuple(spans)


def _key_of(line: str, *, lenient: bool) -> tuple[str, str, str] | None:
    """(key as written, value, canonical key) when ``line`` is a header line."""
    m = _KEY_LINE.match(line)
    if not m or is_heading(line):
        # "Chapter One: The Road" has the shape of a header line but opens the body.
        return None
    key = " ".join(m.group(1).split()).rstrip(" .")
    value = (m.group(2) or "").strip()
    if is_known_key(key) or (lenient and value and _UNKNOWN_KEY.match(key)):
        return key, value, canonical_key(key)
    return None


def _groups(lines: list[str], start: int) -> Iterator[tuple[int, int]]:
    """Runs of non-blank lines from ``start`` on, as (first, past-last) indices, lazily.

    Callers look at the first few runs only; a book has tens of thousands.
    """
    i, n = start, len(lines)
    while i < n:
        while i < n and not lines[i].strip():
            i += 1
        if i >= n:
            break
        j = i
        while j < n and lines[j].strip():
            j += 1
        yield i, j
        i = j


def _header_block(lines: list[str]) -> tuple[list[Header], int]:
    """Parse the header block at the top; return the headers and the first body line."""
    found: list[tuple[str, list[str], str]] = []
    known = False
    end = 0
    closed_by_separator = False
    for first, past in itertools.islice(_groups(lines, 0), 400):
        if not _key_of(lines[first], lenient=True):
            break
        for i in range(first, past):
            line = lines[i]
            if is_separator(line):
                closed_by_separator = True
                end = i + 1
                break
            parsed = _key_of(line, lenient=True)
            if parsed:
                key, value, canonical = parsed
                known = known or is_known_key(key)
                found.append((key, [value] if value else [], canonical))
            else:
                found[-1][1].append(line.strip())
        else:
            end = past
            # A separator on its own after the header groups closes the block.
            nxt = list(itertools.islice(_groups(lines, past), 1))
            if nxt and nxt[0][1] - nxt[0][0] == 1 and is_separator(lines[nxt[0][0]]):
                closed_by_separator = True
                end = nxt[0][1]
            if closed_by_separator:
                break
            continue
        break
    if not found or not (known or closed_by_separator):
        return [], 0
    return [make_header(key, " ".join(parts)) for key, parts, _ in found], end


def _split_paragraphs(lines: list[str]) -> list[str]:
    """Split a run of non-blank lines into paragraphs.

    Most files put a blank line between paragraphs; some put one paragraph on each long
    line, and hard-wrapped files without blank lines mark a new paragraph by an indent or by
    a short line that ends a sentence.
    """
    if len(lines) <= 1:
        return list(lines)
    longest = max(len(line) for line in lines)
    if longest > 140:
        return lines
    paragraphs: list[list[str]] = [[lines[0]]]
    for prev, line in itertools.pairwise(lines):
        indented = line[:1].isspace() and not prev[:1].isspace()
        short_end = len(prev.rstrip()) < longest * 0.6 and prev.rstrip()[-1:] in ".!?\"'”’)"
        if indented or short_end:
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    return [" ".join(p) for p in paragraphs]


def parse_plaintext(
    text: str,
    *,
    name: str,
    encoding: str = "utf-8",
    warnings: tuple[str, ...] = (),
    typography: str = "as-written",
) -> Story:
    """Parse sanitized plain text into a :class:`Story`; ``name`` is the fallback title.

    ``typography="smart"`` curls the paragraphs' quotes and sets their dashes and ellipses.
    The text before the first chapter heading is part 0 of the story, and each chapter a
    part after it (``Story.parts``), so that a long book can be read in parts (see
    :func:`read_plaintext_parts`).
    """
    return read_plaintext_parts(
        text, name=name, encoding=encoding, warnings=warnings, typography=typography
    )[0]


PREFIX_CHARS = 4096
"""Text a partial read takes from the story's start: identity, title page, first page."""


def read_plaintext_parts(
    text: str,
    *,
    name: str,
    want: int | None = None,
    encoding: str = "utf-8",
    warnings: tuple[str, ...] = (),
    typography: str = "as-written",
) -> tuple[Story, tuple[int, ...], int]:
    """(story, numbers of the parts read, number of parts) of plain text.

    With ``want``, only the parts from the start until :data:`PREFIX_CHARS` of text are
    read, and part ``want``: the headings are found by a scan that builds nothing, and
    only those parts' lines are read. A part starts at a line where :func:`read_body` has
    nothing pending, so its blocks are the same read alone as read with the whole story.
    """
    lines = sanitize(text).split("\n")
    head = read_head(lines)
    end_line = find_end(lines, head.body_start)
    stop = end_line if end_line is not None else len(lines)
    smart = typography == "smart"
    builder = StoryBuilder()
    builder.part()  # part 0: the text before the first chapter
    if want is None:
        read_body(lines, head.body_start, stop, builder, smart=smart)
        numbers: tuple[int, ...] = ()
        total = 0
    else:
        starts = [head.body_start, *scan_body(lines, head.body_start, stop)[0]]
        total = len(starts)
        read: list[int] = []
        for number, first in enumerate(starts):
            if number and number != want and builder.chars >= PREFIX_CHARS:
                continue  # part 0, marked above, is always read: the opening
            read.append(number)
            # read_body marks the part at the heading that starts it (part 0 is marked).
            last = starts[number + 1] if number + 1 < total else stop
            read_body(lines, first, last, builder, smart=smart)
        numbers = tuple(read)
    if end_line is not None and (want is None or numbers[-1] == total - 1):
        builder.end_mark(" ".join(lines[end_line].split()))
    story = builder.build(
        title=head.title or name,
        author=head.author,
        headers=head.headers,
        format="text",
        encoding=encoding,
        warnings=warnings,
    )
    if want is None:
        numbers, total = tuple(range(len(story.parts))), len(story.parts)
    return story, numbers, total


class Head(NamedTuple):
    """What the top of a plain-text file says: its headers, title, author, where the body
    starts."""

    headers: tuple[Header, ...]
    title: str | None
    author: str | None
    body_start: int


def read_head(lines: list[str]) -> Head:
    """The header block (or a title and a "by" line) at the top of a file's lines."""
    headers, body_start = _header_block(lines)
    title_h = next((h for h in headers if h.canonical == "title"), None)
    author_h = next((h for h in headers if h.canonical == "author"), None)
    title = title_h.value if title_h and title_h.value else None
    author = author_h.value if author_h and author_h.value else None

    # A bare title line with a "by Author" line under it opens many files.
    groups = list(itertools.islice(_groups(lines, body_start), 1))
    if groups and not headers and groups[0][1] - groups[0][0] == 2:
        first, _ = groups[0]
        byline = _BYLINE.match(lines[first + 1])
        if byline and len(lines[first]) <= 100 and not is_heading(lines[first]):
            title, author = " ".join(lines[first].split()), byline.group(1).strip()
            body_start = first + 2
    return Head(tuple(headers), title, author, body_start)


def read_body(
    lines: list[str], start: int, stop: int, builder: StoryBuilder, *, smart: bool
) -> None:
    """Add the blocks of ``lines[start:stop]`` to ``builder``.

    Nothing is pending at a blank line: the builder calls made for the lines after one do
    not depend on the lines before it.
    """
    pending: list[str] = []

    def flush() -> None:
        for raw in _split_paragraphs(pending):
            para, spans = prose(raw, smart=smart)
            builder.paragraph(para, spans)
        pending.clear()

    for i in range(start, stop):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            flush()
        elif is_separator(stripped):
            flush()
            builder.scene_break()
        elif not pending and is_heading(stripped):
            builder.part()  # each chapter is a part of the story
            builder.heading(" ".join(stripped.split()))
        else:
            pending.append(line)
    flush()


def scan_body(lines: list[str], start: int, stop: int) -> tuple[list[int], list[int]]:
    """(the chapter headings, the separators): the indices of the lines of
    ``lines[start:stop]`` that :func:`read_body` takes for them, found without building
    anything (a million-word book in a few tens of milliseconds)."""
    headings: list[int] = []
    separators: list[int] = []
    pending = False  # A paragraph is open: read_body's ``pending`` is not empty.
    for i in range(start, stop):
        line = lines[i]
        first = line[:1]
        if first.isalnum() and first not in _SEPARATOR_LETTERS:
            # Neither blank nor a separator (see is_separator): prose, or a heading when no
            # paragraph is open (is_heading takes no line over 120 characters, stripped).
            if not pending:
                if (len(line) <= 120 or line[-1].isspace()) and is_heading(line.strip()):
                    headings.append(i)
                else:
                    pending = True
            continue
        stripped = line.strip()
        if not stripped:
            pending = False
        elif is_separator(stripped):
            pending = False
            separators.append(i)
        elif not pending and is_heading(stripped):
            headings.append(i)
        else:
            pending = True
    return headings, separators


def find_end(lines: list[str], start: int) -> int | None:
    """Index of the END line among the last lines, if the story closes with one."""
    for i in range(len(lines) - 1, start - 1, -1):
        stripped = lines[i].strip()
        if not stripped or is_separator(stripped):
            continue
        alone = (i == 0 or not lines[i - 1].strip()) or is_end_mark(lines[i])
        return i if alone and is_end_mark(stripped) else None
    return None
