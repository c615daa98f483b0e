"""Readers turn an article file into text and metadata; one module per format, chosen by the file's suffix
and checked against its content.

``read_document(name, data, max_bytes)`` is the one entry point. A reader for another format is a class with
``format``, ``suffixes``, ``looks_like(data)`` and ``read(name, data)``, added to ``READERS``.
"""

from __future__ import annotations

from pathlib import Path

from qa.readers.base import ArticleError, Document, Reader
from qa.readers.docx import DocxReader
from qa.readers.html import HtmlReader
from qa.readers.pdf import PdfReader
from qa.readers.text import TextReader, decode_text

# order matters for naming what a file really is: binary formats are recognised first
READERS: tuple[Reader, ...] = (PdfReader(), DocxReader(), HtmlReader(), TextReader())
SUFFIXES: dict[str, Reader] = {suffix: reader for reader in reversed(READERS) for suffix in reader.suffixes}
ARTICLE_SUFFIXES: tuple[str, ...] = tuple(SUFFIXES)

__all__ = ["ARTICLE_SUFFIXES", "ArticleError", "Document", "READERS", "Reader", "check_size", "decode_text",
           "read_document", "reader_for"]


def reader_for(name: str, data: bytes) -> Reader:
    """The reader for a file, by its suffix; ArticleError when the suffix is not one kutip reads or when the
    content is another format than the suffix says."""
    suffix = Path(name).suffix.lower()
    reader = SUFFIXES.get(suffix)
    if reader is None:
        raise ArticleError(f"{name}: kutip reads {', '.join(ARTICLE_SUFFIXES)} files, not {suffix or 'files without a suffix'}")
    # text takes anything, so what a text file really is, the other readers say
    actual = next((r for r in READERS if r is not reader and r.format != "text" and r.looks_like(data)), None)
    if not reader.looks_like(data) or (reader.format == "text" and actual):
        what = f"it is {actual.format.upper()}" if actual else f"its content is not {reader.format.upper()}"
        raise ArticleError(f"{name}: the name says {suffix} but {what}; rename it or save it again")
    return reader


def check_size(name: str, size: int, max_bytes: int) -> None:
    """ArticleError for a file over the size limit."""
    if size > max_bytes:
        raise ArticleError(f"{name}: {size:,} bytes is over the limit of {max_bytes:,} bytes (KUTIP_MAX_ARTICLE_BYTES)")


def read_document(name: str, data: bytes, max_bytes: int) -> Document:
    """The document in a file's bytes, or ArticleError (with the file's name and the reason)."""
    check_size(name, len(data), max_bytes)
    if not data.strip():
        raise ArticleError(f"{name}: empty file")
    reader = reader_for(name, data)
    try:
        document = reader.read(name, data)
    except ArticleError:
        raise
    except Exception as exc:  # a library's own error on a file it cannot parse: refused, never a crash
        raise ArticleError(f"{name}: the {reader.format.upper()} file cannot be read ({type(exc).__name__})") from None
    if len(document.text) > max_bytes:  # a small file that unpacks into a huge text
        raise ArticleError(f"{name}: its text is {len(document.text):,} characters, over the limit of "
                           f"{max_bytes:,} (KUTIP_MAX_ARTICLE_BYTES)")
    return document
