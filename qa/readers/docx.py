"""Word files (.docx, python-docx): paragraphs and table cells in document order, title and author from the
document's properties."""

from __future__ import annotations

import io
import zipfile

from qa.readers.base import ArticleError, Document, clean_text, join_paragraphs, title_in_text

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old binary .doc, or a password-protected .docx
MAX_UNPACKED_BYTES = 100_000_000  # a few MB of .docx that unpack into more is a zip bomb, not an article


class DocxReader:
    format = "docx"
    suffixes = (".docx",)

    def looks_like(self, data: bytes) -> bool:
        if data.startswith(_OLE):
            return True  # refused in read() with the reason
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            package = zipfile.ZipFile(io.BytesIO(data))
            # the main part is word/document.xml, or word/document2.xml from Word Online: the content types say
            return b"wordprocessingml.document.main" in package.read("[Content_Types].xml")
        except KeyError:
            return False  # a zip, but no Office document
        except Exception:
            return True  # a damaged .docx: read() says so

    def read(self, name: str, data: bytes) -> Document:
        import docx

        if data.startswith(_OLE):
            raise ArticleError(f"{name}: a password-protected or old-format Word file; save it as an "
                               f"unprotected .docx")
        try:
            unpacked = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())
        except Exception as exc:
            raise ArticleError(f"{name}: the Word file is damaged and cannot be read ({type(exc).__name__})") from None
        if unpacked > MAX_UNPACKED_BYTES:
            raise ArticleError(f"{name}: the Word file unpacks into {unpacked:,} bytes, over {MAX_UNPACKED_BYTES:,}")
        try:
            document = docx.Document(io.BytesIO(data))
            paragraphs = list(_paragraphs(document))
            props = document.core_properties
            title, author = props.title, props.author  # its created date is the file's, not the article's
        except ArticleError:
            raise
        except Exception as exc:  # python-docx raises zip, XML and key errors on damaged files
            raise ArticleError(f"{name}: the Word file is damaged and cannot be read ({type(exc).__name__})") from None
        if not any(p.strip() for p in paragraphs):
            raise ArticleError(f"{name}: the Word file has no text")
        title = title_in_text(title, " ".join(paragraphs))
        return Document(text=join_paragraphs(title, paragraphs), format=self.format, title=title,
                        author=clean_text(author))


def _paragraphs(document):
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block.text
        elif isinstance(block, Table):
            for row in block.rows:
                cells = []
                for cell in row.cells:
                    if cell.text.strip() and cell.text not in cells:  # merged cells repeat their text
                        cells.append(cell.text)
                yield " | ".join(" ".join(c.split()) for c in cells)
