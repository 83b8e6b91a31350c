"""Seeing whether a story came from the loader child or from the reader's own fallback."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from nightstand.preload import Preload

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from nightstand.story import Story


def loads_in_the_parent(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths the reader's own process loads from now on (the fallback when the child
    fails: the story is right either way, so only this shows that the child did the work)."""
    parent = os.getpid()
    loaded: list[Path] = []
    real_load = Preload._load

    def load_here(self: Preload) -> Story:
        if os.getpid() == parent:
            loaded.append(self.path)
        return real_load(self)

    monkeypatch.setattr(Preload, "_load", load_here)
    return loaded
