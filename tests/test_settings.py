"""Settings: the commented default file, values read back, bad values never fatal."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from nightstand.settings import (
    SETTINGS_FILE,
    Settings,
    config_dir,
    default_library,
    load_settings,
    parse_settings,
)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NIGHTSTAND_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("NIGHTSTAND_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "config"


def _write(config: Path, text: str) -> None:
    config.mkdir(parents=True, exist_ok=True)
    (config / SETTINGS_FILE).write_text(text, encoding="utf-8")


def test_first_run_writes_a_commented_default_and_makes_the_library(config: Path) -> None:
    settings, warnings = load_settings()
    assert warnings == []
    assert config_dir() == config
    written = (config / SETTINGS_FILE).read_text(encoding="utf-8")
    # Everything is commented out, so the file parses to nothing and means the defaults.
    assert tomllib.loads(written) == {}
    assert settings == Settings(library=default_library())
    assert settings.library.is_dir()
    for name in ("measure", "justify", "ornament", "ask_spoilers_every_time", "theme", "[keys]"):
        assert f"# {name}" in written


def test_every_commented_default_is_the_real_default(config: Path) -> None:
    """Uncommenting every line of the default file changes nothing (docs and code agree)."""
    load_settings()
    lines = (config / SETTINGS_FILE).read_text(encoding="utf-8").splitlines()
    settable = [
        line[2:]
        for line in lines
        if line.startswith("# ")
        and " = " in line
        and not line.startswith("# next_page")
        and not line.startswith("# previous_page")
    ]
    data = tomllib.loads("\n".join(settable))
    warnings: list[str] = []
    assert parse_settings(data, config / SETTINGS_FILE, warnings) == Settings(
        library=default_library()
    )
    assert warnings == []
    assert set(data) == {
        "library", "measure", "margin_top", "margin_bottom", "margin_side", "justify",
        "hyphenate", "paragraph_style", "indent", "ornament", "ascii", "words_per_minute",
        "ask_spoilers_every_time", "show_content_warnings", "theme", "line_breaking",
        "typography",
    }  # fmt: skip


def test_values_are_read(config: Path, tmp_path: Path) -> None:
    _write(
        config,
        f"""
library = "{tmp_path / "books"}"
measure = 60
justify = true
paragraph_style = "indent"
ornament = "* * *"
words_per_minute = 300
ask_spoilers_every_time = true
theme = "nord"

[keys]
next_page = ["space", "j"]
quit = "q,ctrl+q"
""",
    )
    settings, warnings = load_settings()
    assert warnings == []
    assert settings.library == tmp_path / "books"
    assert settings.measure == 60
    assert settings.justify is True
    assert settings.paragraph_style == "indent"
    assert settings.ornament == "* * *"
    assert settings.words_per_minute == 300
    assert settings.ask_spoilers_every_time is True
    assert settings.theme == "nord"
    assert dict(settings.keys) == {"next_page": ("space", "j"), "quit": ("q", "ctrl+q")}
    assert settings.margin_side == 2  # Unset values keep their defaults.


def test_bad_values_fall_back_with_a_warning_each(config: Path) -> None:
    _write(
        config,
        """
measure = "wide"
margin_top = -1
justify = "yes"
paragraph_style = "fancy"
ornament = "\\u001b[31m"
words_per_minute = 10
colour = "red"
indent = 2

[keys]
next_page = 5
previous_page = ["b"]
""",
    )
    settings, warnings = load_settings()
    assert settings.measure == 72
    assert settings.margin_top == 1
    assert settings.justify is False
    assert settings.paragraph_style == "blank"
    assert settings.ornament == "⁂"
    assert settings.words_per_minute == 250
    assert settings.indent == 2  # The good value beside the bad ones is kept.
    assert dict(settings.keys) == {"previous_page": ("b",)}
    assert len(warnings) == 8
    assert any("unknown setting 'colour'" in w for w in warnings)
    assert any(
        "measure = 'wide' is not a whole number from 20 to 1000; using 72" in w for w in warnings
    )
    assert all("\x1b" not in w for w in warnings)


def test_a_broken_file_means_the_defaults_and_one_warning(config: Path) -> None:
    _write(config, "measure = = 3\n")
    settings, warnings = load_settings()
    assert settings == Settings(library=default_library())
    assert len(warnings) == 1
    assert "line 1" in warnings[0]
    assert "using the default settings" in warnings[0]


def test_a_file_that_is_not_utf8_is_reported(config: Path) -> None:
    config.mkdir()
    (config / SETTINGS_FILE).write_bytes(b"measure = 60 # \xff\xfe\n")
    settings, warnings = load_settings()
    assert settings.measure == 72
    assert len(warnings) == 1
    assert "not UTF-8" in warnings[0]


def test_an_unwritable_config_folder_warns_and_uses_the_defaults(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    settings, warnings = load_settings(blocker / "config")
    assert settings.measure == 72
    assert len(warnings) == 1
    assert "could not write the default settings" in warnings[0]


def test_an_existing_file_is_never_overwritten(config: Path) -> None:
    _write(config, "measure = 40\n")
    settings, _ = load_settings()
    assert settings.measure == 40
    assert (config / SETTINGS_FILE).read_text(encoding="utf-8") == "measure = 40\n"


def test_a_relative_library_is_under_home(config: Path) -> None:
    _write(config, 'library = "Stories/fic"\n')
    settings, warnings = load_settings()
    assert warnings == []
    assert settings.library == Path.home() / "Stories" / "fic"


def test_hyphenate_without_pyphen_is_reported(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    import importlib.util

    from nightstand.settings import load_settings

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyphen" else real(name, *a)
    )
    (tmp_path / "settings.toml").write_text("hyphenate = true\n", encoding="utf-8")
    settings, warnings = load_settings(tmp_path)
    assert settings.hyphenate
    assert any("pyphen" in w for w in warnings)
