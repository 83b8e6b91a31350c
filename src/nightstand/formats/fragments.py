"""Text of small HTML fragments: definition lists as key/value pairs, an element's paragraphs.

AO3's tag lists, FanFicFare's title pages and EPUB summaries hold their headers this way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nightstand.formats.body import Body
from nightstand.formats.inline import fold

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode


def definition_pairs(dl: LexborNode) -> list[tuple[str, str]]:
    """``<dt>``/``<dd>`` pairs of a definition list, several ``<dd>``s joined by commas."""
    pairs: list[tuple[str, str]] = []
    key: str | None = None
    values: list[str] = []
    for child in dl.iter():
        if child.tag == "dt":
            if key:
                pairs.append((key, ", ".join(values)))
            key, values = fold(child.text()).rstrip(":").strip(), []
        elif child.tag == "dd" and key is not None:
            value = " ".join(paragraphs_of(child))
            if value:
                values.append(value)
    if key:
        pairs.append((key, ", ".join(values)))
    return pairs


def paragraphs_of(node: LexborNode) -> list[str]:
    """The paragraphs of an element's text, each folded, blocks kept apart."""
    from nightstand.formats.writer import BlockWriter  # the writer uses this module

    body = Body(record=True)
    writer = BlockWriter(body)
    writer.front = False
    writer.walk_node(node)
    writer.flush()
    return body.paragraphs or []
