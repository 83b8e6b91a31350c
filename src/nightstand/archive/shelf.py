"""The library's view of stories from the archives: site, status, chapters and "N new"."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from nightstand.archive.epubinfo import SourceInfo, source_info
from nightstand.archive.seen import cache_sources, cached_sources, seen_chapters

if TYPE_CHECKING:
    from nightstand.library import LibraryEntry
    from nightstand.state import CachedFile, StateStore


def annotate(
    entries: list[LibraryEntry],
    files: dict[str, CachedFile],
    store: StateStore,
    chapters: dict[str, int],
) -> list[LibraryEntry]:
    """``entries`` with their source, site, status, chapter count and new chapters filled in.

    ``chapters`` holds the chapter counts of the files just loaded; an EPUB's source is read
    from its package document once per version of the file and cached.
    """
    cached = cached_sources(store, files)
    fresh: list[tuple[str, int, int, SourceInfo]] = []
    infos: dict[str, SourceInfo] = {}
    for path, f in files.items():
        if f.error is not None:
            continue
        hit = cached.get(path)
        if hit and hit[0] == f.size and hit[1] == f.mtime_ns and path not in chapters:
            infos[path] = hit[2]
            continue
        info = source_info(Path(path)) if f.format == "epub" else None
        if info is None or info.source is None:
            # Not from an archive: the loader's chapter count is what the library shows.
            count = chapters.get(path, hit[2].chapters if hit else 0)
            info = SourceInfo(None, None, None, count)
        infos[path] = info
        fresh.append((path, f.size, f.mtime_ns, info))
    cache_sources(store, fresh)
    seen = seen_chapters(store, {i.source for i in infos.values() if i.source})
    result = []
    for entry in entries:
        info = infos.get(str(entry.path))
        if info is None:
            result.append(entry)
            continue
        last = seen.get(info.source) if info.source else None
        result.append(
            dataclasses.replace(
                entry,
                source=info.source,
                site=info.site,
                status=info.status,
                chapters=info.chapters,
                new_chapters=max(info.chapters - last, 0) if last is not None else 0,
            )
        )
    return result
