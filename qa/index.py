"""The passage index on disk: normalised vectors, BM25 over words, and a manifest; dense search goes
through a vector store (``qa.vectors``: FAISS by default, or Milvus).

Layout of an index folder::

    CURRENT            name of the live version folder (replaced atomically)
    v-<stamp>/         manifest.json, passages.jsonl, vectors.npy, terms.jsonl, dense.faiss (FAISS hnsw/ivf), bm25/

A passage's vector and its BM25 terms are computed once: a new version takes them from the previous one for every passage whose text is unchanged.

A new version is written beside the live one and made live by replacing CURRENT, so a process killed
mid-write leaves the previous index usable. Every file's size and sha256 is in the manifest and checked
at load, so damage is reported, never searched. The folder is the source of truth: a Milvus collection
is brought in line with the live version each time the index is opened (so a process killed after the
switch is repaired by the next open).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from embeddings import Embedder
from qa.files import fsync_dir, sha256_file
from qa.ingest import Article, article_id_for, load_folder, sha256_text
from qa.language import TERMS_VERSION, search_terms
from qa.vectors import DENSE_FILE, StoreSync, VectorStore, VectorStoreError, make_vector_store, parse_store_spec
from qa.vectors.faiss import FaissStore

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
REBUILD_HINT = "rebuild it with: python -m qa index --rebuild"

# (phase, done, total) for each phase of an update that can take long: "reading" (article files), "embedding"
# and "stemming" (passages whose text is new)
ProgressCallback = Callable[[str, int, int], None]
PHASE_UNITS = {"checking files": "file", "reading": "file", "embedding": "passage", "stemming": "passage"}


class IndexNotFoundError(FileNotFoundError):
    pass


class IndexCorruptError(RuntimeError):
    pass


@dataclass(frozen=True)
class StoredPassage:
    id: str
    article: str
    paragraph: int
    start: int
    end: int
    text: str
    language: str
    sha256: str
    page: int | None = None


@dataclass(frozen=True)
class StoredArticle:
    id: str
    title: str
    source_url: str | None
    file: str
    sha256: str
    passages: int
    date: str | None = None
    source: str | None = None
    author: str | None = None
    format: str = "text"
    content_key: str | None = None  # same article in any format (qa.ingest.content_key)

    @classmethod
    def of(cls, article: Article) -> "StoredArticle":
        return cls(id=article.id, title=article.title, source_url=article.source_url, file=article.path.name,
                   sha256=article.sha256, passages=len(article.passages), date=article.date,
                   source=article.source, author=article.author, format=article.format,
                   content_key=article.content_key)


@dataclass
class UpdateReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_despite_errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per skipped file
    embedded: int = 0
    reused: int = 0
    rebuilt_because: str | None = None
    written: bool = False
    seconds: float = 0.0
    store_sync: StoreSync | None = None  # what bringing the vector store in line did

    def summary(self) -> str:
        store = f"; {self.store_sync.summary()}" if self.store_sync and self.store_sync.wrote else ""
        if not self.written:
            return (f"index is up to date: {len(self.unchanged)} articles, nothing embedded "
                    f"({self.seconds:.1f} s){store}")
        parts = [f"{len(self.added)} added", f"{len(self.changed)} changed", f"{len(self.removed)} removed",
                 f"{len(self.unchanged)} unchanged"]
        return (f"index updated: {', '.join(parts)}; {self.embedded} passages embedded, {self.reused} reused "
                f"({self.seconds:.1f} s){store}")


# ---------------------------------------------------------------- the index

class PassageIndex:
    """A loaded index: passages, their vectors, a vector store and BM25 over them."""

    def __init__(self, directory: Path, version: Path, manifest: dict, articles: dict[str, StoredArticle],
                 passages: list[StoredPassage], vectors: np.ndarray, bm25, store: VectorStore | None = None) -> None:
        self.directory = directory
        self.version = version  # the live version folder
        self.manifest = manifest
        self.articles = articles
        self.passages = passages
        self.vectors = vectors
        self.bm25 = bm25
        self.store = store  # None until open_store
        self.store_sync: StoreSync | None = None

    @property
    def dense(self):
        """The FAISS index when FAISS is the store, else None."""
        return self.store.index if isinstance(self.store, FaissStore) else None

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])

    def __len__(self) -> int:
        return len(self.passages)

    def search_dense(self, query_vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        if not self.passages:
            return []
        query = np.ascontiguousarray(query_vector, dtype=np.float32).reshape(1, -1)
        if query.shape[1] != self.dimension:
            raise ValueError(f"query vector has {query.shape[1]} dimensions, the index {self.dimension}")
        if self.store is None:
            raise RuntimeError("the index was loaded without a vector store: call open_store first")
        return self.store.search(query, min(n, len(self.passages)))

    def search_bm25(self, terms: list[str], n: int) -> list[tuple[int, float]]:
        """Passages by BM25 score for ``terms`` (from ``qa.language.search_terms``)."""
        tokens = [t for t in terms if t in self.bm25.vocab_dict] if self.bm25 is not None else []
        if not self.passages or self.bm25 is None or not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        top = np.argsort(-scores)[: min(n, len(scores))]
        return [(int(r), float(scores[r])) for r in top if scores[r] > 0]

    def open_store(self, vector_store: str = "faiss", reset: bool = False, token: str = "") -> StoreSync:
        """Open the vector store named by ``vector_store`` (``token``: for a Milvus server that asks for one)
        and bring it in line with this version; ``reset`` empties it first (a rebuild)."""
        store = make_vector_store(vector_store, self.directory, token=token)
        try:
            synced = store.sync(self.version, self.manifest, self.passages, self.vectors, reset=reset)
        except VectorStoreError:
            store.close()
            raise
        except (OSError, RuntimeError) as exc:  # FAISS reading dense.faiss
            store.close()
            raise IndexCorruptError(f"the index at {self.directory} is damaged ({exc}); {REBUILD_HINT}") from None
        if self.store is not None:
            self.store.close()
        self.store, self.store_sync = store, synced
        return synced

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    @classmethod
    def load(cls, directory: Path, vector_store: str = "faiss", token: str = "") -> "PassageIndex":
        """The live version of the index at ``directory``, its vector store opened and in line."""
        index = cls.load_local(directory)
        index.open_store(vector_store, token=token)
        return index

    @classmethod
    def load_local(cls, directory: Path) -> "PassageIndex":
        """The live version with every file checked, without a vector store."""
        directory = Path(directory)
        version = _live_version(directory)
        try:
            manifest = json.loads((version / "manifest.json").read_text("utf-8"))
            if manifest.get("format") != FORMAT_VERSION:
                raise IndexCorruptError(f"index format {manifest.get('format')!r} is not {FORMAT_VERSION}")
            for name, expected in manifest["files"].items():
                _check_file(version / name, expected)
            passages = [StoredPassage(**json.loads(line))
                        for line in (version / "passages.jsonl").read_text("utf-8").splitlines() if line]
            articles = {a["id"]: StoredArticle(**a) for a in manifest["articles"]}
            vectors = np.load(version / "vectors.npy", allow_pickle=False)
            if vectors.shape != (len(passages), manifest["dimension"]):
                raise IndexCorruptError(f"vectors have shape {vectors.shape}, expected "
                                        f"({len(passages)}, {manifest['dimension']})")
            bm25 = _load_bm25(version / "bm25") if passages else None
        except IndexCorruptError as exc:
            raise IndexCorruptError(f"the index at {directory} is damaged: {exc}; {REBUILD_HINT}") from None
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise IndexCorruptError(
                f"the index at {directory} is damaged ({type(exc).__name__}: {exc}); {REBUILD_HINT}") from None
        return cls(directory, version, manifest, articles, passages, vectors, bm25)


def sync_index(
    articles_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    index_kind: str = "flat",
    passage_max_words: int = 120,
    max_article_bytes: int = 5_000_000,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    vector_store: str = "faiss",
    store_token: str = "",
) -> tuple[PassageIndex, UpdateReport]:
    """Bring the index at ``index_dir`` in line with the articles in ``articles_dir``; return it loaded,
    its vector store (``qa.vectors``: ``faiss``, ``milvus:<folder>`` or ``milvus:<URI>``) in line too.

    Only passages whose text is new are embedded. A file that cannot be read keeps the passages it had
    in the index. A damaged index, or one built with another embedder or settings, is rebuilt.
    """
    store_spec = parse_store_spec(vector_store)  # a bad spec fails before any embedding
    started = time.perf_counter()
    report = UpdateReport()
    articles, skipped = load_folder(articles_dir, max_bytes=max_article_bytes, max_words=passage_max_words,
                                    progress=_phase(progress, "reading"))
    report.problems = [str(s) for s in skipped]
    broken_ids = {article_id_for(s.path) for s in skipped}

    previous: PassageIndex | None = None
    if not rebuild:
        try:
            previous = PassageIndex.load_local(index_dir)
        except IndexNotFoundError:
            pass
        except IndexCorruptError as exc:
            report.rebuilt_because = str(exc).split(";")[0]
    else:
        report.rebuilt_because = "a rebuild was asked for"
    if previous is not None:
        wanted = {"embedder": embedder.name, "dimension": embedder.dimension, "index_kind": index_kind,
                  "passage_max_words": passage_max_words}
        differs = {k: (previous.manifest.get(k), v) for k, v in wanted.items() if previous.manifest.get(k) != v}
        if differs:
            report.rebuilt_because = "settings changed: " + ", ".join(
                f"{k} {old!r} -> {new!r}" for k, (old, new) in differs.items())
            previous = None

    old_articles = previous.articles if previous else {}
    current = {a.id: a for a in articles}
    for article_id in sorted(set(current) | set(old_articles)):
        if article_id in current and article_id in old_articles:
            # new metadata alone (another reader, or an index from before it was kept) makes a new version too;
            # nothing is embedded again for it
            same = StoredArticle.of(current[article_id]) == old_articles[article_id]
            bucket = report.unchanged if same else report.changed
            bucket.append(article_id)
        elif article_id in current:
            report.added.append(article_id)
        elif article_id in broken_ids:
            report.kept_despite_errors.append(article_id)
        else:
            report.removed.append(article_id)

    # a version written for Milvus has no dense.faiss: FAISS hnsw/ivf need a new version (nothing re-embedded)
    needs_dense_file = (previous is not None and store_spec.kind == "faiss" and index_kind != "flat"
                        and DENSE_FILE not in previous.manifest["files"])
    if previous is not None and not (report.added or report.changed or report.removed or needs_dense_file):
        report.store_sync = previous.open_store(vector_store, token=store_token)
        report.seconds = time.perf_counter() - started
        return previous, report

    records_by_article: dict[str, list[StoredPassage]] = {}
    stored_articles: dict[str, StoredArticle] = {}
    for article in articles:
        records_by_article[article.id] = _passage_records(article)
        stored_articles[article.id] = StoredArticle.of(article)
    for article_id in report.kept_despite_errors:
        assert previous is not None
        records_by_article[article_id] = [p for p in previous.passages if p.article == article_id]
        stored_articles[article_id] = previous.articles[article_id]

    order = sorted(records_by_article)
    records = [r for article_id in order for r in records_by_article[article_id]]
    reusable: dict[str, np.ndarray] = {}
    known_terms: dict[tuple[str, str], list[str]] = {}
    if previous is not None:
        reusable = {p.sha256: previous.vectors[i] for i, p in enumerate(previous.passages)}
        known_terms = _reusable_terms(previous)
    vectors = np.zeros((len(records), embedder.dimension), dtype=np.float32)
    to_embed = [i for i, r in enumerate(records) if r.sha256 not in reusable]
    for i, r in enumerate(records):
        if r.sha256 in reusable:
            vectors[i] = reusable[r.sha256]
    _embed_rows(embedder, records, vectors, to_embed, _phase(progress, "embedding"))
    report.embedded, report.reused = len(to_embed), len(records) - len(to_embed)
    terms = _terms_rows(records, known_terms, _phase(progress, "stemming"))

    manifest = {
        "format": FORMAT_VERSION,
        "embedder": embedder.name,
        "dimension": embedder.dimension,
        "index_kind": index_kind,
        "passage_max_words": passage_max_words,
        "terms_version": TERMS_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "articles": [dataclasses.asdict(stored_articles[a]) for a in order],
    }
    write_index(index_dir, manifest, records, vectors, terms, vector_store=vector_store)
    report.written = True
    index = PassageIndex.load_local(index_dir)
    report.store_sync = index.open_store(vector_store, reset=rebuild, token=store_token)
    report.seconds = time.perf_counter() - started
    return index, report


def write_index(index_dir: Path, manifest: dict, records: Sequence[StoredPassage], vectors: np.ndarray,
                terms: Sequence[list[str]], vector_store: str = "faiss") -> Path:
    """Write a complete new version beside the live one, then switch CURRENT to it. ``terms[i]`` are the BM25
    terms of ``records[i]``. ``dense.faiss`` is written for FAISS only: another store is brought in line
    when the new version is opened."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    staging = index_dir / f".staging-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        with open(staging / "passages.jsonl", "w", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(dataclasses.asdict(record), ensure_ascii=False) + "\n")
        with open(staging / "vectors.npy", "wb") as out:
            np.save(out, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        if parse_store_spec(vector_store).kind == "faiss":
            FaissStore.write(staging, vectors, manifest["index_kind"])
        with open(staging / "terms.jsonl", "w", encoding="utf-8") as out:
            for row in terms:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        if records:
            _save_bm25(terms, staging / "bm25")
        manifest = dict(manifest, files={
            str(path.relative_to(staging)): _describe_file(path)
            for path in sorted(staging.rglob("*")) if path.is_file()})
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
        for path in staging.rglob("*"):
            if path.is_file():
                _fsync_file(path)
        version = index_dir / f"v-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        os.rename(staging, version)
        pointer = index_dir / f".CURRENT-{uuid.uuid4().hex[:8]}"
        pointer.write_text(version.name + "\n", "utf-8")
        _fsync_file(pointer)
        os.replace(pointer, index_dir / "CURRENT")
        fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for stale in index_dir.iterdir():
        if stale != version and (stale.name.startswith(("v-", ".staging-", ".CURRENT-"))):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
    return version


# ---------------------------------------------------------------- helpers

def _passage_records(article: Article) -> list[StoredPassage]:
    return [StoredPassage(id=p.id, article=p.article, paragraph=p.paragraph, start=p.start, end=p.end,
                          text=p.text, language=p.language, sha256=sha256_text(p.text), page=p.page)
            for p in article.passages]


def _reusable_terms(index: PassageIndex) -> dict[tuple[str, str], list[str]]:
    """(text sha256, language) -> BM25 terms of the passages of ``index``, when they were made by the term
    pipeline of this version of kutip (an index written before terms were kept has none)."""
    path = index.version / "terms.jsonl"
    if index.manifest.get("terms_version") != TERMS_VERSION or "terms.jsonl" not in index.manifest["files"]:
        return {}
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]  # checksummed at load
    if len(rows) != len(index.passages):  # not written by write_index: compute them again
        return {}
    return {(p.sha256, p.language): row for p, row in zip(index.passages, rows)}


def _phase(progress: ProgressCallback | None, phase: str, every: int = 16) -> Callable[[int, int], None] | None:
    """``progress`` for one phase, told at the start, every ``every`` items and at the end."""
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        if done % every == 0 or done == total:
            progress(phase, done, total)

    return report


def _terms_rows(records: Sequence[StoredPassage], known: dict[tuple[str, str], list[str]],
                progress: Callable[[int, int], None] | None) -> list[list[str]]:
    """The BM25 terms of each record: kept ones where the text is unchanged, else stemmed now."""
    new = [i for i, r in enumerate(records) if (r.sha256, r.language) not in known]
    stemmed: dict[int, list[str]] = {}
    for done, i in enumerate(new, start=1):
        stemmed[i] = search_terms(records[i].text, records[i].language)
        if progress:
            progress(done, len(new))
    return [stemmed[i] if i in stemmed else known[(r.sha256, r.language)] for i, r in enumerate(records)]


def _embed_rows(embedder: Embedder, records: Sequence[StoredPassage], vectors: np.ndarray,
                rows: list[int], progress: Callable[[int, int], None] | None, batch: int = 16) -> None:
    if progress:
        progress(0, len(rows))
    for done in range(0, len(rows), batch):
        chunk = rows[done : done + batch]
        vectors[chunk] = embedder.embed_passages([records[i].text for i in chunk])
        if progress:
            progress(done + len(chunk), len(rows))


def _live_version(directory: Path) -> Path:
    pointer = directory / "CURRENT"
    if not pointer.exists():
        raise IndexNotFoundError(f"no index at {directory}; build it with: python -m qa index")
    try:
        name = pointer.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"the index at {directory} is damaged (unreadable CURRENT: {exc}); {REBUILD_HINT}") from None
    version = directory / name
    if not name.startswith("v-") or "/" in name or not version.is_dir():
        raise IndexCorruptError(f"the index at {directory} is damaged (CURRENT names {name!r}, which is "
                                f"not there); {REBUILD_HINT}")
    return version


def _describe_file(path: Path) -> dict:
    return {"bytes": path.stat().st_size, "sha256": sha256_file(path)}


def _check_file(path: Path, expected: dict) -> None:
    if not path.is_file():
        raise IndexCorruptError(f"{path.name} is missing")
    size = path.stat().st_size
    if size != expected["bytes"]:
        raise IndexCorruptError(f"{path.name} has {size} bytes, expected {expected['bytes']}")
    if sha256_file(path) != expected["sha256"]:
        raise IndexCorruptError(f"{path.name} does not match its checksum")


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as stream:
        os.fsync(stream.fileno())


def _quiet_bm25s():
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG
    return bm25s


def _save_bm25(terms: Iterable[list[str]], folder: Path) -> None:
    bm25s = _quiet_bm25s()

    retriever = bm25s.BM25()
    corpus = [t or ["\x00empty"] for t in terms]
    retriever.index(corpus, show_progress=False)
    retriever.save(str(folder), show_progress=False)


def _load_bm25(folder: Path):
    bm25s = _quiet_bm25s()

    return bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
