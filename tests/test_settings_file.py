"""settings.toml is edited in place: comments and order survive, a broken file is left alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from nightstand.settings import load_settings
from nightstand.settings_file import save_settings

if TYPE_CHECKING:
    from pathlib import Path

MINE = """\
# My own notes, which must survive.
theme = "nord"   # the one I like
measure = 64

[keys]
next_page = ["x"]  # my key
"""


def test_changes_keep_comments_order_and_tables(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(MINE, encoding="utf-8")
    assert save_settings({"theme": "dracula", "measure": 80, "justify": True}, tmp_path) is None
    text = (tmp_path / "settings.toml").read_text(encoding="utf-8")
    assert "# My own notes, which must survive." in text
    assert 'theme = "dracula"   # the one I like' in text
    assert 'next_page = ["x"]  # my key' in text
    assert text.index("measure = 80") < text.index("justify = true") < text.index("[keys]")
    settings, warnings = load_settings(tmp_path)
    assert warnings == []
    assert (settings.theme, settings.measure, settings.justify) == ("dracula", 80, True)
    assert settings.keys["next_page"] == ("x",)


def test_a_first_save_starts_from_the_commented_default(tmp_path: Path) -> None:
    assert save_settings({"measure": 90}, tmp_path) is None
    text = (tmp_path / "settings.toml").read_text(encoding="utf-8")
    assert "# -- The page" in text and "measure = 90" in text
    assert load_settings(tmp_path)[0].measure == 90


def test_a_broken_file_is_never_overwritten(tmp_path: Path) -> None:
    broken = "theme = = oops\n# keep me\n"
    (tmp_path / "settings.toml").write_text(broken, encoding="utf-8")
    warning = save_settings({"measure": 90}, tmp_path)
    assert warning is not None and "not saved" in warning
    assert (tmp_path / "settings.toml").read_text(encoding="utf-8") == broken


def test_only_reader_settings_are_saved(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="library"):
        save_settings({"library": "/tmp"}, tmp_path)
