"""Typesetting: a Story, an area of W×H cells and settings to pages of styled lines.

Pure Python with no Textual import; the reader draws what this package computes.
"""

from __future__ import annotations

from nightstand.layout.lines import LayoutSettings, Line, Segment
from nightstand.layout.pages import Page, Paginator
from nightstand.layout.render import text_pages

__all__ = ["LayoutSettings", "Line", "Page", "Paginator", "Segment", "text_pages"]
