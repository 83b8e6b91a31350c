"""Settings, from a TOML file in the config directory.

The file is ``settings.toml`` in ``NIGHTSTAND_CONFIG_DIR`` or the platform's config dir. On
first run a commented default is written there, so a reader can see every setting and its
default without reading the docs. A bad value never stops the reader: it falls back to
its default with a warning that names the line to fix.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import platformdirs

from nightstand.layout import LayoutSettings
from nightstand.text import sanitize

if TYPE_CHECKING:
    from collections.abc import Mapping

SETTINGS_FILE = "settings.toml"
PARAGRAPH_STYLES = ("blank", "indent")
LINE_BREAKING = ("optimal", "greedy")
TYPOGRAPHY = ("smart", "as-written")


def config_dir() -> Path:
    """Where ``settings.toml`` lives: ``NIGHTSTAND_CONFIG_DIR``, else the platform's config dir."""
    env = os.environ.get("NIGHTSTAND_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_config_path("nightstand")


def data_dir() -> Path:
    """Where the default library lives: ``NIGHTSTAND_DATA_DIR``, else the platform's data dir."""
    env = os.environ.get("NIGHTSTAND_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_data_path("nightstand")


def cache_dir() -> Path:
    """Where a book's text passes between processes as it is opened (a file with no name,
    gone when it is read): ``NIGHTSTAND_CACHE_DIR``, else the platform's cache dir."""
    env = os.environ.get("NIGHTSTAND_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_cache_path("nightstand")


def default_library() -> Path:
    """The library folder when the settings name none."""
    return data_dir() / "library"


def _no_keys() -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({})


_PAGE = LayoutSettings()


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting, with its default."""

    library: Path
    """The folder ``nightstand`` (no argument, no story read yet) and ``nightstand list`` show."""
    # The page's settings take their defaults from the layout engine's, so they cannot drift.
    measure: int = _PAGE.measure
    """The widest a line of text gets, in terminal cells."""
    margin_top: int = _PAGE.margin_top
    margin_bottom: int = _PAGE.margin_bottom
    margin_side: int = _PAGE.margin_side
    justify: bool = _PAGE.justify
    hyphenate: bool = _PAGE.hyphenate
    paragraph_style: str = _PAGE.paragraph_style
    """``"blank"``: a blank line between paragraphs; ``"indent"``: first lines indented."""
    indent: int = _PAGE.indent
    """The first-line indent, in cells, for ``paragraph_style = "indent"``."""
    ornament: str = _PAGE.ornament
    """What a scene break shows."""
    ascii: bool = _PAGE.ascii
    """Draw the scene break in ASCII (for fonts that lack the ornament)."""
    line_breaking: str = _PAGE.line_breaking
    """``"optimal"``: each paragraph broken as a whole; ``"greedy"``: line by line."""
    typography: str = "smart"
    """``"smart"``: curly quotes, dashes and ellipses in plain text and Markdown;
    ``"as-written"``: the story's own characters."""
    words_per_minute: int = 250
    ask_spoilers_every_time: bool = False
    """Ask before showing spoiler headers on every opening, not just the first."""
    show_content_warnings: bool = False
    """Show content warnings (AO3's Archive Warnings) without asking; spoilers stay hidden."""
    theme: str = "textual-dark"
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=_no_keys, hash=False)
    """Action name -> Textual key names, replacing that action's default keys."""

    def layout(self, **overrides: Any) -> LayoutSettings:
        """The typesetting part of the settings (the page's fields share their names)."""
        values = {f.name: getattr(self, f.name) for f in fields(LayoutSettings)}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return LayoutSettings(**values)


# name -> (lowest, highest) for the whole-number settings; the app checks theme and key names.
_INTS: dict[str, tuple[int, int]] = {
    "measure": (20, 1000),
    "margin_top": (0, 50),
    "margin_bottom": (0, 50),
    "margin_side": (0, 100),
    "indent": (0, 20),
    "words_per_minute": (50, 2000),
}
_BOOLS = ("justify", "hyphenate", "ascii", "ask_spoilers_every_time", "show_content_warnings")
_MAX_ORNAMENT = 20
_CHOICES: dict[str, tuple[str, ...]] = {
    "paragraph_style": PARAGRAPH_STYLES,
    "line_breaking": LINE_BREAKING,
    "typography": TYPOGRAPHY,
}

DEFAULT_FILE = """\
# nightstand settings. Every setting is shown at its default, commented out:
# remove the "#" in front of one to change it. A value nightstand cannot use is
# reported when it starts, and its default is used instead.

# The folder of stories that `nightstand` and `nightstand list` show when given no
# folder. "~" means your home folder.
# library = "{library}"

# -- The page ----------------------------------------------------------------
# The widest a line of text gets, in terminal cells (a comfortable measure is 60-80).
# measure = 72
# Blank lines above and below the text, and columns left and right of it.
# margin_top = 1
# margin_bottom = 0
# margin_side = 2
# Spread words to fill each line, and hyphenate long words (hyphenation needs the
# optional pyphen package: pip install "nightstand[hyphen]").
# justify = false
# hyphenate = false
# "blank": a blank line between paragraphs; "indent": first lines indented by `indent`.
# paragraph_style = "blank"
# indent = 3
# What a scene break shows.
# ornament = "⁂"
# Draw only ASCII characters, for terminals or fonts without the typographic ones.
# ascii = false
# "optimal": break each paragraph as a whole, for even gaps; "greedy": fill each line
# as far as it goes.
# line_breaking = "optimal"
# "smart": curly quotes, -- as an em dash and ... as an ellipsis in plain-text and
# Markdown stories; "as-written": the characters the story was typed with.
# typography = "smart"

# -- Reading -----------------------------------------------------------------
# Your reading speed, for the "minutes left" estimates.
# words_per_minute = 250
# Spoiler headers are hidden until you reveal them, and nightstand remembers your
# choice per story. Set this to true to be asked again every time instead.
# ask_spoilers_every_time = false
# Content warnings (AO3's Archive Warnings) are hidden with the spoilers unless this is
# true; many readers want them before deciding to read. Spoilers stay hidden either way.
# show_content_warnings = false
# A Textual theme: textual-dark, textual-light, nord, gruvbox, dracula, ...
# theme = "textual-dark"

# -- Keys --------------------------------------------------------------------
# Replace the keys of an action with your own (Textual key names); the help screen
# (press ?) lists every action's name. For example:
# [keys]
# next_page = ["space", "j"]
# previous_page = ["b", "k"]
"""


def _toml_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def write_default(path: Path, library: Path) -> None:
    """Write the commented default settings file (only if there is none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as f:
        f.write(DEFAULT_FILE.format(library=_toml_string(str(library))))


def load_settings(directory: Path | None = None) -> tuple[Settings, list[str]]:
    """Read the settings, writing the commented default file on first run.

    Returns the settings and reader-facing warnings: a value that cannot be used falls
    back to its default with a warning, and an unreadable file means all the defaults;
    nothing here raises.
    """
    directory = Path(directory) if directory is not None else config_dir()
    path = directory / SETTINGS_FILE
    warnings: list[str] = []
    library = default_library()
    if not path.exists():
        try:
            write_default(path, library)
            library.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            pass  # Another nightstand wrote it a moment ago; read theirs.
        except OSError as exc:
            warnings.append(f"could not write the default settings to {path}: {_why(exc)}")
            return Settings(library=library), warnings
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        warnings.append(f"{path}: {exc}; using the default settings")
        return Settings(library=library), warnings
    except (OSError, UnicodeDecodeError) as exc:
        reason = _why(exc) if isinstance(exc, OSError) else "not UTF-8 text"
        warnings.append(f"cannot read {path} ({reason}); using the default settings")
        return Settings(library=library), warnings
    return parse_settings(data, path, warnings), warnings


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def parse_settings(data: Mapping[str, Any], path: Path, warnings: list[str]) -> Settings:
    """Settings from parsed TOML; each unusable value is reported in ``warnings``."""
    settings = Settings(library=default_library())
    names = {f.name for f in fields(Settings)}
    changes: dict[str, Any] = {}

    def bad(name: str, value: object, wanted: str) -> None:
        default = getattr(settings, name)
        shown = str(default) if isinstance(default, Path) else repr(default)
        warnings.append(
            f"{path}: {name} = {sanitize(repr(value))[:60]} is not {wanted}; using {shown}"
        )

    for name, value in data.items():
        if name not in names:
            warnings.append(f"{path}: unknown setting {sanitize(repr(name))}, ignored")
        elif name == "keys":
            keys = _parse_keys(value, path, warnings)
            if keys is not None:
                changes["keys"] = keys
        elif name == "library":
            if isinstance(value, str) and value.strip() and sanitize(value) == value:
                library = Path(value).expanduser()
                changes["library"] = library if library.is_absolute() else Path.home() / library
            else:
                bad(name, value, "a folder name")
        elif name in _INTS:
            low, high = _INTS[name]
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                changes[name] = value
            else:
                bad(name, value, f"a whole number from {low} to {high}")
        elif name in _BOOLS:
            if isinstance(value, bool):
                changes[name] = value
            else:
                bad(name, value, "true or false")
        elif name in _CHOICES:
            if value in _CHOICES[name]:
                changes[name] = value
            else:
                bad(name, value, " or ".join(f'"{s}"' for s in _CHOICES[name]))
        elif name == "ornament":
            if (
                isinstance(value, str)
                and value.strip()
                and len(value) <= _MAX_ORNAMENT
                and sanitize(value) == value
                and "\n" not in value
            ):
                changes[name] = value
            else:
                bad(name, value, f"a short line of text (up to {_MAX_ORNAMENT} characters)")
        elif name == "theme":
            if isinstance(value, str) and value.strip() and sanitize(value) == value:
                changes[name] = value.strip()
            else:
                bad(name, value, "a theme name")
    if changes.get("hyphenate") and not _have_pyphen():
        warnings.append(
            f"{path}: hyphenate needs the pyphen package (pip install 'nightstand[hyphen]'); "
            "lines are not hyphenated"
        )
    return replace(settings, **changes)


def _have_pyphen() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyphen") is not None


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, object]]:
    """``library.open = "o"`` is a nested table in TOML; the action's name is the dotted path."""
    out: list[tuple[str, object]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            out.extend(_flatten(value, f"{prefix}{key}."))
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _parse_keys(
    value: object, path: Path, warnings: list[str]
) -> Mapping[str, tuple[str, ...]] | None:
    if not isinstance(value, dict):
        warnings.append(f"{path}: keys must be a table ([keys]); using the default keys")
        return None
    keys: dict[str, tuple[str, ...]] = {}
    for action, names in _flatten(value):
        raw = [names] if isinstance(names, str) else names
        if (
            not isinstance(raw, list)
            or not raw
            or not all(isinstance(n, str) and n.strip() for n in raw)
            or any(sanitize(n) != n for n in raw)
        ):
            warnings.append(
                f"{path}: keys.{sanitize(action)} must be a key name or a list of key names; "
                "its default keys stay"
            )
            continue
        # Textual writes several keys of one binding as "a,b"; accept that spelling too.
        split = tuple(k.strip() for n in raw for k in n.split(",") if k.strip())
        keys[action] = tuple(dict.fromkeys(split))
    return MappingProxyType(keys)
