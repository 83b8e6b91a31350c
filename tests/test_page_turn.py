"""What a page turn asks of the layout: first and last page known without typesetting more."""

from __future__ import annotations

from typing import TYPE_CHECKING
from unittest import mock

import pytest

from nightstand.formats import load
from nightstand.layout import LayoutSettings, Paginator
from storymaker import write_story

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(("width", "height"), [(80, 24), (30, 8), (100, 30)])
def test_first_and_last_agree_with_previous_and_next(
    tmp_path: Path, width: int, height: int
) -> None:
    story = load(write_story(tmp_path / "s.txt", chapters=3, seed=5))
    pag = Paginator(story, width, height, LayoutSettings())
    page, seen = pag.first(), 0
    while page is not None:
        assert pag.is_first(page) == (pag.previous(page) is None)
        assert pag.is_last(page) == (pag.next(page) is None)
        page, seen = pag.next(page), seen + 1
    assert seen > 3
    assert pag.is_last(pag.last()) and not pag.is_first(pag.last())
    assert pag.is_first(pag.first())


def test_asking_whether_a_page_is_last_typesets_nothing_new(tmp_path: Path) -> None:
    story = load(write_story(tmp_path / "s.txt", chapters=3, seed=6))
    pag = Paginator(story, 60, 12, LayoutSettings())
    page = pag.first()
    with mock.patch.object(Paginator, "_page", side_effect=AssertionError("typeset")):
        assert not pag.is_last(page)
        assert pag.is_first(page)
