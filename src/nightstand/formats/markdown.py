"""Markdown stories to :class:`~nightstand.story.Story`, through markdown-it-py.

Headings are chapters (a lone top-level heading opening the file is the title, and a
``by Author`` line under it the author), ``*em*``/``_em_`` and ``**strong**`` are emphasis,
thematic breaks are scene breaks, block quotes and lists are indented (lists keep their
bullets and numbers). The headers come from a YAML front matter block::

    ---
    title: The Long Night
    tags: [angst, hurt/comfort]
    ---

or, as in plain-text stories, from a leading block of ``Key: value`` lines. Front matter is
read by PyYAML within limits (400 lines, 256 KiB, no aliases); lists become comma lists.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Final

from markdown_it import MarkdownIt

from nightstand.formats.body import Body
from nightstand.formats.htmltree import html_tree
from nightstand.formats.inline import fold, source_is_clean
from nightstand.formats.plaintext import is_separator
from nightstand.formats.writer import BlockWriter
from nightstand.headers import key_line, make_header
from nightstand.story import count_words
from nightstand.text import sanitize

if TYPE_CHECKING:
    from markdown_it.token import Token

    from nightstand.story import Header, Story

_MAX_FRONT_MATTER_LINES: Final = 400
_MAX_FRONT_MATTER_CHARS: Final = 256 * 1024
_QUOTE_INDENT: Final = 4
_CODE_INDENT: Final = 4
_FRONT_KEY = re.compile(r"^([A-Za-z_][\w '’/&.-]{0,40}?)\s*:(?:\s+(.*)|\s*)$")
_LABEL_WORD = re.compile(r"^(?:[A-Z][\w'’/&.-]*|of|and|the|to|for|&)$")
_EMPHASIS_TAGS: Final = frozenset({"em", "i", "cite", "u"})
_STRONG_TAGS: Final = frozenset({"strong", "b"})

_MD = MarkdownIt("commonmark")
# markdown-it's own typographer: curly quotes, dashes and ellipses, never in code.
_MD_SMART = MarkdownIt("commonmark", {"typographer": True}).enable(["replacements", "smartquotes"])


def parse_markdown(
    text: str,
    *,
    name: str,
    encoding: str = "utf-8",
    warnings: tuple[str, ...] = (),
    typography: str = "as-written",
) -> Story:
    """Parse a Markdown story into a Story; ``name`` is the fallback title.

    ``typography="smart"`` runs markdown-it's typographer (quotes, dashes, ellipses).
    """
    text = sanitize(text)
    headers, rest = front_matter(text)
    if not headers:
        headers, rest = key_block(rest)
    known_title = next((h.value for h in headers if h.canonical == "title" and h.value), None)
    known_author = next((h.value for h in headers if h.canonical == "author" and h.value), None)
    tokens = (_MD_SMART if typography == "smart" else _MD).parse(rest)
    source_words = count_words(rest)
    if source_words > 20 and _words_kept(tokens) < source_words // 2:
        # markdown-it drops what is nested past its limit (hundreds of ">" or list levels);
        # losing the reader's text is worse than losing the formatting. Decided before any
        # block is built: nothing of a story is built twice (see story.spooled_text).
        from nightstand.formats.plaintext import parse_plaintext

        note = "nested too deeply to read as Markdown; shown as plain text"
        return parse_plaintext(
            text,
            name=name,
            encoding=encoding,
            warnings=(*warnings, note),
            typography=typography,
        )
    body = Body()
    writer = BlockWriter(body, known_title=known_title, known_author=known_author)
    writer.headers.extend(headers)
    writer.clean = source_is_clean(rest)
    writer.h1_count = sum(1 for t in tokens if t.type == "heading_open" and t.tag == "h1")
    writer.plain_headings = not any(t.type == "heading_open" for t in tokens)
    _write(tokens, writer)
    writer.flush()
    return body.story(
        title=known_title or writer.title or fold(name) or "untitled",
        author=known_author or writer.author,
        headers=tuple(writer.headers),
        format="markdown",
        encoding=encoding,
        warnings=warnings,
    )


def _words_kept(tokens: list[Token]) -> int:
    """The words of the text markdown-it kept: inline runs and code, the text of the story."""
    return sum(count_words(t.content) for t in tokens if t.type in _TEXT_TOKENS)


_TEXT_TOKENS = frozenset({"inline", "code_block", "fence", "html_block"})


def _write(tokens: list[Token], writer: BlockWriter) -> None:
    """Feed markdown-it's block tokens to the writer, in order."""
    heading_level = 0
    for token in tokens:
        kind = token.type
        if kind == "inline":
            if heading_level:
                writer.heading(heading_level, _plain(token))
            else:
                _inline(token, writer)
        elif kind == "heading_open":
            writer.flush()
            heading_level = int(token.tag[1:] or 2)
        elif kind == "heading_close":
            heading_level = 0
        elif kind == "paragraph_close":
            writer.flush()
        elif kind == "hr":
            writer.scene_break()
        elif kind == "blockquote_open":
            writer.indent(_QUOTE_INDENT)
        elif kind == "blockquote_close":
            writer.indent(-_QUOTE_INDENT)
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            first = int(start) if isinstance(start, (int, str)) and str(start).isdigit() else 1
            writer.start_list(ordered=kind == "ordered_list_open", first=first)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            writer.end_list()
        elif kind == "list_item_open":
            writer.start_item()
        elif kind == "list_item_close":
            writer.end_item()
        elif kind in ("fence", "code_block"):
            writer.indent(_CODE_INDENT)
            writer.literal(1)
            writer.text(token.content.rstrip("\n"))
            writer.literal(-1)
            writer.indent(-_CODE_INDENT)
        elif kind == "html_block":
            writer.flush()
            tree = html_tree(token.content)
            if tree.body is not None:
                writer.walk_node(tree.body)
            writer.flush()


def _inline(token: Token, writer: BlockWriter) -> None:
    """One paragraph's inline tokens: text, breaks and emphasis."""
    for child in token.children or ():
        kind = child.type
        if kind in ("text", "text_special", "code_inline"):
            writer.text(child.content)
        elif kind == "softbreak":
            writer.text(" ")
        elif kind == "hardbreak":
            writer.flush()
        elif kind == "em_open":
            writer.style("emphasis", 1)
        elif kind == "em_close":
            writer.style("emphasis", -1)
        elif kind == "strong_open":
            writer.style("strong", 1)
        elif kind == "strong_close":
            writer.style("strong", -1)
        elif kind == "html_inline":
            _inline_html(child.content, writer)


def _inline_html(tag: str, writer: BlockWriter) -> None:
    """The few inline HTML tags a Markdown story uses: ``<i>``, ``<b>``, ``<br>``."""
    inner = tag.strip().removeprefix("<").removesuffix(">").removesuffix("/").strip()
    closing = inner.startswith("/")
    parts = inner.lstrip("/").split()
    name = parts[0].lower() if parts else ""
    if name in _EMPHASIS_TAGS:
        writer.style("emphasis", -1 if closing else 1)
    elif name in _STRONG_TAGS:
        writer.style("strong", -1 if closing else 1)
    elif name == "br":
        writer.flush()


def _plain(token: Token) -> str:
    """The text of an inline token without its markup (for headings)."""
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "text_special", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


# --------------------------------------------------------------------------- headers


def front_matter(text: str) -> tuple[list[Header], str]:
    """Headers from a leading ``---`` … ``---`` block, and the text after it.

    The block only counts when every line in it is a ``key: value`` line, a continuation
    or a list item; a story that merely opens with a thematic break is left alone.
    """
    if not text.startswith("---"):
        return [], text
    lines = text.split("\n", _MAX_FRONT_MATTER_LINES + 2)
    if lines[0].rstrip() != "---":
        return [], text
    for end in range(1, min(len(lines), _MAX_FRONT_MATTER_LINES + 1)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        return [], text
    pairs = _yaml_pairs(lines[1:end])
    if not pairs:
        return [], text
    rest = text.split("\n", end + 1)[end + 1] if end + 1 < len(lines) else ""
    return [make_header(k, v) for k, v in pairs], rest


def _yaml_pairs(lines: list[str]) -> list[tuple[str, str]] | None:
    """Flat ``key: value`` pairs of a front matter block, or None if it is not one.

    The block must be top-level ``key:`` lines, each with its indented or ``- `` lines;
    each entry is read by YAML (``safe_load`` rules, every scalar kept as written, no
    aliases), lists joined with commas. An entry YAML cannot read (``title: [b]X[/b]``,
    common in hand-written front matter) keeps its text as written.
    """
    if sum(map(len, lines)) > _MAX_FRONT_MATTER_CHARS:
        return None
    entries: list[list[str]] = []
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or line[:1].isspace() or line[:2] == "- ":
            if entries:
                entries[-1].append(line)
            elif stripped and not stripped.startswith("#"):
                return None
        elif _FRONT_KEY.match(line):
            entries.append([line])
        else:
            return None
    return [_yaml_entry(entry) for entry in entries] or None


def _yaml_entry(lines: list[str]) -> tuple[str, str]:
    """One front matter entry as (key, value), by YAML or else as written."""
    import yaml

    try:
        data = yaml.load("\n".join(lines), Loader=_front_matter_loader())
    except (yaml.YAMLError, RecursionError):
        data = None
    if isinstance(data, dict) and len(data) == 1:
        ((key, value),) = data.items()
        return str(key).replace("_", " "), _flat(value)
    m = _FRONT_KEY.match(lines[0])
    assert m is not None
    rest = (m.group(2) or "", *(line.strip() for line in lines[1:]))
    return m.group(1).strip().replace("_", " "), " ".join(rest)


def _flat(value: object) -> str:
    """A YAML value as one header value: lists and mappings joined with commas."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(text for text in map(_flat, value) if text)
    if isinstance(value, dict):
        return ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items())
    return str(value)


@functools.cache
def _front_matter_loader() -> type:
    """PyYAML's safe loader, keeping every scalar as the text it is and refusing aliases.

    Aliases are how a few lines of YAML expand into gigabytes ("billion laughs"); front
    matter never needs them, so an entry using one is read as written instead.
    """
    import yaml

    class FrontMatterLoader(yaml.SafeLoader):
        yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 (read only)

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise yaml.YAMLError("front matter may not use aliases")
            return super().compose_node(parent, index)

    return FrontMatterLoader


def key_block(text: str) -> tuple[list[Header], str]:
    """Headers from a leading block of plain ``Key: value`` lines, and the text after it.

    As in plain-text stories, the block is believed when at least one key is a known one
    (Title, Rating, Warnings...); a separator line right after it is part of it.
    """
    lines = text.split("\n", _MAX_FRONT_MATTER_LINES)
    pairs: list[tuple[str, str]] = []
    closed = False
    i = 0
    while i < min(len(lines), _MAX_FRONT_MATTER_LINES):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if pairs and is_separator(stripped):
            i += 1
            closed = True
            break
        if pairs and line[:1].isspace():
            key, value = pairs[-1]
            pairs[-1] = (key, f"{value} {stripped}")
            i += 1
            continue
        parsed = key_line(stripped, lenient=True)
        if parsed is None or not _label_like(parsed[0]):
            # Prose straight under the last header line means this was prose all along.
            closed = bool(pairs) and not lines[i - 1].strip()
            break
        pairs.append(parsed)
        i += 1
    else:
        closed = bool(pairs)
    if not closed or not any(_known(k) for k, _ in pairs):
        return [], text
    return [make_header(k, v) for k, v in pairs], "\n".join(lines[i:])


def _known(key: str) -> bool:
    return key_line(f"{key}:", lenient=False) is not None


def _label_like(key: str) -> bool:
    """A key written like a label: up to four words, each capitalised (or a joiner)."""
    words = key.split()
    return 0 < len(words) <= 4 and all(_LABEL_WORD.match(w) for w in words)
