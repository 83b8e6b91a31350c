"""Unstyled runs take a shortcut in inline_text; it must fold exactly as the general path."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nightstand.formats.inline import inline_text

_PIECES = st.text(alphabet=st.sampled_from("ab .\t\n\u00a0"), max_size=8)


@given(st.lists(_PIECES, min_size=2, max_size=6))
def test_unstyled_runs_fold_as_the_general_path(pieces: list[str]) -> None:
    runs = [(p, None) for p in pieces]
    # An empty styled run adds nothing, but sends inline_text down its general path.
    general = inline_text([*runs, ("", "emphasis")], clean=True)
    assert inline_text(runs, clean=True) == general
    assert general[1] == ()
