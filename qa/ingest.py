"""Articles from files, and passages from articles.

An article is a file that one of ``qa.readers`` reads (text, Markdown, a saved web page, PDF, Word); its id
is the file name without extension. Passages follow
paragraphs: a line broken mid-sentence is joined to the next one, a long paragraph is windowed on sentence
boundaries. Every passage keeps character offsets into the decoded file text, so that
``" ".join(article.text[p.start:p.end].split()) == p.text`` always holds.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

from qa.language import Language, detect_language
from qa.readers import ARTICLE_SUFFIXES, ArticleError, Document, check_size, read_document

__all__ = ["ARTICLE_SUFFIXES", "Article", "ArticleError", "Passage", "SkippedFile", "article_id_for",
           "content_key", "load_article", "load_folder", "parse_article", "read_file", "sentence_spans",
           "sha256_text"]

TITLE_MAX_CHARS = 120

_SOURCE_LINE = re.compile(r"^\s*(?:sumber|source)\s*:\s*(\S+)\s*$", re.IGNORECASE)
_TRAILING_BOILERPLATE = re.compile(
    r"^\s*(?:komentar|comments?|komen)\s*\(\d+\)\s*$"
    r"|^\s*(?:baca juga|read more|bagikan|share|tags?)\s*:?.{0,80}$",
    re.IGNORECASE,
)
# A line that ends like this closes its paragraph; any other line continues on the next one.
_PARAGRAPH_END = re.compile(r"""[.!?…;"”’)\]]\s*$""")
# A sentence ends at . ! ? … (optionally closed by a quote or bracket) followed by white space.
_SENTENCE_END = re.compile(r"""[.!?…]+["”’)\]]*(?=\s)""")


@dataclass(frozen=True)
class Passage:
    id: str  # "<article>#<n>", n counting from 1
    article: str
    paragraph: int  # counting from 1; windows of one long paragraph share it
    start: int  # character offsets into the article's decoded text
    end: int
    text: str  # the file text between the offsets, white space collapsed
    language: Language
    page: int | None = None  # counting from 1, for formats with pages (PDF)


@dataclass(frozen=True)
class Article:
    id: str
    path: Path
    title: str
    source_url: str | None
    text: str  # the decoded file, or the text a reader extracted from it
    sha256: str  # of ``text``
    passages: tuple[Passage, ...]
    date: str | None = None  # publication date, ISO yyyy-mm-dd, when the file says it
    source: str | None = None  # site or publisher
    author: str | None = None
    format: str = "text"
    content_key: str = ""  # the same article's words in any format or layout (``content_key``)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_id_for(path: str | os.PathLike) -> str:
    """The file name without its suffix (``Path.stem`` for every article suffix; cheap for 100,000 files)."""
    return os.path.splitext(os.path.basename(path))[0]


def load_article(path: Path, max_bytes: int = 5_000_000, max_words: int = 120) -> Article:
    path = Path(path)
    if path.suffix.lower() not in ARTICLE_SUFFIXES:
        raise ArticleError(f"{path.name}: not an article (expected {', '.join(ARTICLE_SUFFIXES)})")
    return article_from_bytes(article_id_for(path), path.name, read_file(path, max_bytes), max_bytes, max_words,
                              path=path)


def read_file(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, or ArticleError when it cannot be read or is over the limit (checked before reading)."""
    try:
        check_size(path.name, path.stat().st_size, max_bytes)
        return path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{path.name}: cannot be read ({exc.strerror})") from None


def article_from_bytes(article_id: str, name: str, data: bytes, max_bytes: int, max_words: int = 120,
                       path: Path | None = None) -> Article:
    """The article in a file's bytes (any format ``qa.readers`` reads), or ArticleError."""
    document = read_document(name, data, max_bytes)
    return parse_article(article_id, document.text, path=path or Path(name), max_words=max_words,
                         document=document)


def content_key(title: str, passages: Iterable[Passage]) -> str:
    """The same article's words give the same key in any format or layout: its words, case-folded,
    punctuation and spacing ignored, with the title's words left out where the text opens with them (each
    format gives titles its own way: a line, a property, a heading, a title that wraps)."""
    passages = list(passages)
    words = re.findall(r"\w+", " ".join(p.text for p in passages).casefold())
    title_words = re.findall(r"\w+", title.casefold())
    if title_words and words[:len(title_words)] == title_words and len(words) > len(title_words):
        words = words[len(title_words):]
    elif len({p.paragraph for p in passages}) > 1:  # a title that is not in the text: drop the first line
        words = re.findall(r"\w+", " ".join(p.text for p in passages if p.paragraph > 1).casefold())
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def parse_article(article_id: str, text: str, path: Path | None = None, max_words: int = 120,
                  document: Document | None = None) -> Article:
    """Passages of an article's text; ``document`` (from a reader) adds its metadata and page starts."""
    label = path.name if path else article_id
    lines = list(_lines_with_offsets(text))
    content = [(s, e, line) for s, e, line in lines if line.strip()]
    if not content:
        raise ArticleError(f"{label}: empty article")

    source_url = None
    body: list[tuple[int, int, str]] = []
    for s, e, line in content:
        match = _SOURCE_LINE.match(line)
        if match and re.match(r"https?://", match.group(1)):
            source_url = source_url or match.group(1)
        else:
            body.append((s, e, line))
    while body and _TRAILING_BOILERPLATE.match(body[-1][2]):
        body.pop()
    if not body:
        raise ArticleError(f"{label}: no article text besides boilerplate")

    full_title = document.title if document and document.title else body[0][2].lstrip("#").strip()
    title = _title_from(full_title)
    page_starts = list(document.page_starts) if document else []
    passages = []
    for paragraph_number, (p_start, p_end) in enumerate(_paragraph_spans(text, lines, body), start=1):
        for w_start, w_end in _windows(text, p_start, p_end, max_words):
            passage_text = " ".join(text[w_start:w_end].split())
            passages.append(
                Passage(
                    id=f"{article_id}#{len(passages) + 1}",
                    article=article_id,
                    paragraph=paragraph_number,
                    start=w_start,
                    end=w_end,
                    text=passage_text,
                    language=detect_language(passage_text, default="id"),
                    page=bisect.bisect_right(page_starts, w_start) or None if page_starts else None,
                )
            )
    source_url = (document.url if document else None) or source_url
    return Article(
        id=article_id,
        path=path or Path(f"{article_id}.txt"),
        title=title,
        source_url=source_url,
        text=text,
        sha256=sha256_text(text),
        passages=tuple(passages),
        date=document.date if document else None,
        source=(document.source if document else None) or _site_of(source_url),
        author=document.author if document else None,
        format=document.format if document else "text",
        content_key=content_key(full_title, passages),
    )


def _site_of(url: str | None) -> str | None:
    """The site a URL is on, without "www.": what a reader recognises as the source."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


@dataclass(frozen=True)
class SkippedFile:
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.reason} (skipped)"


def article_files(folder: Path) -> tuple[dict[str, os.DirEntry], list[SkippedFile]]:
    """Article id -> directory entry (a path-like with ``name`` and ``stat()``) of every article file in
    ``folder`` (by suffix, hidden files left out), in name order, and the files skipped because two of them
    share an id (neither wins silently: both wait until one is renamed)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"articles folder {folder} does not exist")
    by_id: dict[str, list[os.DirEntry]] = {}
    with os.scandir(folder) as entries:
        found = sorted(((os.path.splitext(e.name), e) for e in entries if not e.name.startswith(".")),
                       key=lambda item: item[1].name)
    for (stem, suffix), entry in found:  # stem: article_id_for(entry), without splitting the name twice
        if suffix.lower() in ARTICLE_SUFFIXES and entry.is_file():
            by_id.setdefault(stem, []).append(entry)
    problems = [SkippedFile(Path(e.path), f"{e.name}: {' and '.join(q.name for q in entries)} share the article "
                                          f"id {article_id!r}; rename one")
                for article_id, entries in by_id.items() if len(entries) > 1 for e in entries]
    return {article_id: entries[0] for article_id, entries in by_id.items() if len(entries) == 1}, problems


def load_folder(
    folder: Path, max_bytes: int = 5_000_000, max_words: int = 120,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Article], list[SkippedFile]]:
    """Every usable article in ``folder`` (sorted by id), and each file that was skipped with the reason;
    ``progress`` gets (files read, files in all)."""
    files, problems = article_files(folder)
    articles: list[Article] = []
    for number, entry in enumerate(files.values()):
        if progress:
            progress(number, len(files))
        try:
            articles.append(load_article(Path(entry.path), max_bytes=max_bytes, max_words=max_words))
        except ArticleError as exc:
            problems.append(SkippedFile(Path(entry.path), str(exc)))
    if progress and files:
        progress(len(files), len(files))
    return articles, problems


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of the sentences of ``text[start:end]``, without surrounding white space."""
    end = len(text) if end is None else end
    spans = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        spans.append((cursor, match.end()))
        cursor = match.end()
    spans.append((cursor, end))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            trimmed.append((s, e))
    return trimmed


def _lines_with_offsets(text: str) -> Iterator[tuple[int, int, str]]:
    offset = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        stripped_left = len(line) - len(line.lstrip())
        core = line.strip()
        start = offset + stripped_left
        yield start, start + len(core), core
        offset += len(raw)


def _title_from(first_line: str) -> str:
    title = first_line.lstrip("#").strip()
    if len(title) <= TITLE_MAX_CHARS:
        return title
    cut = title[:TITLE_MAX_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;: ") + "…"


def _paragraph_spans(
    text: str, lines: list[tuple[int, int, str]], body: list[tuple[int, int, str]]
) -> Iterable[tuple[int, int]]:
    """Join body lines into paragraphs. A blank line always ends a paragraph; the first line (the title)
    and markdown headings stand alone; any other line without closing punctuation runs on."""
    line_index = {s: i for i, (s, _, _) in enumerate(lines)}
    current: tuple[int, int] | None = None
    previous_line = -2
    for position, (s, e, line) in enumerate(body):
        index = line_index[s]
        stands_alone = position == 0 or line.startswith("#")
        if current is not None and index == previous_line + 1 and not stands_alone:
            current = (current[0], e)
        else:
            if current is not None:
                yield current
            current = (s, e)
        previous_line = index
        if stands_alone or _PARAGRAPH_END.search(line):
            yield current
            current = None
    if current is not None:
        yield current


def _windows(text: str, start: int, end: int, max_words: int) -> Iterable[tuple[int, int]]:
    """Cut a paragraph into windows of whole sentences under ``max_words`` words (a single longer sentence
    is cut on words)."""
    if len(text[start:end].split()) <= max_words:
        yield start, end
        return
    window: tuple[int, int] | None = None
    words = 0
    for s, e in sentence_spans(text, start, end):
        n = len(text[s:e].split())
        if n > max_words:
            if window is not None:
                yield window
                window, words = None, 0
            yield from _word_chunks(text, s, e, max_words)
            continue
        if window is not None and words + n > max_words:
            yield window
            window, words = None, 0
        window = (s, e) if window is None else (window[0], e)
        words += n
    if window is not None:
        yield window


def _word_chunks(text: str, start: int, end: int, max_words: int) -> Iterable[tuple[int, int]]:
    spans = [m.span() for m in re.finditer(r"\S+", text[start:end])]
    for i in range(0, len(spans), max_words):
        chunk = spans[i : i + max_words]
        yield start + chunk[0][0], start + chunk[-1][1]
