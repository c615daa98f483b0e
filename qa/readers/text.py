"""Plain text and Markdown: UTF-8, the title on the first line."""

from __future__ import annotations

from qa.readers.base import ArticleError, Document


class TextReader:
    format = "text"
    suffixes = (".txt", ".md")

    def looks_like(self, data: bytes) -> bool:
        return True  # whether it is text at all, decode_text says with the reason

    def read(self, name: str, data: bytes) -> Document:
        return Document(text=decode_text(name, data), format=self.format)


def decode_text(name: str, data: bytes) -> str:
    """The text of a UTF-8 file, or ArticleError saying why it is not one."""
    if b"\x00" in data:
        raise ArticleError(f"{name}: binary file (contains NUL bytes), not a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}); "
            "save it as UTF-8 and add it again"
        ) from None
    if not text.strip():
        raise ArticleError(f"{name}: empty article")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(10, len(text) // 100):
        raise ArticleError(f"{name}: looks binary ({controls} control characters), not a text article")
    return text
