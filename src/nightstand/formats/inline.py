"""Inline text shared by the HTML, Markdown and EPUB loaders: folding, ellipses, styled runs.

Every markup format folds whitespace and ties spaced ellipses the same way here, and turns
a paragraph's styled runs into its text and emphasis spans.
"""

from __future__ import annotations

import re

from nightstand.story import NBSP, Span
from nightstand.text import sanitize
from nightstand.typography import tie_dashes

Run = tuple[str, str | None]
"""A piece of a paragraph's raw text and its style (``"emphasis"``, ``"strong"`` or None)."""

# The same tie as ``plaintext.prose``: a spaced ellipsis (and the space before it) becomes
# no-break spaces, so no line break can fall inside one. tests/test_html.py checks the two
# agree on every mark-free text. The pattern starts with its literal dot so the regex engine
# can skip ahead; folded text holds no other no-break space, so the second replace finds
# exactly the spaces before an ellipsis.
_ELLIPSIS = re.compile(r"\.(?: \.){2,}")
_TIED = f".{NBSP}."


def _tie(match: re.Match[str]) -> str:
    return match.group().replace(" ", NBSP)


def tie_ellipses(text: str) -> str:
    """Join spaced ellipses (``. . .``) with no-break spaces, as the plain-text loader does.

    A dash standing alone after a word is tied to it too (:func:`tie_dashes`).
    """
    text = tie_dashes(text)
    if ". ." not in text:
        return text
    text = _ELLIPSIS.sub(_tie, text)
    return text.replace(" " + _TIED, NBSP + _TIED)


def fold(text: str, *, clean: bool = False) -> str:
    """Sanitize, fold whitespace to single spaces and tie ellipses: one block's worth of text.

    ``clean`` skips the sanitizing when the caller knows the text cannot hold a control
    character (it came from sanitized source with no character references to decode).
    """
    if not clean:
        text = sanitize(text)
    return tie_ellipses(" ".join(text.split()))


def inline_text(runs: list[Run], *, clean: bool = False) -> tuple[str, tuple[Span, ...]]:
    """Styled runs to one paragraph's text and spans, folded like ``plaintext.prose``.

    Whitespace is folded across run boundaries, so ``a <i> b</i>`` gives ``a b`` with the
    span on ``b`` alone; touching spans of one style merge. ``clean`` as for :func:`fold`.
    """
    if len(runs) == 1 and runs[0][1] is None:
        return fold(runs[0][0], clean=clean), ()
    if clean and all(style is None for _, style in runs):
        # Unstyled runs fold exactly as their concatenation does (a line of <span>s).
        return tie_ellipses(" ".join("".join([run for run, _ in runs]).split())), ()
    parts: list[str] = []
    spans: list[Span] = []
    length = 0
    space = False
    for raw_text, style in runs:
        raw = raw_text if clean else sanitize(raw_text)
        words = raw.split()
        if not words:
            space = space or bool(raw)
            continue
        if length and (space or raw[0].isspace()):
            parts.append(" ")
            length += 1
        chunk = " ".join(words)
        start = length
        parts.append(chunk)
        length += len(chunk)
        if style:
            last = spans[-1] if spans else None
            if last is not None and last.style == style and last.end >= start - 1:
                spans[-1] = Span(last.start, length, style)
            else:
                spans.append(Span(start, length, style))
        space = raw[-1].isspace()
    return tie_ellipses("".join(parts)), tuple(spans)


def source_is_clean(text: str) -> bool:
    """Whether parsing sanitized ``text`` can yield no control character.

    Decoding sanitized the source; only a numeric character reference (``&#27;``) can bring
    a control character back, and only if there is one.
    """
    return "&#" not in text


_WORDISH = re.compile(r"\W+")


def similar_titles(a: str, b: str) -> bool:
    """Whether two headings name the same thing ("Chapter 1" and "Chapter 1: Home")."""
    x, y = _WORDISH.sub("", a.casefold()), _WORDISH.sub("", b.casefold())
    if not x or not y:
        return x == y
    return x == y or (min(len(x), len(y)) >= 3 and (x in y or y in x))
