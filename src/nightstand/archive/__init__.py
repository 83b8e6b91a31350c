"""Stories from the archives: downloading and updating them through FanFicFare.

``epubinfo`` and ``seen`` read what an EPUB and the state database say about a story's
source and never import FanFicFare, so the library and the reader pay nothing for it;
``fetch`` is the only module that imports FanFicFare, and only the commands that fetch
import it.
"""

from __future__ import annotations

from nightstand.errors import NightstandError


class ArchiveError(NightstandError):
    """A story cannot be fetched or updated; the message says why in one line."""
