"""Typography shared by the loaders: dashes tied to their word, and smart punctuation.

* A dash standing alone after a word (``"You need to -"``, ``word --``, ``word —``), with any
  closing quotes or brackets after it, is tied to that word with a no-break space, the way
  a spaced ellipsis is. Layout breaks lines only at ASCII spaces, so the dash of interrupted
  speech never starts a line.
* :func:`smarten` turns straight quotes into curly ones, ``--`` into an em dash and ``...``
  into an ellipsis, with the ``smartypants`` package (the Markdown loader uses markdown-it's
  own typographer instead, which leaves code alone).
* :func:`fold` maps the smart forms back to what a typist writes, so a story's identity and
  a saved quote do not depend on the ``typography`` setting; :func:`typed_pattern` is the
  regular expression that finds a typed string in either form.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from nightstand.filetext import windows
from nightstand.story import NBSP

if TYPE_CHECKING:
    from collections.abc import Callable

    from nightstand.filetext import BookText

# A space, then a dash of one to three hyphens (or an em or en dash), then closing
# punctuation, then a space or the end: the space becomes a no-break space.
_LONE_DASH = re.compile(r"(?<=\S) (?=(?:-{1,3}|[\u2014\u2013])[\"'\u201d\u2019\u00bb)\]]*(?: |$))")


def tie_dashes(text: str) -> str:
    """Tie every dash standing alone after a word to that word with a no-break space."""
    if " -" not in text and " \u2014" not in text and " \u2013" not in text:
        return text
    return _LONE_DASH.sub(NBSP, text)


def smarten(text: str) -> str:
    """Curly quotes, em dashes for ``--`` and ellipses for ``...`` in one paragraph's text.

    The text is prose, not HTML: ``<`` and ``&`` are kept as they are.
    """
    if not ('"' in text or "'" in text or "--" in text or "..." in text):
        return text
    # Imported here: identity and search use this module's folding at start-up.
    import smartypants  # type: ignore[import-untyped]

    # Quotes, em dashes for "--", ellipses; Unicode characters rather than entities.
    attrs = smartypants.Attr.q | smartypants.Attr.d | smartypants.Attr.e | smartypants.Attr.u
    # smartypants reads HTML; escape the characters it would take for markup, then undo.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = _unescape(smartypants.smartypants(escaped, attrs))
    # smartypants opens a quote that follows a dash at the end of speech ("to -");
    # a quote after a word and before a space or the end closes.
    return _OPENED_AT_END.sub("\u201d", out) if "\u201c" in out else out


_OPENED_AT_END = re.compile("(?<=[^\\s\u201c\u201d])\u201c(?=[\\s\u00a0]|$)")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}
_ENTITY = re.compile("|".join(map(re.escape, _ENTITIES)))


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group()], text) if "&" in text else text


_FOLDS = (
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u2018", "'"),
    ("\u2019", "'"),
    ("\u2014", "--"),
    ("\u2013", "--"),
    ("\u2026", "..."),
)


def fold(text: str) -> str:
    """Smart punctuation back to typed: curly quotes straight, dashes ``--``, ``…`` ``...``."""
    if text.isascii():
        return text
    # One substring scan a character: str.translate looks every character up in a dict,
    # fifty times slower on a text with any non-ASCII character (a no-break space).
    for smart, typed in _FOLDS:
        if smart in text:
            text = text.replace(smart, typed)
    return text


_TYPED = {
    '"': '["\u201c\u201d]',
    "'": "['\u2018\u2019]",
    "--": "(?:---?|\u2014|\u2013)",
    "...": "(?:\\.\\.\\.|\u2026)",
}
_TYPED_PARTS = re.compile(r"\.\.\.|---?|[\"'\u201c\u201d\u2018\u2019\u2014\u2013\u2026]")


def typed_pattern(text: str, escape: Callable[[str], str] = re.escape) -> str:
    """A regular expression finding ``text`` whether its punctuation is typed or smart.

    Straight and curly quotes match each other, ``--`` (or ``---``) matches an em or en
    dash, ``...`` an ellipsis, in either direction. ``escape`` escapes the other pieces
    (``re.escape``, or ``regex.escape`` for the regex package).
    """
    out: list[str] = []
    last = 0
    for m in _TYPED_PARTS.finditer(text):
        out.append(escape(text[last : m.start()]))
        piece = m.group()
        out.append(_TYPED["--" if piece == "---" else fold(piece)])
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def find_typed(text: BookText, quote: str, around: int) -> int | None:
    """Where ``quote`` stands in ``text`` nearest ``around``, its punctuation typed or smart.

    A saved quote taken with one ``typography`` setting is found in the story loaded with
    the other. A dash or dots cut off at the quote's end are left out of the search.
    """
    quote = quote.rstrip("-.\u2014\u2013")
    if len(quote.strip()) < 8:
        return None
    pattern = re.compile(typed_pattern(quote))
    best: int | None = None
    # A stretch at a time (a big book's text is kept in a file); the overlap holds a
    # match of the quote starting before a cut whole, its typed forms being the longer.
    for at, cut, stretch in windows(text, overlap=3 * len(quote)):
        for m in pattern.finditer(stretch, 0, len(stretch)):
            start = at + m.start()
            if m.start() >= cut - at:
                break
            if best is None or abs(start - around) < abs(best - around):
                best = start
            elif start > around:
                return best
    return best
