"""The app's own exception types, each carrying a message fit to show a reader."""

from __future__ import annotations


class NightstandError(Exception):
    """Base of every error nightstand reports to a reader as one line."""


class StoryError(NightstandError):
    """A story file cannot be loaded: missing, unreadable, too large, not a story."""


class StateError(NightstandError):
    """The reading state cannot be used: a newer schema, an unusable directory."""


class SettingsError(NightstandError):
    """The settings file cannot be read."""
