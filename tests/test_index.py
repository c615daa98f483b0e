import hashlib
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
    indonesian = sum(p.language == "id" for p in index.passages)
    assert indonesian > 20 and report.glossed == indonesian  # each with its English gloss
    assert counting.embedded == 26 + indonesian and report.added == sorted(index.articles)

    _, report = sync_index(articles_copy, index_dir, counting)
    assert counting.embedded == 26 + indonesian and not report.written and "nothing embedded" in report.summary()

    (articles_copy / "baru.txt").write_text("Berita baru\nSeoul mengumumkan sanksi baru terhadap Pyongyang.\n", "utf-8")
    index, report = sync_index(articles_copy, index_dir, counting)
    assert report.added == ["baru"] and report.embedded == 2 and report.glossed == 2 and report.reused == 26
    assert counting.embedded == 30 + indonesian and len(index) == 28

    path = articles_copy / "000_bf74d578131212df.txt"
    path.write_text(path.read_text("utf-8") + "\nParagraf tambahan tentang bantuan.\n", "utf-8")
    index, report = sync_index(articles_copy, index_dir, counting)
    assert report.changed == ["000_bf74d578131212df"] and report.embedded == 1 and report.glossed == 1

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


def live_segment(index_dir):
    """The folder of the (first) segment of the live version."""
    import json

    version = index_dir / (index_dir / "CURRENT").read_text().strip()
    name = json.loads((version / "manifest.json").read_text("utf-8"))["segments"][0]["name"]
    return version, index_dir / "segments" / name


@pytest.mark.parametrize("damage", ["truncate-vectors", "flip-byte-passages", "flip-byte-postings", "garbage-current",
                                    "drop-manifest", "drop-segment"])
def test_corrupted_index_is_detected_and_rebuilt(tmp_path, articles_copy, e5, damage):
    index_dir = tmp_path / "index"
    sync_index(articles_copy, index_dir, e5)
    version, segment = live_segment(index_dir)
    if damage == "truncate-vectors":
        data = (segment / "vectors.npy").read_bytes()
        (segment / "vectors.npy").write_bytes(data[: len(data) // 2])
    elif damage.startswith("flip-byte"):
        path = segment / ("passages.jsonl" if damage.endswith("passages") else "postings.npz")
        data = bytearray(path.read_bytes())
        data[100] ^= 0x01
        path.write_bytes(bytes(data))
    elif damage == "garbage-current":
        (index_dir / "CURRENT").write_text("../../etc")
    elif damage == "drop-segment":
        import shutil

        shutil.rmtree(segment)
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
            if any(p.name.startswith(".staging-") for p in (index_dir / "segments").iterdir()):
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
    assert not any(p.name.startswith(".staging-") for p in (index_dir / "segments").iterdir())


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
    assert loaded.manifest["index_kind"] == "hnsw" and loaded.store.count() == len(index)
    row, _ = loaded.search_dense(loaded.vectors[1234], 1)[0]
    assert row == 1234


def test_bm25_terms_are_kept_and_only_new_text_is_stemmed(tmp_path, articles_copy, monkeypatch):
    """A segment keeps its passages' BM25 postings; the next version stems only passages whose text is new,
    and its BM25 (over two segments) scores as one built at once."""
    import qa.index
    from doubles import HashingEmbedder
    from qa.language import search_terms

    stemmed: list[str] = []
    passage_terms = qa.index.passage_terms

    def counting_passage_terms(passage, title):
        stemmed.append(passage.text)
        return passage_terms(passage, title)

    monkeypatch.setattr(qa.index, "passage_terms", counting_passage_terms)
    index_dir = tmp_path / "index"
    index, _ = sync_index(articles_copy, index_dir, HashingEmbedder())
    assert len(stemmed) == len(index) == 26

    stemmed.clear()
    (articles_copy / "baru.txt").write_text("Berita baru\nSeoul mengumumkan sanksi baru terhadap Pyongyang.\n", "utf-8")
    index, report = sync_index(articles_copy, index_dir, HashingEmbedder())
    assert report.added == ["baru"] and stemmed == ["Berita baru", "Seoul mengumumkan sanksi baru terhadap Pyongyang."]
    assert len(index.segments) == 2
    rebuilt, _ = sync_index(articles_copy, tmp_path / "fresh", HashingEmbedder())
    assert len(rebuilt.segments) == 1
    question = search_terms("Siapa yang mengumumkan sanksi terhadap Pyongyang?", "id")
    found = [(index.passages[r].id, round(s, 5)) for r, s in index.search_bm25(question, 8)]
    assert found and found == [(rebuilt.passages[r].id, round(s, 5)) for r, s in rebuilt.search_bm25(question, 8)]


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
    index, report = sync_index(articles_copy, index_dir, HashingEmbedder())
    assert report.added == ["baru"] and report.embedded == 2
    assert len(index) == 28 and len(index.segments) == 1  # every passage stemmed again, none taken from version 0
    assert set(index.segments[0][0].postings.vocabulary) == {"x"}


def test_every_long_phase_reports_progress(tmp_path, articles_copy):
    from doubles import HashingEmbedder

    seen: list[tuple[str, int, int]] = []
    sync_index(articles_copy, tmp_path / "index", HashingEmbedder(), progress=lambda *step: seen.append(step))
    phases = list(dict.fromkeys(phase for phase, _, _ in seen))
    assert phases == ["reading", "embedding", "embedding glosses", "stemming", "writing"]
    last = {phase: (done, total) for phase, done, total in seen}
    assert last == {"reading": (2, 2), "embedding": (26, 26), "embedding glosses": (26, 26), "stemming": (26, 26),
                    "writing": (2, 2)}

    seen.clear()
    (articles_copy / "baru.txt").write_text("Berita baru\nSeoul mengumumkan sanksi baru.\n", "utf-8")
    sync_index(articles_copy, tmp_path / "index", HashingEmbedder(), progress=lambda *step: seen.append(step))
    last = {phase: (done, total) for phase, done, total in seen}
    assert last["embedding"] == (2, 2) and last["stemming"] == (2, 2)  # only the new passages


def test_each_passage_keeps_its_own_vector_though_embedded_in_length_order(tmp_path, articles_copy):
    from doubles import HashingEmbedder

    class BatchRecorder(HashingEmbedder):
        def __init__(self):
            super().__init__()
            self.batches: list[list[str]] = []

        def embed_passages(self, texts):
            self.batches.append(list(texts))
            return super().embed_passages(texts)

    embedder = BatchRecorder()
    index, _ = sync_index(articles_copy, tmp_path / "index", embedder, glosses=False)  # the passages alone
    lengths = [len(text) for batch in embedder.batches for text in batch]
    assert lengths == sorted(lengths) and len(lengths) == len(index) > 2
    for row, passage in enumerate(index.passages):
        assert np.allclose(index.vectors[row], HashingEmbedder().embed_passages([passage.text])[0], atol=1e-6)


def segment_names(index_dir):
    return sorted(p.name for p in (index_dir / "segments").iterdir())


def write_article(folder, name, words):
    (folder / f"{name}.txt").write_text(f"Judul {name}\n" + " ".join(words) + ".\n", "utf-8")


def test_an_update_writes_only_what_changed(tmp_path, articles_copy):
    """Adding an article writes one segment with its passages and a new manifest; the files already indexed
    are known by size and time, not read; removing writes no segment at all."""
    from doubles import HashingEmbedder

    index_dir = tmp_path / "index"
    index, report = sync_index(articles_copy, index_dir, HashingEmbedder())
    first = segment_names(index_dir)
    first_bytes = report.bytes_written
    time.sleep(0.01)
    write_article(articles_copy, "baru", ["Seoul", "mengumumkan", "sanksi", "baru"])
    index, report = sync_index(articles_copy, index_dir, HashingEmbedder(), loaded=index)
    assert report.added == ["baru"] and report.files_read == 1 and report.embedded == 2 and report.reused == 26
    assert set(first) < set(segment_names(index_dir)) and len(segment_names(index_dir)) == 2
    assert report.bytes_written < first_bytes / 3
    segment_names_before = segment_names(index_dir)

    smaller = min(("000_bf74d578131212df", "002_b61871bac814194b"), key=lambda a: index.articles[a].passages)
    (articles_copy / f"{smaller}.txt").unlink()
    index, report = sync_index(articles_copy, index_dir, HashingEmbedder(), loaded=index)
    # only baru is read again: it was written too close to being read for its time to tell a later change
    assert report.removed == [smaller] and report.embedded == 0 and report.files_read == 1
    assert segment_names(index_dir) == segment_names_before and report.bytes_written < 2000  # a manifest only
    assert not any(p.article == smaller for p in index.passages)
    assert smaller not in index.articles and len(index.articles) == 2


def test_a_touched_file_is_read_again_and_kept_without_embedding(tmp_path, articles_copy):
    import os

    from doubles import HashingEmbedder

    index_dir = tmp_path / "index"
    sync_index(articles_copy, index_dir, HashingEmbedder())
    path = articles_copy / "002_b61871bac814194b.txt"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 10**9))
    index, report = sync_index(articles_copy, index_dir, HashingEmbedder())
    assert report.files_read == 1 and report.embedded == 0 and not report.changed and len(index) == 26
    _, report = sync_index(articles_copy, index_dir, HashingEmbedder())
    assert report.files_read == 0 and not report.written


def test_a_file_changed_within_the_same_time_is_noticed(tmp_path, articles_copy):
    """A file rewritten right after it was read, same size and same modification time, is read again."""
    import os

    from doubles import HashingEmbedder

    index_dir = tmp_path / "index"
    path = articles_copy / "002_b61871bac814194b.txt"
    path.write_bytes(path.read_bytes())  # written just now, as an upload is
    sync_index(articles_copy, index_dir, HashingEmbedder())
    status = path.stat()
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Ukraina", b"Ukrainx", 1))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.stat().st_size == status.st_size
    _, report = sync_index(articles_copy, index_dir, HashingEmbedder())
    assert report.changed == ["002_b61871bac814194b"]


def test_segments_are_merged_and_search_is_that_of_one_index(tmp_path, articles_copy):
    """However many updates, at most MAX_SEGMENTS segments; a mostly deleted one is merged away; dense and
    BM25 results over the segments equal those of the same articles indexed at once."""
    import qa.index
    from doubles import HashingEmbedder
    from qa.language import search_terms

    index_dir = tmp_path / "index"
    index, _ = sync_index(articles_copy, index_dir, HashingEmbedder())
    for i in range(qa.index.MAX_SEGMENTS + 3):
        write_article(articles_copy, f"n{i:02d}", [f"kata{i}", "sanksi", "Pyongyang", f"kota{i % 3}"] * (i + 1))
        index, report = sync_index(articles_copy, index_dir, HashingEmbedder(), loaded=index)
        assert len(index.segments) <= qa.index.MAX_SEGMENTS and report.embedded == 2
    assert report.merged >= 1
    (articles_copy / "000_bf74d578131212df.txt").unlink()  # most of the first segment
    index, report = sync_index(articles_copy, index_dir, HashingEmbedder(), loaded=index)
    assert report.merged >= 1 and all(not entry["deleted"] or len(entry["deleted"]) < 5
                                      for entry in index.manifest["segments"])
    fresh, _ = sync_index(articles_copy, tmp_path / "fresh", HashingEmbedder())
    assert sorted(p.id for p in index.passages) == sorted(p.id for p in fresh.passages)
    assert index.articles == fresh.articles
    def ranked(found, passages):  # passages with equal scores may come in either order
        return sorted(((passages[r].id, round(s, 5)) for r, s in found), key=lambda hit: (-hit[1], hit[0]))

    n = len(fresh)
    for question in ("Siapa yang mengumumkan sanksi terhadap Pyongyang?", "kata3 kota1"):
        terms = search_terms(question, "id")
        ours = ranked(index.search_bm25(terms, n), index.passages)
        assert ours and ours == ranked(fresh.search_bm25(terms, n), fresh.passages)
        vector = HashingEmbedder().embed_query(question)
        ours = ranked(index.search_dense(vector, n), index.passages)
        assert len(ours) == n and ours == ranked(fresh.search_dense(vector, n), fresh.passages)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_dense_search_never_returns_a_deleted_passage(tmp_path, articles_copy, kind):
    from doubles import HashingEmbedder

    index_dir = tmp_path / "index"
    index, _ = sync_index(articles_copy, index_dir, HashingEmbedder(), index_kind=kind)
    write_article(articles_copy, "baru", ["Seoul", "sanksi"])
    index, _ = sync_index(articles_copy, index_dir, HashingEmbedder(), index_kind=kind, loaded=index)
    (articles_copy / "002_b61871bac814194b.txt").unlink()
    index, _ = sync_index(articles_copy, index_dir, HashingEmbedder(), index_kind=kind, loaded=index)
    found = index.search_dense(HashingEmbedder().embed_query("Ukraina"), 100)
    assert len(found) == len(index) and sorted(r for r, _ in found) == list(range(len(index)))
    assert all(index.passages[r].article != "002_b61871bac814194b" for r, _ in found)
    row, _ = index.search_dense(index.vectors[len(index) - 1], 1)[0]
    assert row == len(index) - 1


def test_a_new_version_in_the_same_process_keeps_its_loaded_segments(tmp_path, articles_copy):
    from doubles import HashingEmbedder

    index_dir = tmp_path / "index"
    index, _ = sync_index(articles_copy, index_dir, HashingEmbedder())
    write_article(articles_copy, "baru", ["Seoul", "sanksi"])
    newer, _ = sync_index(articles_copy, index_dir, HashingEmbedder(), loaded=index)
    assert newer.segments[0][0] is index.segments[0][0] and len(newer.segments) == 2


def test_an_index_of_the_first_format_is_rewritten_without_embedding(tmp_path, articles_copy):
    """An index written before segments (one folder per version) becomes segments; its vectors are kept."""
    import dataclasses
    import json

    from doubles import HashingEmbedder

    counting = CountingEmbedder(HashingEmbedder())
    index, _ = sync_index(articles_copy, tmp_path / "new", counting)
    old_dir = tmp_path / "old"
    version = old_dir / "v-20250101000000-00000000"
    version.mkdir(parents=True)
    with open(version / "passages.jsonl", "w", encoding="utf-8") as out:
        for p in index.passages:
            out.write(json.dumps(dataclasses.asdict(p)) + "\n")
    np.save(version / "vectors.npy", np.stack(list(index.vectors)))
    manifest = {"format": 1, "embedder": counting.name, "dimension": counting.dimension, "index_kind": "flat",
                "passage_max_words": 120, "articles": [], "files": {}}
    (version / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    (old_dir / "CURRENT").write_text(version.name + "\n", "utf-8")
    counting.embedded = 0
    migrated, report = sync_index(articles_copy, old_dir, counting, glosses=False)  # no gloss to embed either
    assert "format 1" in report.rebuilt_because and counting.embedded == 0 and len(migrated) == 26
    assert not version.exists()


def test_an_index_from_before_glosses_is_kept_as_one_built_without_them(tmp_path, articles_copy):
    """Segments written before glosses existed list no gloss file and the manifest no gloss version: such an
    index is read as it is (each passage's vector its gloss row) and updated without embedding anything."""
    import json

    from doubles import HashingEmbedder

    counting = CountingEmbedder(HashingEmbedder())
    index_dir = tmp_path / "index"
    sync_index(articles_copy, index_dir, counting, glosses=False)
    version = index_dir / (index_dir / "CURRENT").read_text("utf-8").strip()
    manifest = json.loads((version / "manifest.json").read_text("utf-8"))
    del manifest["gloss_version"]
    for entry in manifest["segments"]:
        folder = index_dir / "segments" / entry["name"]
        description = json.loads((folder / "segment.json").read_text("utf-8"))
        del description["files"]["glosses.npy"]
        (folder / "glosses.npy").unlink()
        (folder / "segment.json").write_text(json.dumps(description), "utf-8")
        entry["sha256"] = hashlib.sha256((folder / "segment.json").read_bytes()).hexdigest()
    (version / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    counting.embedded = 0

    index, report = sync_index(articles_copy, index_dir, counting, glosses=False)
    assert report.rebuilt_because is None and counting.embedded == 0 and len(index) == 26
    query = index.vectors[3]
    assert index.search_glosses(query, 1)[0][0] == 3  # its own vector stands for its gloss
    (articles_copy / "000_bf74d578131212df.txt").write_text("Judul baru\n\nSatu paragraf baru saja.", "utf-8")
    index, report = sync_index(articles_copy, index_dir, counting, glosses=False)
    assert report.rebuilt_because is None and counting.embedded > 0 and len(index) > 1  # old rows carried over
    _, report = sync_index(articles_copy, index_dir, counting)
    assert "gloss_version 0 -> 1" in report.rebuilt_because


def test_told_which_files_changed_an_update_looks_at_those_only(tmp_path, articles_copy):
    """What qa.collection does: it names the files it wrote or deleted, and the rest of the folder is not
    looked at (a file changed behind its back waits for the next full update)."""
    from doubles import HashingEmbedder
    from qa.index import update_index

    index_dir = tmp_path / "index"
    sync_index(articles_copy, index_dir, HashingEmbedder())
    write_article(articles_copy, "baru", ["Seoul", "sanksi"])
    write_article(articles_copy, "diam", ["Kursk", "tentara"])  # not named
    report = update_index(articles_copy, index_dir, HashingEmbedder(), touched=["baru.txt"])
    assert report.added == ["baru"] and report.files_read == 1 and len(report.unchanged) == 2
    (articles_copy / "baru.txt").unlink()
    report = update_index(articles_copy, index_dir, HashingEmbedder(), touched=["baru.txt"])
    assert report.removed == ["baru"] and report.files_read == 0
    index, report = sync_index(articles_copy, index_dir, HashingEmbedder())
    assert report.added == ["diam"] and set(index.articles) == {"000_bf74d578131212df", "002_b61871bac814194b", "diam"}


def test_a_passage_is_indexed_with_its_articles_title(tmp_path):
    """BM25 finds every passage of an article by a word of its title: a passage that names its subject only in
    the headline ("the loss in this case ...") is still found by it."""
    from doubles import HashingEmbedder
    from qa.language import search_terms

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "gas.txt").write_text(
        "KPK Tahan Komisaris PT Sumber Gas\n\nKomisi itu menahan seorang komisaris.\n\n"
        "\"Kerugian negara di perkara ini senilai USD 9 juta,\" kata juru bicara.\n", "utf-8")
    (articles / "pasar.txt").write_text("Harga Cabai Naik\n\nHarga cabai rawit naik di pasar.\n", "utf-8")
    index, _ = sync_index(articles, tmp_path / "index", HashingEmbedder())
    found = {index.passages[r].id for r, _ in index.search_bm25(search_terms("kerugian komisaris sumber gas", "id"), 10)}
    assert found == {"gas#1", "gas#2", "gas#3"}


def test_an_article_row_with_a_field_this_version_does_not_know_is_read():
    """articles.jsonl written by cb9c444 also held first_row; segments of that version must still merge."""
    from qa.index import _stored_article

    row = {"id": "a", "title": "T", "source_url": None, "file": "a.txt", "sha256": "0" * 64, "passages": 2,
           "first_row": 7, "stamp": [1, 2, 3]}
    article = _stored_article(row)
    assert article.id == "a" and article.stamp == (1, 2, 3)
    assert "first_row" in row  # the caller's row is left as it was


def test_glosses_are_embedded_only_when_asked_for_and_a_change_rebuilds(tmp_path, articles_copy, e5):
    counting = CountingEmbedder(e5)
    index, report = sync_index(articles_copy, tmp_path / "index", counting, glosses=False)
    assert report.glossed == 0 and counting.embedded == 26  # a passage's gloss row is its own vector
    assert np.array_equal(np.concatenate([s.glosses for s, _ in index.segments]),
                          np.array([index.vectors[row] for row in range(len(index))]))
    index, report = sync_index(articles_copy, tmp_path / "index", counting)
    assert "gloss_version 0 -> 1" in report.rebuilt_because and report.glossed > 20
