"""The loaders' shortcuts give exactly what the long way gives.

Unstyled ``<span>``s unwrapped by lexbor, pages without heading tags, the body handed to
the story builder as it comes, and the preload's wire format: each is checked against the
result it must not change.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nightstand import preload
from nightstand.formats import html
from nightstand.formats.body import Body
from nightstand.formats.html import parse_html
from nightstand.story import BlockKind, Story

WORDS = st.sampled_from(
    ["alpha", "beta", " ", "\n", "  gamma ", ". . .", "x -", "Chapter 2", "END", "* * *", "द्रोण"]
)
INLINE = st.recursive(
    st.lists(WORDS, min_size=1, max_size=4).map("".join),
    lambda inner: st.one_of(
        st.builds(lambda a, b: a + b, inner, inner),
        inner.map(lambda s: f"<span>{s}</span>"),
        inner.map(lambda s: f'<span class="lin" id="x">{s}</span>'),
        inner.map(lambda s: f"<i>{s}</i>"),
        inner.map(lambda s: f"{s}<br/>"),
    ),
    max_leaves=8,
)
BLOCK = st.one_of(
    INLINE.map(lambda s: f"<p>{s}</p>"),
    INLINE.map(lambda s: f"<ul><li>{s}</li><li>{s}</li></ul>"),
    INLINE.map(lambda s: f"<pre>{s}</pre>"),
    INLINE.map(lambda s: f"<blockquote>{s}</blockquote>"),
    INLINE,
)
_SPAN_TAG = re.compile(r"</?span[^>]*>")


def shape(story: Story) -> list[tuple[str, int, str, tuple[object, ...]]]:
    return [(b.kind.value, b.indent, story.block_text(b), b.spans) for b in story.blocks]


@settings(max_examples=150, deadline=None)
@given(st.lists(BLOCK, min_size=1, max_size=6), st.booleans())
def test_unwrapped_spans_read_as_spans_do(blocks: list[str], heading: bool) -> None:
    body = "".join(blocks) + ("<h2>Chapter 9</h2><p>after</p>" if heading else "")
    page = f"<html><head><title>T</title></head><body>{body}</body></html>"
    fast = shape(parse_html(page, name="x"))
    with pytest.MonkeyPatch.context() as patch:
        # Source taken for unclean: every span is walked, every run sanitized (a no-op here).
        patch.setattr(html, "source_is_clean", lambda text: False)
        slow = shape(parse_html(page, name="x"))
    assert fast == slow
    assert fast == shape(parse_html(_SPAN_TAG.sub("", page), name="x"))


def test_plain_chapter_lines_are_headings_only_without_heading_tags() -> None:
    plain = parse_html("<p>Chapter 1</p><p>text</p>", name="x")
    tagged = parse_html("<P>Chapter 1</P><H3>Part</H3><p>text</p>", name="x")
    assert [b.kind for b in plain.blocks] == [BlockKind.HEADING, BlockKind.PARAGRAPH]
    assert tagged.blocks[0].kind is BlockKind.PARAGRAPH


def _story(body: Body) -> Story:
    return body.story(
        title="t", author=None, headers=(), format="html", encoding="utf-8", warnings=()
    )


def test_the_end_mark_is_found_behind_notes_and_breaks() -> None:
    body = Body()
    body.paragraph("Once.")
    body.scene_break()
    body.paragraph("THE END")
    body.scene_break(note=True)
    body.paragraph("Thanks for reading!", indent=4, note=True)
    story = _story(body)
    assert [b.kind for b in story.blocks] == [
        BlockKind.PARAGRAPH,
        BlockKind.END_MARK,  # the break before an end mark is dropped, as ever
        BlockKind.SCENE_BREAK,
        BlockKind.PARAGRAPH,
    ]
    assert body.blocks == 5 and body.has_text and body.has_prose


def test_an_end_word_before_more_story_is_a_paragraph() -> None:
    body = Body(record=True)
    assert not body.has_prose
    body.paragraph("note first", note=True)
    assert body.has_prose and body.has_text
    body.paragraph("END")
    body.heading("Chapter 2")
    story = _story(body)
    assert [b.kind for b in story.blocks] == [
        BlockKind.PARAGRAPH,
        BlockKind.PARAGRAPH,
        BlockKind.HEADING,
    ]
    assert body.paragraphs == ["note first", "END"]


def test_the_wire_format_carries_long_and_astral_text(monkeypatch: pytest.MonkeyPatch) -> None:
    body = Body()
    for i in range(300):
        body.paragraph(f"{i} 𝔄𝔅 ☃ ड {'x' * (i % 7)}")
    story = _story(body)
    monkeypatch.setattr(preload, "_TEXT_CHUNK", 7)  # pieces cut everywhere, astral ones too
    assert preload.unpack(preload.pack(story)) == story
