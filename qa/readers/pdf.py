"""PDF files with a text layer (pypdf). Each page's text is kept apart, so a passage can say its page.
No OCR: a scanned PDF is refused with that reason."""

from __future__ import annotations

import io
import logging

from qa.readers.base import ArticleError, Document, clean_text, title_in_text

MIN_TEXT_WORDS = 5
MAX_PAGES = 1000  # an article, a report or an e-paper issue; more is a book, and hours of extraction here


class PdfReader:
    format = "pdf"
    suffixes = (".pdf",)

    def looks_like(self, data: bytes) -> bool:
        return b"%PDF-" in data[:1024]

    def read(self, name: str, data: bytes) -> Document:
        import pypdf

        if b"%%EOF" not in data.rstrip()[-4096:]:
            raise ArticleError(f"{name}: the PDF is truncated (it has no end-of-file marker); save it again")
        logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # its complaints about odd files are not the user's
        try:
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not _opens_without_password(reader):
                raise ArticleError(f"{name}: the PDF is encrypted with a password; save an unprotected copy")
            if len(reader.pages) > MAX_PAGES:
                raise ArticleError(f"{name}: {len(reader.pages):,} pages is more than an article ({MAX_PAGES:,} at most)")
            pages: list[str] = []
            extracted = 0
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                extracted += len(pages[-1])
                if extracted > len(data) * 20:  # text can't be much more than the file: a bomb
                    raise ArticleError(f"{name}: the PDF's text is far larger than the file; not read")
            info = reader.metadata
        except ArticleError:
            raise
        except Exception as exc:  # pypdf raises many kinds on damaged files, NotImplementedError included
            raise ArticleError(f"{name}: the PDF is damaged and cannot be read ({type(exc).__name__})") from None
        if sum(len(p.split()) for p in pages) < MIN_TEXT_WORDS:
            raise ArticleError(f"{name}: the PDF has no text layer (a scan?): it needs OCR, which kutip does not do")
        text, page_starts = _joined(pages)
        title = title_in_text(_meta(info, "title"), text)
        # the file's creation date is when the PDF was made, not when the article appeared: not kept
        return Document(text=text, format=self.format, title=title, author=_meta(info, "author"),
                        page_starts=page_starts)


def _opens_without_password(reader) -> bool:
    """Many PDFs are encrypted only to restrict printing or copying, with an empty user password."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # an unsupported cipher, or the cryptography package missing: treat as locked
        return False


def _joined(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    parts, starts, cursor = [], [], 0
    for page in pages:
        page = "\n".join(line.rstrip() for line in page.strip().splitlines())
        starts.append(cursor)
        parts.append(page)
        cursor += len(page) + 2
    return "\n\n".join(parts), tuple(starts)


def _meta(info, field: str) -> str | None:
    try:
        return clean_text(getattr(info, field, None) if info is not None else None)
    except Exception:  # a damaged info dictionary is not worth refusing the file for
        return None
