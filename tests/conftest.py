"""Shared fixtures: tests never touch the real home, and find ../shared when it is there."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "seed" / "000_8f7cc97363ebb6a8.txt"


@pytest.fixture(autouse=True)
def _isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point nightstand's state, config, data and cache folders at throwaway directories."""
    monkeypatch.setenv("NIGHTSTAND_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    monkeypatch.setenv("NIGHTSTAND_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("NIGHTSTAND_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("NIGHTSTAND_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def seed_path() -> Path:
    """The seed story from ../shared; the test is skipped when ../shared is absent."""
    if not SEED.is_file():
        pytest.skip("../shared/seed is not available")
    return SEED


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long proofs first: with them last, one worker ran on alone for a minute."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
