"""A story's identity by content, and finding its key again after the file changed.

A story is known by a fingerprint of its title, author and opening text; when that misses
(an edited opening, a new file name, appended chapters) it is matched by its path with a
similar opening, or by the same first characters, author and a compatible title.
"""

from __future__ import annotations

import difflib
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nightstand.source import PIPE_PATH, PIPE_TITLE
from nightstand.typography import fold

if TYPE_CHECKING:
    import sqlite3

    from nightstand.story import Story

OPENING_CHARS = 1024
"""How much of the opening text (whitespace collapsed) goes into a story's fingerprint."""
HEAD_CHARS = 128
"""The prefix of the opening that finds candidates when the fingerprint no longer matches."""

_SAME_PATH_SIMILARITY = 0.6
_SAME_HEAD_SIMILARITY = 0.8


@dataclass(frozen=True, slots=True)
class Identity:
    """What a story is, by content: the fingerprint and what finds it again after edits."""

    fingerprint: str
    content_title: str
    """The title in the story's own words, normalised; empty when it came from the file name."""
    norm_author: str
    opening: str
    """The opening text, whitespace collapsed, without a closing END mark."""
    head: str


def _norm(text: str) -> str:
    return " ".join(fold(text).split()).casefold()


def _title_from_name(title: str, path: Path) -> bool:
    """Whether a loader fell back to the file name for the title (it says nothing then)."""
    t = _norm(title)
    if path == PIPE_PATH:
        return t == _norm(PIPE_TITLE)
    stem = path.stem or path.name
    names = {stem, path.name, stem.replace("_", " "), stem.replace("-", " ")}
    return any(t == _norm(n) for n in names)


def identify(story: Story, path: Path) -> Identity:
    """The content identity of a story; ``path`` only tells a file-name title from a real one."""
    text = story.text
    limit = len(text)
    if story.has_end_mark:
        # A closing END moves when chapters are appended; it is not part of the opening.
        limit = story.blocks[-1].start
    # Folded (curly quotes straight, dashes "--"), so the typography setting, which changes
    # the loaded text, does not change the identity.
    opening = " ".join(fold(text[: min(limit, OPENING_CHARS * 4)]).split())[:OPENING_CHARS]
    content_title = "" if _title_from_name(story.title, path) else _norm(story.title)
    norm_author = _norm(story.author or "")
    digest = hashlib.sha256(
        "\x1f".join(("nightstand-1", content_title, norm_author, opening)).encode()
    ).hexdigest()
    return Identity(digest, content_title, norm_author, opening, opening[:HEAD_CHARS])


def _similarity(a: str, b: str) -> float:
    # Word by word: unrelated prose shares letters everywhere but few runs of words.
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def _is_prefix(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= HEAD_CHARS // 2 and long.startswith(short)


def path_text(path: Path) -> str:
    if path == PIPE_PATH:
        return ""  # read from a pipe: there is no path to remember
    try:
        return str(path.expanduser().resolve())
    except (OSError, RuntimeError):
        return str(Path.cwd() / path)


def described(ident: Identity, story: Story) -> tuple[str, str, str | None, str, str, str]:
    """What the ``stories`` table says of a story, in its column order from ``title``:
    title, content_title, author, norm_author, opening, head."""
    return (
        story.title,
        ident.content_title,
        story.author,
        ident.norm_author,
        ident.opening,
        ident.head,
    )


def insert_story(
    conn: sqlite3.Connection, key: str, ident: Identity, story: Story, where: str
) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO stories(key, title, content_title, author, norm_author, "
        "opening, head, path, format, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (key, *described(ident, story), where, story.format, time.time()),
    )


def match(conn: sqlite3.Connection, ident: Identity, where: str) -> str | None:
    """Find the key of a known story for this identity, or None (see ``story_key``)."""
    return direct(conn, ident) or indirect(conn, ident, where)


def direct(conn: sqlite3.Connection, ident: Identity) -> str | None:
    row = conn.execute(
        "SELECT key FROM fingerprints WHERE fingerprint=?", (ident.fingerprint,)
    ).fetchone()
    return str(row[0]) if row else None


def indirect(conn: sqlite3.Connection, ident: Identity, where: str) -> str | None:
    columns = "key, content_title, norm_author, opening"
    # Stories from pipes share the empty path, which says nothing about being the same story.
    for r in conn.execute(f"SELECT {columns} FROM stories WHERE path=? AND path!=''", (where,)):
        if r[2] != ident.norm_author:
            continue
        same_title = bool(r[1]) and r[1] == ident.content_title
        if same_title or _similarity(r[3], ident.opening) >= _SAME_PATH_SIMILARITY:
            return str(r[0])
    for r in conn.execute(f"SELECT {columns} FROM stories WHERE head=?", (ident.head,)):
        if r[2] != ident.norm_author:
            continue
        if r[1] and ident.content_title and r[1] != ident.content_title:
            continue
        if _is_prefix(r[3], ident.opening) or (
            _similarity(r[3], ident.opening) >= _SAME_HEAD_SIMILARITY
        ):
            return str(r[0])
    return None
