"""Adding and removing articles in the articles folder, safely: a file is checked before it is written,
written atomically, and its name can never leave the folder."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

from qa.files import atomic_write_bytes, fsync_dir
from qa.ingest import ARTICLE_SUFFIXES, Article, ArticleError, article_from_bytes, load_folder, read_file

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
        raise ArticleError(f"{name}: only {', '.join(ARTICLE_SUFFIXES)} files can be added")
    return name


def file_name_for_title(title: str) -> str:
    """A file name from a pasted article's title: lower-case words joined by dashes."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")
    if not slug:
        raise ArticleError("the title needs at least one letter or digit")
    return f"{slug}.txt"


def add_article(folder: Path, name: str, data: bytes, max_bytes: int, max_words: int = 120,
                known: Mapping[str, str] | None = None) -> Article:
    """Check an uploaded file and write it into ``folder``; ArticleError (and nothing written) if it is not
    a usable article, its name is taken, or the same article (in any format) is already there.
    ``known``: content key -> file name of the articles already in the folder (read from it if not given)."""
    folder = Path(folder)
    name = safe_file_name(name)
    taken = _taken_name(folder, Path(name).stem)
    if taken:
        raise ArticleError(f"{name}: there is already an article named {taken}; remove it first or rename the file")
    article = article_from_bytes(Path(name).stem, name, data, max_bytes, max_words, path=folder / name)
    known = known_articles(folder, max_bytes, max_words) if known is None else known
    if article.content_key in known:
        raise ArticleError(f"{name}: the same text is already in the collection as {known[article.content_key]}")
    atomic_write_bytes(folder / name, data)
    return article


@dataclass(frozen=True)
class AddResult:
    name: str  # as given
    status: str  # "added", "duplicate" or "refused"
    message: str
    article: Article | None = None  # when added

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


def add_articles(folder: Path, files: Iterable[tuple[str, bytes | Path]], max_bytes: int, max_words: int = 120,
                 known: Mapping[str, str] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> list[AddResult]:
    """Add many files at once, given as (name, bytes) or (name, path to read); each one is added, skipped as
    a duplicate (of an article in the folder or earlier in the batch, by content) or refused with the
    reason. A name already in the folder gets a number (``page-2.html``), so a folder of saved pages with
    repeated names can be added as it is."""
    folder = Path(folder)
    files = list(files)
    known = dict(known_articles(folder, max_bytes, max_words) if known is None else known)
    results: list[AddResult] = []
    written: list[Path] = []
    try:
        for number, (given, data) in enumerate(files):
            if progress:
                progress(number, len(files))
            try:
                if isinstance(data, Path):
                    data = read_file(data, max_bytes)
                name = _free_name(folder, safe_file_name(Path(given).name))
                article = article_from_bytes(Path(name).stem, Path(given).name, data, max_bytes, max_words,
                                             path=folder / name)
            except ArticleError as exc:
                results.append(AddResult(given, "refused", str(exc)))
                continue
            if article.content_key in known:
                results.append(AddResult(given, "duplicate", f"the same text is already in the collection as "
                                                             f"{known[article.content_key]}"))
                continue
            atomic_write_bytes(folder / name, data)
            written.append(folder / name)
            known[article.content_key] = name
            renamed = f" as {name}" if name != Path(given).name else ""
            results.append(AddResult(given, "added", f"added{renamed} ({len(article.passages)} passages)", article))
    except BaseException:  # a write failed (disk full) or the caller gave up: the batch leaves nothing behind
        for path in written:
            path.unlink(missing_ok=True)
        raise
    if progress and files:
        progress(len(files), len(files))
    return results


def known_articles(folder: Path, max_bytes: int, max_words: int = 120) -> dict[str, str]:
    """Content key -> file name of every usable article in ``folder``."""
    articles, _ = load_folder(folder, max_bytes=max_bytes, max_words=max_words)
    return {a.content_key: a.path.name for a in articles}


def _taken_name(folder: Path, article_id: str) -> str | None:
    """The file already using this article id; case aside, as on the file systems of macOS and Windows."""
    wanted = article_id.casefold()
    return next((p.name for p in folder.iterdir() if p.is_file() and p.stem.casefold() == wanted), None)


def _free_name(folder: Path, name: str) -> str:
    """``name``, or the first ``<stem>-<n><suffix>`` whose stem no file in ``folder`` uses."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, number = name, 1
    while _taken_name(folder, Path(candidate).stem):
        number += 1
        candidate = safe_file_name(f"{stem[:MAX_NAME_CHARS - 12]}-{number}{suffix}")
    return candidate


def add_pasted_article(folder: Path, title: str, body: str, max_bytes: int, max_words: int = 120,
                       known: Mapping[str, str] | None = None) -> Article:
    title, body = " ".join(str(title).split()), str(body).strip()
    if not title:
        raise ArticleError("a pasted article needs a title")
    if not body:
        raise ArticleError("the pasted article is empty")
    return add_article(folder, file_name_for_title(title), f"{title}\n\n{body}\n".encode("utf-8"), max_bytes,
                       max_words, known)


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
