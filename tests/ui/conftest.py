"""Fixtures for the Textual tests: a story written for them and an app factory."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from nightstand.formats import load
from nightstand.opening import OpenStory
from nightstand.settings import load_settings
from nightstand.state import StateStore
from nightstand.ui.app import NightstandApp

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

SPOILER_VALUE = "The lighthouse keeper was the thief all along"
"""Kept equal to test_reader.SPOILER_VALUE: the value that must never leak."""

_SENTENCES = [
    "The tide came in over the flats while the gulls argued about nothing.",
    "Wren counted the lamps along the pier and found one missing again.",
    "Nobody in Saltmarsh locked a door, which made the thefts stranger.",
    "She wrote the figures in the ledger and underlined the worst of them.",
    "A bell rang somewhere behind the fog, slow and unhurried.",
    "Her brother laughed at the idea . . . and then stopped laughing.",
    "The keeper's boots were dry, though it had rained all night.",
    "Every answer she found opened two more questions, like doors in a hall.",
]


def story_text(chapters: int = 3, paragraphs: int = 14) -> str:
    """A multi-chapter story in the seed's layout, with a Spoilers header."""
    out = [
        "Title: The Missing Lamp",
        "",
        "Author: Test Writer",
        "",
        f"Spoilers: {SPOILER_VALUE}",
        "",
        "= = = = = = = = = = = =",
        "",
    ]
    for c in range(1, chapters + 1):
        out += [f"Chapter {c}", ""]
        for p in range(paragraphs):
            sentences = [_SENTENCES[(c * 7 + p + k) % len(_SENTENCES)] for k in range(3 + p % 3)]
            if p == 3:
                sentences.insert(1, f"It was -chapter {c}- that {'' if c else 'never '}mattered.")
            out += [" ".join(sentences), ""]
            if p == paragraphs // 2:
                out += ["* * *", ""]
    out += ["END", ""]
    return "\n".join(out)


@pytest.fixture
def story_file(tmp_path: Path) -> Path:
    """A story file in a folder of its own (a one-story library)."""
    folder = tmp_path / "stories"
    folder.mkdir()
    path = folder / "the-missing-lamp.txt"
    path.write_text(story_text(), encoding="utf-8")
    return path


@pytest.fixture
def make_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., NightstandApp]]:
    """Build the app as `nightstand FILE` or `nightstand FOLDER` would, in temporary dirs."""
    monkeypatch.setenv("NIGHTSTAND_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("NIGHTSTAND_CONFIG_DIR", str(tmp_path / "config"))
    stores: list[StateStore] = []

    def factory(path: Path) -> NightstandApp:
        settings, _warnings = load_settings()
        store = StateStore.open()
        stores.append(store)
        if path.is_dir():
            return NightstandApp(settings=settings, store=store, folder=path)
        story = load(path)
        opened = OpenStory(path, story, store.story_key(story, path))
        return NightstandApp(settings=settings, store=store, story=opened)

    yield factory
    for store in stores:
        store.close()
