"""What every reader gives back: the article's plain text and what is known about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class ArticleError(ValueError):
    """A file that cannot be used as an article; the message names the file and says why."""


@dataclass(frozen=True)
class Document:
    """An article's text as a reader extracted it: the title on the first line, paragraphs separated by
    blank lines. ``page_starts`` holds the offset in ``text`` where each page begins (PDF only)."""

    text: str
    format: str
    title: str | None = None
    date: str | None = None  # publication date, ISO yyyy-mm-dd
    source: str | None = None  # the site or publisher
    url: str | None = None
    author: str | None = None
    page_starts: tuple[int, ...] = field(default=())


class Reader(Protocol):
    format: str
    suffixes: tuple[str, ...]

    def looks_like(self, data: bytes) -> bool:
        """Whether the bytes are in this reader's format, whatever the file is called."""

    def read(self, name: str, data: bytes) -> Document:
        """The document in ``data``, or ArticleError saying why there is none."""


def clean_text(value: object) -> str | None:
    """A metadata value with its white space collapsed; None when there is nothing in it."""
    return (" ".join(str(value).split()) or None) if value else None


def title_in_text(title: str | None, text: str) -> str | None:
    """A title from a file's properties when the text opens with it somewhere near; None for a property that
    belongs to something else ("Microsoft Word - Document1", a template's title): the first line then titles
    the article."""
    title = clean_text(title)
    return title if title and title.casefold() in " ".join(text[:2000].split()).casefold() else None


def join_paragraphs(title: str | None, paragraphs: list[str]) -> str:
    """Text with the title first and blank lines between paragraphs (each paragraph's inner white space
    collapsed)."""
    parts = [p for p in (clean_text(p) for p in paragraphs) if p]
    if title:
        title = " ".join(title.split())
        if parts and parts[0].casefold() == title.casefold():
            parts = parts[1:]
        parts = [title, *parts]
    return "\n\n".join(parts)
