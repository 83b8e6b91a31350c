"""Search runs over the story's text, so phrases split across lines and pages are found."""

from __future__ import annotations

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nightstand.filetext as filetext
import nightstand.search as search_module
from filetext_helpers import file_text
from nightstand.search import SearchError, compile_query, search
from nightstand.story import NBSP, StoryBuilder


def _story_text() -> str:
    b = StoryBuilder()
    b.paragraph(f"The soul{NBSP}.{NBSP}.{NBSP}. her bedroom walls.")
    b.paragraph("Lamps and LAMPS and lamps again.")
    b.paragraph("A phrase that runs")
    return b.build(title="t").text


def test_smart_case_lowercase_query_ignores_case() -> None:
    assert len(search(_story_text(), "lamps").spans) == 3


def test_smart_case_capital_in_query_matches_case() -> None:
    assert len(search(_story_text(), "LAMPS").spans) == 1


def test_spaces_in_query_match_no_break_spaces_of_an_ellipsis() -> None:
    text = _story_text()
    (span,) = search(text, "soul . . . her").spans
    assert text[span[0] : span[1]].replace(NBSP, " ") == "soul . . . her"


def test_regular_expression_with_prefix() -> None:
    text = _story_text()
    spans = search(text, r"re:\bl\w+s\b").spans
    assert [text[a:b].lower() for a, b in spans] == ["lamps", "lamps", "lamps"]


def test_broken_regular_expression_is_an_error_for_the_reader() -> None:
    with pytest.raises(SearchError, match="not a regular expression"):
        compile_query("re:(")


def test_blank_query_is_refused() -> None:
    with pytest.raises(SearchError):
        compile_query("   ")


def test_next_and_previous_wrap_around() -> None:
    matches = search("a x a x a", "a")
    assert [s[0] for s in matches.spans] == [0, 4, 8]
    assert matches.next_after(0) == 1
    assert matches.next_after(8) == 0
    assert matches.previous_before(4) == 0
    assert matches.previous_before(0) == 2


def test_markup_in_a_query_is_literal() -> None:
    text = "She typed [bold]hello[/bold] into the box."
    (span,) = search(text, "[bold]hello").spans
    assert text[span[0] : span[1]] == "[bold]hello"


def test_escapes_are_not_capitals_for_smart_case() -> None:
    # \S is an escape, not a capital: the search still ignores case.
    assert len(search("Lamp lamp LAMP", r"re:l\S+").spans) == 3


def test_a_runaway_regular_expression_is_stopped_not_hung() -> None:
    text = "a" * 3000 + "b" + "x" * 40
    with pytest.raises(SearchError, match="took over"):
        search(text, r"re:(a|aa)+$|(x+x+)+y", seconds=0.2)


def test_too_many_matches_are_cut_and_say_so() -> None:
    from nightstand.search import MAX_MATCHES

    matches = search("e " * (MAX_MATCHES + 5), "e")
    assert matches.truncated
    assert matches.count_text == f"{MAX_MATCHES}+"
    assert not search("e e", "e").truncated


TEXTS = st.lists(
    st.text(st.sampled_from("ab a\u00a0\u201c\u201d."), max_size=30), min_size=1, max_size=12
).map("\n".join)
QUERIES = st.sampled_from(
    [
        *("a", "ab", "a b", "b a", '"a', "re:a+", "re:b\\s+a", "re:^a", "re:\\ba", "re:a$"),
        *("...", "re:(?<=a\\n)b", "re:(?<!b\\s)a", "re:(?<=a. )b", "re:a(?=\\s+b)"),
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, QUERIES, st.integers(1, 12))
def test_a_search_a_stretch_at_a_time_finds_what_one_over_the_whole_text_finds(
    text: str, query: str, window: int
) -> None:
    """Stretches cut anywhere (a newline after ``window`` characters), the text a string
    or kept in a file: the matches of one finditer over the whole text."""
    whole = [m.span() for m in compile_query(query).finditer(text) if m.end() > m.start()]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(filetext, "WINDOW_CHARS", window)
        patch.setattr(filetext, "PIECE_CHARS", 4)
        patch.setattr(search_module, "SEARCH_OVERLAP", 40)  # longer than any match here
        assert list(search(text, query).spans) == whole
        assert list(search(file_text(text), query).spans) == whole


def test_a_match_running_past_a_stretch_is_found_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "one two\nthree four\nfive six\n" * 3
    monkeypatch.setattr(filetext, "WINDOW_CHARS", 5)
    spans = search(text, "two three").spans  # across newlines: cuts
    assert [text[a:b] for a, b in spans] == ["two\nthree"] * 3
    assert search(text, "re:(?<=\\n)five").spans == tuple(
        m.span() for m in regex.finditer(r"(?<=\n)five", text)
    )
