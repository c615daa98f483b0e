"""The articles folder and its index as one object that changes safely, for the app and the Python API.

Adding a file or a pasted article, or removing one, re-indexes (only new text is embedded). When
re-indexing fails, the change to the folder is undone, so that folder and index stay as they were. One
change at a time; questions always see a complete index (the old one until the new one is loaded).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

from embeddings import Embedder
from qa.articles import AddResult, add_article, add_articles, add_pasted_article, article_file, remove_article
from qa.files import atomic_write_bytes
from qa.ingest import Article
from qa.index import ProgressCallback, StoredArticle
from qa.retrieve import open_retriever
from qa.settings import Settings

log = logging.getLogger(__name__)

# changes the folder; returns (message, undo, names of the files it wrote or deleted)
Edit = Callable[[], tuple[str, Callable[[], None], list[str]]]


class Collection:
    def __init__(self, settings: Settings, progress: ProgressCallback | None = None,
                 embedder: Embedder | None = None) -> None:
        """Index ``settings.articles_dir``; ``report`` says what that did (problems with files included).
        ``embedder``: one already loaded for ``settings.embedder``, to reuse."""
        self.settings = settings
        self._lock = threading.Lock()
        self.retriever, self.report = open_retriever(settings, progress=progress, embedder=embedder)
        self.embedder = self.retriever.embedder  # loaded once, reused by every re-index

    @property
    def folder(self) -> Path:
        return Path(self.settings.articles_dir)

    def articles(self) -> list[StoredArticle]:
        return list(self.retriever.index.articles.values())

    def add_file(self, name: str, data: bytes, progress: ProgressCallback | None = None) -> str:
        """Add an uploaded file (any format of ``qa.readers``) under ``name``; ArticleError, and nothing
        changed, when it is not a usable article, its name is taken or its text is already in the collection."""
        return self.change(lambda: _added(add_article(self.folder, name, data, self.settings.max_article_bytes,
                                                      self.settings.passage_max_words, self._known())), progress)

    def add_files(self, files: list[tuple[str, bytes | Path]],
                  progress: ProgressCallback | None = None) -> tuple[list[AddResult], str]:
        """Add many files, given as (name, bytes) or (name, path), with one re-index: each is added, skipped
        as a duplicate or refused with the reason. Returns the per-file results and what re-indexing did. If re-indexing fails, every file
        added here is removed again and the error raised."""
        results: list[AddResult] = []

        def edit():
            results[:] = add_articles(self.folder, files, self.settings.max_article_bytes,
                                      self.settings.passage_max_words, self._known(),
                                      progress=(lambda done, total: progress("checking files", done, total))
                                      if progress else None)
            added = [r.article.path for r in results if r.article is not None]
            return (f"{len(added)} of {len(results)} files added.", lambda: [p.unlink(missing_ok=True) for p in added],
                    [p.name for p in added])

        if not files:
            return [], "no files were given."
        return results, self.change(edit, progress)

    def add_pasted(self, title: str, body: str, progress: ProgressCallback | None = None) -> str:
        return self.change(lambda: _added(add_pasted_article(self.folder, title, body, self.settings.max_article_bytes,
                                                             self.settings.passage_max_words, self._known())),
                           progress)

    def remove(self, article_id: str, progress: ProgressCallback | None = None) -> str:
        def edit():
            path = article_file(self.folder, article_id)
            data = remove_article(self.folder, article_id)
            return f"removed {path.name}.", lambda: atomic_write_bytes(path, data), [path.name]
        return self.change(edit, progress)

    def _known(self) -> dict[str, str] | None:
        """Content key -> file of each indexed article, for spotting a duplicate without reading the folder
        again; None (read the folder) when the index predates content keys."""
        stored = self.articles()
        if any(a.content_key is None for a in stored):
            return None
        return {a.content_key: a.file for a in stored}

    def change(self, edit: Edit, progress: ProgressCallback | None = None) -> str:
        """Run ``edit``, then re-index the files it touched; if indexing fails, undo the edit and raise.
        Returns the edit's message and what re-indexing did."""
        with self._lock:
            message, undo, touched = edit()
            try:
                retriever, report = open_retriever(self.settings, progress=progress, embedder=self.embedder,
                                                   loaded=self.retriever.index, touched=touched)
            except Exception:
                try:
                    undo()
                except Exception as undo_error:  # keep the first error; say the second
                    log.error("the change could not be undone: %s", undo_error)
                raise
            self.retriever, self.report = retriever, report
            return f"{message} {report.summary()}"


def _added(article: Article) -> tuple[str, Callable[[], None], list[str]]:
    """The message, the undo and the file of an article just written into the folder."""
    return f"added {article.path.name} ({len(article.passages)} passages).", article.path.unlink, [article.path.name]
