"""Counting words: whitespace-separated tokens that hold at least one word character.

A word is what ``str.split()`` gives that holds a letter, a digit or ``_`` (the ``\\w`` of
:mod:`re`). Splitting a story into a million small strings only to count them is slow, so
the text goes to bytes and each character to its class in C: white space to a space, a word
character to ``w``, anything else to nothing. A token with a word character is then a run of
``w`` and one without vanishes, so the words are the runs of ``w``: ``b" w"`` counted.

Plain ASCII goes straight through a byte table. A text with other characters (a story has
a handful: curly quotes, dashes, accented letters) finds them from its bytes, replaces the
fewer kind (letters, or the rest) one by one and leaves the other to the table; a text with
many of both (a script other than Latin) is split as usual.
"""

from __future__ import annotations

import itertools
import re

_WORD = re.compile(r"\w")
_MAX_REPLACED = 24
"""Past this many distinct characters to replace one by one, splitting is cheaper."""


def _tables(high: int) -> tuple[bytes, bytes]:
    """A byte table to classes and the bytes to delete; ``high`` is what non-ASCII bytes
    become (``w``), or 0 to delete them."""
    table = bytearray(range(256))
    delete = bytearray()
    for byte in range(256):
        char = chr(byte)
        if byte >= 128:
            if high:
                table[byte] = high
            else:
                delete.append(byte)
        elif char.isspace():  # What str.split() splits at: \t \n \v \f \r \x1c-\x1f, space.
            table[byte] = ord(" ")
        elif _WORD.match(char):
            table[byte] = ord("w")
        else:
            delete.append(byte)
    return bytes(table), bytes(delete)


_ASCII = bytes(range(128))
_HIGH_DROPPED = _tables(0)
_HIGH_WORD = _tables(ord("w"))


_CHUNK = 1 << 16
"""Characters counted at a time: a whole book is never copied, encoded or split at once, and
no stretch holds the GIL long (a page turned meanwhile on another thread waits for it)."""
_SPACE = re.compile(r"\s")


def count_words(text: str) -> int:
    """The number of whitespace-separated tokens of ``text`` holding a word character.

    A long text is counted in stretches of about ``_CHUNK`` characters, each cut at white
    space (so no token is cut in two): what the counting makes of a stretch (its bytes, or
    its tokens) is let go before the next, and a book costs no more to count than its size.
    """
    if len(text) <= _CHUNK:
        return _count(text)
    total = 0
    i = 0
    while i < len(text):
        cut = _SPACE.search(text, i + _CHUNK)
        j = len(text) if cut is None else cut.start()
        total += _count(text[i:j])
        i = j
    return total


def _count(text: str) -> int:
    if text.isascii():
        return _runs(text.encode("ascii").translate(*_HIGH_DROPPED))
    data = text.encode("utf-8", "surrogatepass")
    # The distinct non-ASCII characters, from their bytes alone (whole characters are kept).
    distinct = set(data.translate(None, _ASCII).decode("utf-8", "surrogatepass"))
    spaces = [c for c in distinct if c.isspace()]
    words = [c for c in distinct if not c.isspace() and _WORD.match(c)]
    others = [c for c in distinct if not c.isspace() and not _WORD.match(c)]
    # White space is replaced; of words and others the fewer are replaced, and the rest of
    # the non-ASCII bytes is classed by the byte table.
    replaced, table = (words, _HIGH_DROPPED) if len(words) <= len(others) else (others, _HIGH_WORD)
    if len(spaces) + len(replaced) > _MAX_REPLACED:
        return _count_split(text)
    for char in spaces:
        data = data.replace(char.encode("utf-8", "surrogatepass"), b" ")
    into = b"w" if table is _HIGH_DROPPED else b""
    for char in replaced:
        data = data.replace(char.encode("utf-8", "surrogatepass"), into)
    return _runs(data.translate(*table))


def _runs(marks: bytes) -> int:
    """The runs of ``w`` in ``marks``: the words."""
    return marks.count(b" w") + marks.startswith(b"w")


def _count_split(text: str) -> int:
    tokens = text.split()
    # Filters and maps run in C: only the rare token without a letter comes back to Python.
    others = itertools.filterfalse(_WORD.search, itertools.filterfalse(str.isalpha, tokens))
    return len(tokens) - sum(1 for _ in others)
