"""Adding and removing articles in the articles folder, safely: a file is checked before it is written,
written atomically, and its name can never leave the folder."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from qa.files import atomic_write_bytes, fsync_dir
from qa.ingest import ARTICLE_SUFFIXES, Article, ArticleError, decode_article, load_folder, parse_article, sha256_text

MAX_NAME_CHARS = 100


def safe_file_name(name: str) -> str:
    """The bare file name an upload may be stored under, or ArticleError. Folders in the name are refused,
    not stripped, so that ``../../etc/x.txt`` is reported rather than quietly written somewhere."""
    name = unicodedata.normalize("NFC", str(name)).strip()
    if not name:
        raise ArticleError("the file has no name")
    if "/" in name or "\\" in name or "\x00" in name:
        raise ArticleError(f"{name!r}: a file name must not contain folders (/ or \\)")
    if name in (".", "..") or name.startswith("."):
        raise ArticleError(f"{name!r}: a file name must not start with a dot")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ArticleError(f"{name!r}: the file name contains control characters")
    if len(name) > MAX_NAME_CHARS:
        raise ArticleError(f"{name[:40]!r}…: the file name is longer than {MAX_NAME_CHARS} characters")
    if Path(name).suffix.lower() not in ARTICLE_SUFFIXES:
        raise ArticleError(f"{name}: only {' and '.join(ARTICLE_SUFFIXES)} files can be added")
    return name


def file_name_for_title(title: str) -> str:
    """A file name from a pasted article's title: lower-case words joined by dashes."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")
    if not slug:
        raise ArticleError("the title needs at least one letter or digit")
    return f"{slug}.txt"


def add_article(folder: Path, name: str, data: bytes, max_bytes: int, max_words: int = 120) -> Article:
    """Check an uploaded file and write it into ``folder``; ArticleError (and nothing written) if it is not
    a usable article, its name is taken, or an article with the same text is already there."""
    folder = Path(folder)
    name = safe_file_name(name)
    article_id = Path(name).stem
    taken = [p.name for p in folder.iterdir() if p.is_file() and p.stem == article_id]
    if taken:
        raise ArticleError(f"{name}: there is already an article named {taken[0]}; remove it first or rename the file")
    text = decode_article(name, data, max_bytes)
    article = parse_article(article_id, text, path=folder / name, max_words=max_words)
    existing, _ = load_folder(folder, max_bytes=max_bytes, max_words=max_words)
    same = next((a for a in existing if a.sha256 == sha256_text(text)), None)
    if same is not None:
        raise ArticleError(f"{name}: the same text is already in the collection as {same.path.name}")
    atomic_write_bytes(folder / name, data)
    return article


def add_pasted_article(folder: Path, title: str, body: str, max_bytes: int, max_words: int = 120) -> Article:
    title, body = " ".join(str(title).split()), str(body).strip()
    if not title:
        raise ArticleError("a pasted article needs a title")
    if not body:
        raise ArticleError("the pasted article is empty")
    return add_article(folder, file_name_for_title(title), f"{title}\n\n{body}\n".encode("utf-8"), max_bytes,
                       max_words)


def article_file(folder: Path, article_id: str) -> Path:
    """The file of an article in ``folder`` (never outside it), or ArticleError."""
    folder = Path(folder)
    for path in folder.iterdir():
        if path.is_file() and path.stem == article_id and path.suffix.lower() in ARTICLE_SUFFIXES \
                and not path.name.startswith("."):
            return path
    raise ArticleError(f"there is no article {article_id!r} in {folder}")


def remove_article(folder: Path, article_id: str) -> bytes:
    """Delete an article's file; returns its bytes so that a caller can put it back."""
    path = article_file(folder, article_id)
    data = path.read_bytes()
    path.unlink()
    fsync_dir(path.parent)
    return data
