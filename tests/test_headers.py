"""The header vocabulary: one story's headers read the same in every format."""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nightstand.formats import load
from nightstand.headers import ALIASES, canonical_key, is_content_warning, make_header
from test_epub import opf, write_epub, xhtml

if TYPE_CHECKING:
    from pathlib import Path

# Keys as a person would write them: every known spelling but the title and author ones
# (those set the story's title and byline), and labels the vocabulary does not know.
KEYS = sorted(
    {k.title() if k != "a/n" else "A/N" for k, v in ALIASES.items() if v not in ("title", "author")}
    | {"Content Warnings", "Trigger Warning", "Beta Reader", "Mood"}
)
WORDS = ["angst", "the lamp", "major character death", "spoilers", "fluff", "A/B", "none", "7"]


def _values() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(", ".join)


def write_all(tmp_path: Path, headers: list[tuple[str, str]]) -> dict[str, Path]:
    """The same headers and one line of prose as .txt, .md, .html and .epub files."""
    prose = "The lamp went out over the harbour, and nobody came to light it."
    txt = "".join(f"{k}: {v}\n" for k, v in headers) + f"\n= = =\n\n{prose}\n"
    md = "---\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in headers) + f"---\n\n{prose}\n"
    body = "".join(f"<p><strong>{escape(k)}:</strong> {escape(v)}</p>" for k, v in headers)
    body += f"<hr/><p>{prose}</p>"
    html = f"<!DOCTYPE html><html><head><title>x</title></head><body>{body}</body></html>"
    paths = {}
    for ext, text in (("txt", txt), ("md", md), ("html", html)):
        paths[ext] = tmp_path / f"story.{ext}"
        paths[ext].write_text(text, encoding="utf-8")
    title, author = headers[0][1], headers[1][1]
    package = opf(
        title=title,
        creators=[author],
        items=[("c1", "c1.xhtml", "application/xhtml+xml")],
        spine=["c1"],
        toc_id="",
    )
    paths["epub"] = write_epub(
        tmp_path / "story.epub",
        {"content.opf": package, "c1.xhtml": xhtml(body, title=title)},
    )
    return paths


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=st.sampled_from(["The Long Night", "Harbour Lights", "Seven"]),
    author=st.sampled_from(["Ada", "The nightstand team"]),
    rest=st.lists(st.tuples(st.sampled_from(KEYS), _values()), min_size=1, max_size=6),
)
def test_same_headers_in_every_format(
    tmp_path: Path, title: str, author: str, rest: list[tuple[str, str]]
) -> None:
    headers = [("Title", title), ("Author", author), *rest]
    seen = {}
    for ext, path in write_all(tmp_path, headers).items():
        story = load(path)
        seen[ext] = [(h.key, h.value, h.canonical, h.spoiler) for h in story.headers]
        assert (story.title, story.author) == (title, author), ext
    expected = [(k, v, canonical_key(k), make_header(k, v).spoiler) for k, v in headers]
    assert seen == dict.fromkeys(seen, expected)


@pytest.mark.parametrize(
    ("key", "value", "spoiler", "warning"),
    [
        ("Tags", "fluff", True, False),
        ("Additional Tags", "angst", True, False),
        ("Archive Warnings", "No Archive Warnings Apply", True, True),
        ("Content Warning", "blood", True, True),
        ("Warnings", "none", True, True),
        ("Spoilers", "season 7", True, False),
        ("Summary", "she wins, spoiler", True, False),
        ("Summary", "a lighthouse", False, False),
        ("Rating", "G", False, False),
    ],
)
def test_spoilers_and_content_warnings(key: str, value: str, spoiler: bool, warning: bool) -> None:
    header = make_header(key, value)
    assert (header.spoiler, is_content_warning(header)) == (spoiler, warning)


def test_tags_are_hidden_in_plain_text_as_in_markdown(tmp_path: Path) -> None:
    # The bug that made one vocabulary necessary: plain text showed what Markdown hid.
    paths = write_all(tmp_path, [("Title", "T"), ("Author", "A"), ("Tags", "the twist")])
    assert [load(paths[ext]).spoiler_keys for ext in ("txt", "md")] == [("Tags",), ("Tags",)]
