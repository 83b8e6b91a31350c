"""The spoiler consent saved for a story, for ``info`` and ``cat``.

What the reader chose in the reader (show everything, or the content warnings only) is
followed by the commands too; ``--reveal-spoilers`` still reveals everything once. The
``ask_spoilers_every_time`` setting means nothing is remembered, so nothing is followed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nightstand.errors import StateError

if TYPE_CHECKING:
    from pathlib import Path

    from nightstand.settings import Settings
    from nightstand.story import Story


def saved_consent(path: Path, story: Story, settings: Settings) -> tuple[bool, bool]:
    """(everything revealed, content warnings shown) as saved for this story and settings."""
    from nightstand.state import StateStore

    warnings = settings.show_content_warnings
    if settings.ask_spoilers_every_time or not story.spoiler_keys:
        return False, warnings
    try:
        store = StateStore.open()
    except StateError:
        return False, warnings
    with store:
        key = store.find_key(story, path)
        if key is None:
            return False, warnings
        return store.spoiler_consent(key), warnings or store.warnings_consent(key)
