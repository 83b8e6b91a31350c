"""KOReader XPointers for places in an EPUB story, both ways.

KOReader (its engine, crengine) gives a place in an EPUB as a path through the book's DOM:
``/body/DocFragment[6]/body/div/p[3]/text().42``. ``DocFragment[N]`` is the N-th XHTML
document of the spine (from 1); below it the path follows the document's own elements, each
step counted among its siblings of the same tag name (the ``[k]`` left out when it is the
only one), down to a text node and a character offset inside it.

nightstand's place is an offset into ``Story.text``, which the EPUB loader builds from the
same documents. :class:`EpubPlaces` links the two by walking every spine document again and
finding each text node's words in ``Story.text``, in order, within a short window: text the
loader left out (a table of contents, a title page made into headers) is simply not
linked. A place written and read back lands in the same text node, so on the same
paragraph; an XPointer that leads nowhere is ``None``, and the caller falls back to the
percentage.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from nightstand.errors import StoryError
from nightstand.formats.htmltree import html_tree
from nightstand.formats.inline import fold

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

    from nightstand.story import Story

WINDOW: Final = 4096
"""How far past the last linked text a text node's words are looked for."""
KEY_CHARS: Final = 32
"""How many characters of a text node are looked for (enough to be unambiguous nearby)."""
MIN_KEY: Final = 3
"""Text nodes shorter than this ("a", ",") are too ambiguous to link."""
FAR_KEY: Final = 24
"""Until a document's first text is linked, a text this long may be looked for anywhere
ahead (past a gap of text nightstand has and the walk did not find), not just nearby."""
MAX_XPOINTER: Final = 2048
"""A longer progress string from a server is not read as an XPointer."""

_STEP = re.compile(r"([A-Za-z_][\w.:-]*|text\(\))(?:\[(\d{1,6})\])?")
_SKIPPED: Final = frozenset({"head", "script", "style", "template", "svg", "math"})

Step = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Pointer:
    """A parsed XPointer: the steps below the root ``/body`` and the character offset."""

    steps: tuple[Step, ...]
    offset: int

    @property
    def fragment(self) -> int:
        """The DocFragment number (0 when the pointer has none)."""
        return self.steps[0][1] if self.steps and self.steps[0][0] == "DocFragment" else 0


def parse_xpointer(text: str) -> Pointer | None:
    """Read ``/body/DocFragment[N]/…[/text()[k]][.C]``; None when it is not one.

    Indexes left out count as 1, as crengine writes them.
    """
    if not text.startswith("/body/") or len(text) > MAX_XPOINTER:
        return None
    path, offset = text[len("/body/") :], 0
    last = path.rpartition("/")[2]
    if "." in last and last.rpartition(".")[2].isdigit():
        path, _, digits = path.rpartition(".")
        offset = int(digits[:9])
    steps: list[Step] = []
    for part in path.split("/"):
        match = _STEP.fullmatch(part)
        if match is None:
            return None
        index = int(match.group(2) or 1)
        if index < 1:
            return None
        steps.append((match.group(1), index))
    if not steps or steps[0][0] != "DocFragment":
        return None
    if any(name == "text()" for name, _ in steps[:-1]):
        return None
    return Pointer(tuple(steps), offset)


class EpubPlaces:
    """The text nodes of an EPUB's spine linked to offsets in its story's text."""

    def __init__(self, story: Story, documents: list[tuple[int, str]]) -> None:
        """Link ``documents`` (from :func:`nightstand.formats.epub.spine_documents`)."""
        self._starts: list[int] = []
        self._lengths: list[int] = []
        self._paths: list[str] = []
        self._keys: dict[tuple[Step, ...], int] | None = None
        self._text = story.text
        cursor = 0
        for number, source in documents:
            cursor = self._link_document(number, source, cursor)
        self._text = ""

    @classmethod
    def from_epub(cls, story: Story, data: bytes) -> EpubPlaces:
        """Link the EPUB file's bytes to the story loaded from them."""
        from nightstand.formats.epub import spine_documents

        return cls(story, spine_documents(data))

    def __len__(self) -> int:
        return len(self._starts)

    # -- building ----------------------------------------------------------------------

    def _link_document(self, number: int, source: str, cursor: int) -> int:
        try:
            tree = html_tree(source, check_from=0)
        except StoryError:
            return cursor
        if tree.body is None:
            return cursor
        # Depth-first in document order with an explicit stack (nesting can run deep):
        # each entry is an element's path and its children still to visit, reversed.
        stack = [(f"/body/DocFragment[{number}]/body", _named_children(tree.body))]
        linked = len(self._starts)
        while stack:
            path, pending = stack[-1]
            if not pending:
                stack.pop()
                continue
            child, step = pending.pop()
            if step.startswith("text()"):
                text = fold(child.text_content or "")
                far = len(self._starts) == linked and len(text) >= FAR_KEY
                cursor = self._link_text(text, f"{path}/{step}", cursor, far=far)
            else:
                stack.append((f"{path}/{step}", _named_children(child)))
        return cursor

    def _link_text(self, text: str, path: str, cursor: int, *, far: bool = False) -> int:
        if len(text) < MIN_KEY:
            return cursor
        key = text[:KEY_CHARS]
        found = self._text.find(key, cursor, cursor + WINDOW + len(key))
        if found < 0 and far:
            found = self._text.find(key, cursor)
        if found < 0:
            return cursor
        self._starts.append(found)
        self._lengths.append(len(text))
        self._paths.append(path)
        return found + min(len(text), len(key))

    # -- using -------------------------------------------------------------------------

    def xpointer_at(self, offset: int) -> str | None:
        """The XPointer of a story offset (the text node holding it); None if none is linked."""
        if not self._starts:
            return None
        i = max(bisect.bisect_right(self._starts, offset) - 1, 0)
        inside = min(max(offset - self._starts[i], 0), self._lengths[i])
        return f"{self._paths[i]}.{inside}"

    def offset_of(self, xpointer: str) -> int | None:
        """The story offset an XPointer points to, or None when it leads nowhere linked.

        A pointer to an element (no ``text()``), or to a text node nightstand did not link,
        lands on the first linked text inside that element.
        """
        pointer = parse_xpointer(xpointer)
        if pointer is None or not self._starts:
            return None
        keys = self._key_index()
        steps = pointer.steps
        i = keys.get(steps)
        if i is not None:
            return self._starts[i] + min(pointer.offset, self._lengths[i])
        if steps[-1][0] == "text()":
            steps = steps[:-1]
        for j, path in enumerate(self._paths):
            parsed = parse_xpointer(path)
            if parsed is not None and parsed.steps[: len(steps)] == steps:
                return self._starts[j]
        return None

    def _key_index(self) -> dict[tuple[Step, ...], int]:
        if self._keys is None:
            keys: dict[tuple[Step, ...], int] = {}
            for i, path in enumerate(self._paths):
                parsed = parse_xpointer(path)
                if parsed is not None:
                    keys.setdefault(parsed.steps, i)
            self._keys = keys
        return self._keys

    def paths(self) -> list[tuple[int, str]]:
        """Every linked text node as (story offset, XPointer of its start), in order."""
        return [(s, f"{p}.0") for s, p in zip(self._starts, self._paths, strict=True)]


def _named_children(element: LexborNode) -> list[tuple[LexborNode, str]]:
    """An element's text nodes and elements with their XPointer steps, last first.

    Steps count siblings of the same name and leave ``[k]`` out for an only one, as
    crengine writes them; whitespace-only text nodes are not counted.
    """
    kept: list[tuple[LexborNode, str]] = []
    child = element.child
    while child is not None:
        if child.is_text_node:
            if (child.text_content or "").strip():
                kept.append((child, "text()"))
        elif child.is_element_node:
            tag = child.tag or ""
            if tag not in _SKIPPED and _STEP.fullmatch(tag):
                kept.append((child, tag))
        child = child.next
    totals: dict[str, int] = {}
    for _, name in kept:
        totals[name] = totals.get(name, 0) + 1
    seen: dict[str, int] = {}
    out: list[tuple[LexborNode, str]] = []
    for node, name in kept:
        seen[name] = seen.get(name, 0) + 1
        out.append((node, f"{name}[{seen[name]}]" if totals[name] > 1 else name))
    out.reverse()
    return out
