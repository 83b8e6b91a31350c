"""The header vocabulary: names, aliases, spoilers and content warnings, for every format.

Every loader (plain text, Markdown, HTML and, through HTML, EPUB) asks this module what a
``Key: value`` pair means, so one story written in any format gets the same headers and the
same spoiler flags. A header is spoiler-bearing when its key is a kind of warning (AO3's
Archive Warnings included), a tag list or a spoiler note, or when its key or value mentions
spoilers; such values stay hidden until the reader consents.
"""

from __future__ import annotations

import re
from typing import Final

from nightstand.story import Header
from nightstand.text import sanitize

ALIASES: Final[dict[str, str]] = {
    # key as folded by :func:`fold_key` -> canonical name
    "title": "title",
    "story title": "title",
    "author": "author",
    "authors": "author",
    "by": "author",
    "written by": "author",
    "creator": "author",
    "creators": "author",
    "pseud": "author",
    "rating": "rating",
    "rated": "rating",
    "disclaimer": "disclaimer",
    "disclaimers": "disclaimer",
    "spoiler": "spoilers",
    "spoilers": "spoilers",
    "spoiler warning": "spoilers",
    "spoiler warnings": "spoilers",
    "warning": "warnings",
    "warnings": "warnings",
    "archive warning": "warnings",
    "archive warnings": "warnings",
    "summary": "summary",
    "description": "summary",
    "pairing": "pairing",
    "pairings": "pairing",
    "relationship": "pairing",
    "relationships": "pairing",
    "ship": "pairing",
    "ships": "pairing",
    "category": "category",
    "categories": "category",
    "character": "characters",
    "characters": "characters",
    "archive": "archive",
    "archiving": "archive",
    "feedback": "feedback",
    "a/n": "notes",
    "an": "notes",
    "author's note": "notes",
    "author's notes": "notes",
    "authors note": "notes",
    "authors notes": "notes",
    "author note": "notes",
    "author notes": "notes",
    "note": "notes",
    "notes": "notes",
    "end notes": "notes",
    "fandom": "fandom",
    "fandoms": "fandom",
    "genre": "genre",
    "genres": "genre",
    "word count": "words",
    "words": "words",
    "status": "status",
    "additional tags": "tags",
    "additional tag": "tags",
    "freeform": "tags",
    "freeforms": "tags",
    "tag": "tags",
    "tags": "tags",
    "keywords": "tags",
    "subject": "tags",
    "subjects": "tags",
    "language": "language",
    "series": "series",
    "stats": "stats",
    "collections": "collections",
    "published": "published",
    "updated": "updated",
    "completed": "completed",
    "chapters": "chapters",
}
"""Every key spelling a loader believes without further evidence, and its canonical name."""

CONTENT_WARNINGS: Final = frozenset({"warnings"})
"""Canonical names of content warnings (AO3's Archive Warnings, "Content Warning"...)."""

SPOILERS: Final = frozenset({"spoilers", "tags"}) | CONTENT_WARNINGS
"""Canonical names whose values are hidden until the reader consents."""

_MENTIONS_SPOILER = re.compile(r"spoil", re.I)
_KEY_TEXT = re.compile(r"^[A-Za-z][A-Za-z0-9'’/&. -]{0,40}$")


def fold_key(key: str) -> str:
    """A key as looked up: lower case, one space between words, no trailing ``.``/``:``."""
    return " ".join(key.lower().replace("’", "'").split()).rstrip(" .:")


def is_known_key(key: str) -> bool:
    """Whether ``key`` is one of the spellings in :data:`ALIASES`."""
    return fold_key(key) in ALIASES


def canonical_key(key: str) -> str:
    """A key's canonical name: ``"author"`` for ``By``, ``"warnings"`` for any kind of warning.

    An unknown key's canonical name is the key folded (see :func:`fold_key`).
    """
    folded = fold_key(key)
    known = ALIASES.get(folded)
    if known:
        return known
    if folded.endswith(("warning", "warnings")):
        return "warnings"
    return folded


def is_spoiler(canonical: str, key: str, value: str) -> bool:
    """Whether a header may give the story away (see the module's docstring)."""
    return canonical in SPOILERS or bool(_MENTIONS_SPOILER.search(key + " " + value))


def is_content_warning(header: Header) -> bool:
    """Whether a header is a content warning (its value is hidden like a spoiler's)."""
    return header.canonical in CONTENT_WARNINGS


def make_header(key: str, value: str) -> Header:
    """A header from a key and a value as found in a file: cleaned, normalised, spoiler-marked."""
    key = " ".join(sanitize(key).split()).rstrip(":").strip()
    value = " ".join(sanitize(value).split())
    canonical = canonical_key(key)
    return Header(key, value, is_spoiler(canonical, key, value), canonical)


def key_line(text: str, *, lenient: bool) -> tuple[str, str] | None:
    """``(key, value)`` when ``text`` reads ``Key: value`` with a key worth believing.

    A key is believed when it is known (``Rating``, ``Archive Warning``...), or, with
    ``lenient``, when it merely looks like a short label (the file marked it as one, in bold).
    """
    key, sep, value = text.partition(":")
    if not sep or not _KEY_TEXT.match(key.strip()):
        return None
    key = key.strip()
    if not (lenient or is_known_key(key)):
        return None
    return key, value.strip()
