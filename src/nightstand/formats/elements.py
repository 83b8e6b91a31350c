"""What HTML elements mean to the block writer: blocks, skipped, emphasis, lists, AO3 labels."""

from __future__ import annotations

import re
from typing import Final

from nightstand.formats.htmltree import tag_set

SKIP: Final = tag_set(
    "script style noscript template head title svg math iframe object embed canvas select "
    "textarea button input audio video img picture map nav frame frameset meta link base "
    "datalist option"
)
BLOCK: Final = tag_set(
    "p div section article header footer main aside address center figure figcaption details "
    "summary dialog fieldset legend form blockquote ul ol li dl dt dd pre table caption thead "
    "tbody tfoot tr td th hgroup body html menu dir search listing xmp plaintext"
)
HEADINGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
EMPHASIS: Final = frozenset({"em", "i", "cite", "dfn", "var", "u"})
STRONG: Final = frozenset({"strong", "b"})
LISTS: Final = frozenset({"ul", "ol", "menu", "dir"})
QUOTE_INDENT: Final = 4
LIST_INDENT: Final = 2
BULLET: Final = "•"
SEPARATOR_MAX: Final = 250
"""Longer paragraphs are never separator lines; saves the check on every paragraph."""

# The labels AO3 writes above summaries and notes; shown in bold.
AO3_LABELS: Final = frozenset(
    {"summary", "notes", "chapter summary", "chapter notes", "chapter end notes", "end notes"}
)
TOC_TITLES: Final = frozenset({"table of contents", "contents", "toc"})
BYLINE = re.compile(r"^by\s+(\S.{0,100})$", re.IGNORECASE)
