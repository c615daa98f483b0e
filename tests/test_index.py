import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from embeddings import get_embedder
from qa.ingest import load_folder
from qa.index import IndexCorruptError, IndexNotFoundError, PassageIndex, sync_index
from qa.vectors.faiss import make_faiss_index

from conftest import ROOT


class CountingEmbedder:
    """The real e5 embedder, counting what it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dimension, self.embedded = inner, inner.name, inner.dimension, 0

    def embed_passages(self, texts):
        self.embedded += len(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_seed_index_holds_every_passage(seeds_index):
    assert len(seeds_index) == 26
    assert set(seeds_index.articles) == {"000_bf74d578131212df", "002_b61871bac814194b"}
    assert seeds_index.articles["002_b61871bac814194b"].source_url.startswith("https://thanhnien.vn/")
    assert seeds_index.manifest["embedder"] == "e5-small" and seeds_index.manifest["dimension"] == 384
    assert seeds_index.vectors.shape == (26, 384)


def test_incremental_updates_embed_only_what_changed(tmp_path, articles_copy, e5):
    counting = CountingEmbedder(e5)
    index_dir = tmp_path / "index"
    index, report = sync_index(articles_copy, index_dir, counting)
    assert counting.embedded == 26 and report.added == sorted(index.articles)

    _, report = sync_index(articles_copy, index_dir, counting)
    assert counting.embedded == 26 and not report.written and "nothing embedded" in report.summary()

    (articles_copy / "baru.txt").write_text("Berita baru\nSeoul mengumumkan sanksi baru terhadap Pyongyang.\n", "utf-8")
    index, report = sync_index(articles_copy, index_dir, counting)
    assert report.added == ["baru"] and report.embedded == 2 and report.reused == 26
    assert counting.embedded == 28 and len(index) == 28

    path = articles_copy / "000_bf74d578131212df.txt"
    path.write_text(path.read_text("utf-8") + "\nParagraf tambahan tentang bantuan.\n", "utf-8")
    index, report = sync_index(articles_copy, index_dir, counting)
    assert report.changed == ["000_bf74d578131212df"] and report.embedded == 1

    (articles_copy / "baru.txt").unlink()
    index, report = sync_index(articles_copy, index_dir, counting)
    assert report.removed == ["baru"] and report.embedded == 0 and len(index) == 27
    assert not any(p.article == "baru" for p in index.passages)


def test_a_file_broken_after_indexing_keeps_its_passages(tmp_path, articles_copy, e5):
    index_dir = tmp_path / "index"
    sync_index(articles_copy, index_dir, e5)
    (articles_copy / "002_b61871bac814194b.txt").write_bytes(b"\xff\xfe rusak")
    index, report = sync_index(articles_copy, index_dir, e5)
    assert report.kept_despite_errors == ["002_b61871bac814194b"]
    assert any("not UTF-8" in p for p in report.problems)
    assert len(index) == 26


def test_another_embedder_rebuilds_with_a_message(tmp_path, articles_copy, e5):
    index_dir = tmp_path / "index"
    sync_index(articles_copy, index_dir, e5)
    minilm = get_embedder("sentence-transformers:all-MiniLM-L6-v2")
    index, report = sync_index(articles_copy, index_dir, minilm)
    assert "embedder 'e5-small' -> 'sentence-transformers:all-MiniLM-L6-v2'" in report.rebuilt_because
    assert report.embedded == 26 and index.embedder_name == minilm.name


def test_missing_index_is_reported(tmp_path):
    with pytest.raises(IndexNotFoundError, match="python -m qa index"):
        PassageIndex.load(tmp_path / "nothing")


@pytest.mark.parametrize("damage", ["truncate-vectors", "flip-byte-passages", "garbage-current", "drop-manifest"])
def test_corrupted_index_is_detected_and_rebuilt(tmp_path, articles_copy, e5, damage):
    index_dir = tmp_path / "index"
    sync_index(articles_copy, index_dir, e5)
    version = index_dir / (index_dir / "CURRENT").read_text().strip()
    if damage == "truncate-vectors":
        data = (version / "vectors.npy").read_bytes()
        (version / "vectors.npy").write_bytes(data[: len(data) // 2])
    elif damage == "flip-byte-passages":
        data = bytearray((version / "passages.jsonl").read_bytes())
        data[100] ^= 0x01
        (version / "passages.jsonl").write_bytes(bytes(data))
    elif damage == "garbage-current":
        (index_dir / "CURRENT").write_text("../../etc")
    else:
        (version / "manifest.json").unlink()
    with pytest.raises(IndexCorruptError, match="damaged.*python -m qa index --rebuild"):
        PassageIndex.load(index_dir)
    index, report = sync_index(articles_copy, index_dir, e5)
    assert report.rebuilt_because and "damaged" in report.rebuilt_because
    assert len(PassageIndex.load(index_dir)) == 26


def test_killed_while_writing_leaves_the_previous_index_usable(tmp_path, articles_copy, e5):
    index_dir = tmp_path / "index"
    sync_index(articles_copy, index_dir, e5)
    for i in range(40):  # enough new text that writing takes a while
        (articles_copy / f"extra{i:02d}.txt").write_text(f"Judul {i}\n" + f"Kalimat nomor {i} tentang pasukan. " * 30 + "\n", "utf-8")
    script = (f"import sys; sys.path.insert(0, {str(ROOT)!r});"
              "from embeddings import get_embedder; from qa.index import sync_index;"
              f"sync_index({str(articles_copy)!r}, {str(index_dir)!r}, get_embedder('e5-small'))")
    process = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = 60.0
        started = time.monotonic()
        while time.monotonic() - started < deadline:  # kill it once it is writing the new version
            if any(p.name.startswith((".staging-", "v-")) and p.name != (index_dir / "CURRENT").read_text().strip()
                   for p in index_dir.iterdir()):
                break
            if process.poll() is not None:
                break
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    complete = sum(len(a.passages) for a in load_folder(articles_copy)[0])
    index = PassageIndex.load(index_dir)
    assert len(index) in (26, complete)  # the old one, or the complete new one, never a mix
    assert index.vectors.shape[0] == len(index)
    _, report = sync_index(articles_copy, index_dir, e5)  # and the next run finishes the job
    assert len(PassageIndex.load(index_dir).articles) == 42
    assert not any(p.name.startswith(".staging-") for p in index_dir.iterdir())


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_faiss_kinds_find_the_nearest_vector(kind):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(5000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = make_faiss_index(vectors, kind)
    _, found = index.search(vectors[:50], 1)
    assert (found[:, 0] == np.arange(50)).mean() >= 0.9


def test_hnsw_index_round_trips_through_disk(tmp_path, articles_copy, e5):
    big = articles_copy
    for i in range(60):
        (big / f"n{i:02d}.txt").write_text(
            f"Judul {i}\n" + "\n".join(f"Paragraf {j} artikel {i} tentang topik {i * 7 + j}." for j in range(20)) + "\n", "utf-8")
    index, _ = sync_index(big, tmp_path / "index", e5, index_kind="hnsw")
    assert len(index) > 1000
    loaded = PassageIndex.load(tmp_path / "index")
    assert loaded.manifest["index_kind"] == "hnsw" and loaded.dense.ntotal == len(index)
    row, _ = loaded.search_dense(loaded.vectors[1234], 1)[0]
    assert row == 1234


def test_bm25_terms_are_kept_and_only_new_text_is_stemmed(tmp_path, articles_copy, monkeypatch):
    """Each version keeps every passage's BM25 terms (terms.jsonl, checksummed); the next version stems only
    passages whose text is new, and its BM25 is the same as one built from fresh terms."""
    import json

    import qa.index
    from doubles import HashingEmbedder
    from qa.language import search_terms

    stemmed: list[str] = []

    def counting_search_terms(text, language, translate=False):
        stemmed.append(text)
        return search_terms(text, language, translate)

    monkeypatch.setattr(qa.index, "search_terms", counting_search_terms)
    index_dir = tmp_path / "index"
    index, _ = sync_index(articles_copy, index_dir, HashingEmbedder())
    assert len(stemmed) == len(index) == 26 and "terms.jsonl" in index.manifest["files"]
    kept = [json.loads(line) for line in (index.version / "terms.jsonl").read_text("utf-8").splitlines()]
    assert kept == [search_terms(p.text, p.language) for p in index.passages]

    stemmed.clear()
    (articles_copy / "baru.txt").write_text("Berita baru\nSeoul mengumumkan sanksi baru terhadap Pyongyang.\n", "utf-8")
    index, report = sync_index(articles_copy, index_dir, HashingEmbedder())
    assert report.added == ["baru"] and stemmed == ["Berita baru", "Seoul mengumumkan sanksi baru terhadap Pyongyang."]
    rebuilt, _ = sync_index(articles_copy, tmp_path / "fresh", HashingEmbedder())
    question = search_terms("Siapa yang mengumumkan sanksi terhadap Pyongyang?", "id")
    assert index.search_bm25(question, 5) == rebuilt.search_bm25(question, 5)


def test_terms_made_by_another_term_pipeline_are_made_again(tmp_path, articles_copy, monkeypatch):
    import json

    import qa.index
    from doubles import HashingEmbedder

    index_dir = tmp_path / "index"
    index, _ = sync_index(articles_copy, index_dir, HashingEmbedder())
    manifest = json.loads((index.version / "manifest.json").read_text("utf-8"))
    (index.version / "manifest.json").write_text(json.dumps(dict(manifest, terms_version=0)), "utf-8")
    monkeypatch.setattr(qa.index, "search_terms", lambda text, language, translate=False: ["x"])
    (articles_copy / "baru.txt").write_text("Berita baru\nSeoul mengumumkan sanksi baru.\n", "utf-8")
    index, _ = sync_index(articles_copy, index_dir, HashingEmbedder())
    rows = (index.version / "terms.jsonl").read_text("utf-8").splitlines()
    assert len(rows) == 28 and set(rows) == {'["x"]'}  # every passage stemmed again, none taken from version 0


def test_every_long_phase_reports_progress(tmp_path, articles_copy):
    from doubles import HashingEmbedder

    seen: list[tuple[str, int, int]] = []
    sync_index(articles_copy, tmp_path / "index", HashingEmbedder(), progress=lambda *step: seen.append(step))
    phases = list(dict.fromkeys(phase for phase, _, _ in seen))
    assert phases == ["reading", "embedding", "stemming"]
    last = {phase: (done, total) for phase, done, total in seen}
    assert last == {"reading": (2, 2), "embedding": (26, 26), "stemming": (26, 26)}

    seen.clear()
    (articles_copy / "baru.txt").write_text("Berita baru\nSeoul mengumumkan sanksi baru.\n", "utf-8")
    sync_index(articles_copy, tmp_path / "index", HashingEmbedder(), progress=lambda *step: seen.append(step))
    last = {phase: (done, total) for phase, done, total in seen}
    assert last["embedding"] == (2, 2) and last["stemming"] == (2, 2)  # only the new passages
