"""``python -m qa bench``: indexing throughput and vector search at scale, printed as numbers.

- indexing: passages/s of a full ``sync_index`` of the seeds against the raw embedder on the same passages;
- updates: time to add one article and to remove one in collections of 100 to 100,000 articles, each in a
  fresh process, against a full rebuild; bytes written and memory per update;
- search: for synthetic clustered vectors (384 dims, like e5-small) at each size, build time, query latency
  p50/p95 and recall@10 against exact search, for flat, HNSW and IVF;
- vector stores: the same vectors through kutip's stores, FAISS against Milvus Lite (flat and HNSW): ingest
  vectors/s, query latency, recall@10 and size on disk;
- the remote generator: an OpenAI-compatible server (llama_cpp.server started on loopback) against in-process
  llama.cpp on the same model and messages, as a ratio;
- the LLM stage: the whole pipeline per answer, with passage states (where exact, the default; stitched) and
  with full prefill, against raw
  llama-cpp-python on the same prompt, grammar and output length, with and without prefix reuse; time to
  first token and total; what the states cost (build time, bytes per passage and per 1,000 passages);
  generation tokens/s against the memory-bandwidth bound (model bytes read once per token);
- peak memory (max RSS) of the process.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from qa.settings import Settings

DIMENSION = 384


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_indexing(settings: Settings, copies: int) -> None:
    """Index ``copies`` variants of the seed articles (each paragraph numbered, so none is a duplicate)."""
    from embeddings import get_embedder
    from qa.index import sync_index
    from qa.ingest import load_folder

    embedder = get_embedder(settings.embedder, threads=settings.threads)
    folder = Path(tempfile.mkdtemp(prefix="kutip-bench-"))
    try:
        articles_dir = folder / "articles"
        articles_dir.mkdir()
        for source in sorted(Path(settings.articles_dir).glob("*.txt")):
            lines = source.read_text("utf-8").splitlines()
            for copy in range(copies):
                varied = [f"({copy}) {line}" if line.strip() else line for line in lines]
                (articles_dir / f"{source.stem}-{copy}.txt").write_text("\n".join(varied) + "\n", "utf-8")
        articles, _ = load_folder(articles_dir)
        texts = [p.text for a in articles for p in a.passages]
        embedder.embed_passages(texts[:4])  # warm up
        started = time.perf_counter()
        embedder.embed_passages(texts)
        raw = time.perf_counter() - started
        started = time.perf_counter()
        sync_index(articles_dir, folder / "index", embedder)
        full = time.perf_counter() - started
        started = time.perf_counter()
        _, report = sync_index(articles_dir, folder / "index", embedder)
        noop = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"indexing {len(texts)} passages ({copies} variants of the seeds) with {embedder.name}:")
    print(f"  raw embedder      {len(texts) / raw:8.1f} passages/s")
    print(f"  full index build  {len(texts) / full:8.1f} passages/s  (ratio to raw {raw / full:.2f})")
    print(f"  unchanged re-run  {noop * 1000:8.1f} ms, {report.embedded} embedded")


_UPDATE_CHILD = """
import json, resource, sys, time
from pathlib import Path
from embeddings import get_embedder
from qa.index import update_index
embedder = get_embedder(sys.argv[3])
embedder.embed_passages(["pemanasan"])
def peak_mb():  # VmHWM: ru_maxrss would carry the parent's peak over fork and exec
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before = peak_mb()
started = time.perf_counter()
report = update_index(Path(sys.argv[1]), Path(sys.argv[2]), embedder, touched=sys.argv[4:] or None)
print(json.dumps({"seconds": time.perf_counter() - started, "rss_before": before, "rss_after": peak_mb(),
                  "bytes": report.bytes_written, "embedded": report.embedded, "read": report.files_read,
                  "merged": report.merged, "added": report.added, "removed": report.removed}))
"""


def bench_updates(settings: Settings, sizes: list[int], source: Path, repeats: int) -> None:
    """Add one article to, and remove one from, collections of ``sizes`` articles: each update in a fresh
    process against the index on disk (the embedder loaded before the clock starts), both as ``python -m qa
    index`` does it (the folder scanned) and as the app and ``qa add`` do (told which file changed). The collections are copies of the articles in ``source`` (files hard-linked under new
    names, so the folder is real); their vectors are synthetic (embedding 100,000 articles would take a
    day), the added article is embedded for real. A full rebuild is estimated from the embedding rate
    measured here, since embedding is the whole of its cost (README: 1.002x at 900 articles)."""
    import json
    import os
    import subprocess
    import sys

    from embeddings import get_embedder
    from qa.bm25 import Postings
    from qa.index import NewSegment, StoredArticle, _passage_records, _write_version, passage_terms
    from qa.ingest import load_folder
    from qa.language import TERMS_VERSION

    embedder = get_embedder(settings.embedder, threads=settings.threads)
    articles, _ = load_folder(source)
    if len(articles) < 2:
        raise ValueError(f"{source} holds {len(articles)} usable articles; the update bench needs 2 or more")
    newcomer, templates = articles[0], articles[1:]
    records = [_passage_records(a) for a in templates]
    terms = [[passage_terms(r, a.title) for r in rows] for a, rows in zip(templates, records)]
    texts = [p.text for p in newcomer.passages]
    embedder.embed_passages(texts[:2])  # warm up
    started = time.perf_counter()
    embedder.embed_passages(texts)
    rate = len(texts) / (time.perf_counter() - started)
    print(f"updates: one article added ({len(texts)} passages), then one removed, to a collection of copies of "
          f"{len(templates)} articles from {source}, each in a fresh process ({repeats} runs, median); full rebuild "
          f"estimated at the embedding rate measured here ({rate:.1f} passages/s):")
    print("  scan: the whole folder compared by size and time (qa index); told: the caller names the file it "
          "wrote or deleted (the app, qa add, the Python API)")
    print(f"  {'articles':>9} {'passages':>10} {'scan:':>5} {'add s':>7} {'remove s':>8} {'told:':>5} {'add s':>7} "
          f"{'remove s':>8} {'rebuild s':>10} {'add/rebuild':>11} "
          f"{'add MB written':>14} {'add RSS MB':>10} {'index MB':>9}")
    for size in sizes:
        folder = Path(tempfile.mkdtemp(prefix="kutip-bench-updates-"))
        try:
            articles_dir, index_dir, originals = folder / "articles", folder / "index", folder / "originals"
            articles_dir.mkdir()
            originals.mkdir()
            day_ago = time.time_ns() - 86_400 * 10**9  # as files saved long before they were indexed
            for article in templates:  # hard links need the same file system
                shutil.copyfile(article.path, originals / article.path.name)
                os.utime(originals / article.path.name, ns=(day_ago, day_ago))
            new = NewSegment()
            seen = time.time_ns()
            rng = np.random.default_rng(size)
            blocks = []
            for number in range(size):
                template = number % len(templates)
                article = templates[template]
                name = f"{article.id}-{number:06d}{article.path.suffix}"
                path = articles_dir / name
                os.link(originals / article.path.name, path)
                status = path.stat()
                stored = StoredArticle.of(article, (status.st_size, status.st_mtime_ns, seen))
                stored = dataclasses.replace(stored, id=path.stem, file=name)
                new.articles.append(stored)
                new.passages.extend(dataclasses.replace(r, id=f"{path.stem}#{r.id.split('#')[-1]}", article=path.stem)
                                    for r in records[template])
                blocks.append(template)
            vectors = rng.normal(size=(len(new.passages), embedder.dimension)).astype(np.float32)
            new.vectors.append(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
            built = [Postings.build(t) for t in terms]
            new.postings.extend((built[t], np.arange(built[t].passages)) for t in blocks)
            manifest = {"format": 2, "embedder": embedder.name, "dimension": embedder.dimension, "index_kind": "flat",
                        "passage_max_words": settings.passage_max_words, "terms_version": TERMS_VERSION,
                        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            _write_version(index_dir, manifest, [], new, None, None)
            passages = len(new.passages)
            del new, vectors
            index_mb = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 1e6

            def run(*touched: str) -> dict:
                done = subprocess.run([sys.executable, "-c", _UPDATE_CHILD, str(articles_dir), str(index_dir),
                                       embedder.name, *touched], capture_output=True, text=True, check=True)
                return json.loads(done.stdout.strip().splitlines()[-1])

            times: dict[tuple[str, bool], list[float]] = {}
            adds = []
            for attempt in range(repeats):
                for told in (False, True):
                    target = articles_dir / f"zz-new-{attempt}-{int(told)}{newcomer.path.suffix}"
                    shutil.copyfile(newcomer.path, target)
                    adds.append(run(*[target.name] * told))
                    if adds[-1]["added"] != [target.stem]:
                        raise RuntimeError(f"the update did not add {target.stem}: {adds[-1]}")
                    times.setdefault(("add", told), []).append(adds[-1]["seconds"])
                    target.unlink()
                    removed = run(*[target.name] * told)
                    if removed["removed"] != [target.stem]:
                        raise RuntimeError(f"the update did not remove {target.stem}: {removed}")
                    times.setdefault(("remove", told), []).append(removed["seconds"])
            median = {key: float(np.median(values)) for key, values in times.items()}
            rebuild = (passages + len(texts)) / rate
            written = float(np.median([r["bytes"] for r in adds])) / 1e6
            rss = float(np.median([r["rss_after"] for r in adds]))  # the process's peak, the embedder included
            print(f"  {size:>9,} {passages:>10,} {'':>5} {median['add', False]:7.2f} {median['remove', False]:8.2f} "
                  f"{'':>5} {median['add', True]:7.2f} {median['remove', True]:8.2f} {rebuild:10.0f} "
                  f"{median['add', True] / rebuild:11.5f} {written:14.2f} {rss:10.0f} {index_mb:9.0f}", flush=True)
        finally:
            if os.environ.get("KUTIP_BENCH_KEEP"):
                print(f"  kept {folder}")
            else:
                shutil.rmtree(folder, ignore_errors=True)


def synthetic_vectors(n: int, seed: int = 0, clusters: int = 1000) -> np.ndarray:
    """Unit vectors around random centres: closer to real embeddings than uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, DIMENSION)).astype(np.float32)
    out = np.empty((n, DIMENSION), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        out[start : start + m] = centres[rng.integers(0, clusters, m)] + 0.6 * rng.normal(size=(m, DIMENSION))
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def synthetic_queries(vectors: np.ndarray, count: int, seed: int = 1) -> np.ndarray:
    """``count`` unit vectors near distinct rows of ``vectors``."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(vectors), size=count, replace=False)
    queries = vectors[rows] + 0.05 * rng.normal(size=(count, vectors.shape[1])).astype(np.float32)
    return queries / np.linalg.norm(queries, axis=1, keepdims=True)


def bench_search(sizes: list[int], kinds: list[str], queries: int) -> None:
    import faiss

    from qa.vectors.faiss import make_faiss_index

    faiss.omp_set_num_threads(2)
    print(f"vector search, {DIMENSION} dims, {queries} queries one at a time, recall@10 against exact search:")
    print(f"  {'size':>9} {'kind':>5} {'build s':>8} {'p50 ms':>7} {'p95 ms':>7} {'recall@10':>9} {'disk MB':>8} "
          f"{'RSS MB':>7}")
    for n in sizes:
        vectors = synthetic_vectors(n)
        query_vectors = synthetic_queries(vectors, queries)
        exact = None
        for kind in ["flat"] + [k for k in kinds if k != "flat"]:
            started = time.perf_counter()
            index = make_faiss_index(vectors, kind)
            build = time.perf_counter() - started
            latencies = []
            found = np.empty((queries, 10), dtype=np.int64)
            for i in range(queries):
                started = time.perf_counter()
                _, rows = index.search(query_vectors[i : i + 1], 10)
                latencies.append((time.perf_counter() - started) * 1000)
                found[i] = rows[0]
            if exact is None:
                exact = found
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, exact)])
            if kind in kinds:
                disk_mb = faiss.serialize_index(index).nbytes / 1e6  # what dense.faiss holds on disk
                print(f"  {n:>9,} {kind:>5} {build:8.1f} {np.percentile(latencies, 50):7.2f} "
                      f"{np.percentile(latencies, 95):7.2f} {recall:9.3f} {disk_mb:8.1f} {_peak_rss_mb():7.0f}",
                      flush=True)
            del index
        del vectors


class _SyntheticPassage(NamedTuple):
    id: str
    article: str
    sha256: str


def _fill_store(name: str, kind: str, folder: Path, vectors: np.ndarray, passages: list[_SyntheticPassage]):
    """Ingest ``vectors`` into a new store of ``name`` in ``folder`` until all is on disk, then open it again
    as a reader would; returns (store, ingest s, open s, MB on disk)."""
    import faiss
    from milvus_lite import server_manager_instance

    from qa.vectors import DENSE_FILE, RowVectors, VectorPart, make_vector_store
    from qa.vectors.faiss import FaissStore, make_faiss_index

    started = time.perf_counter()
    if name == "faiss":
        faiss.write_index(make_faiss_index(vectors, kind), str(folder / DENSE_FILE))
        ingest = time.perf_counter() - started
        started = time.perf_counter()
        store = FaissStore()
        store.sync(folder, {"index_kind": kind}, passages,
                   RowVectors([(VectorPart("bench", vectors, folder), np.arange(len(vectors)))], vectors.shape[1]))
    else:
        spec, version = f"milvus:{folder / 'milvus.db'}", folder / "v-bench"
        manifest = {"embedder": "synthetic", "dimension": vectors.shape[1], "index_kind": kind}
        store = make_vector_store(spec, folder / "index")
        store.sync(version, manifest, passages, vectors)
        store.close()
        # stopping Milvus Lite flushes the last rows and waits for its background compaction and index builds
        server_manager_instance.release_server(str(folder / "milvus.db"))
        ingest = time.perf_counter() - started
        started = time.perf_counter()
        store = make_vector_store(spec, folder / "index")
        if store.sync(version, manifest, passages, vectors).wrote:  # loads the segments and their indexes
            raise RuntimeError(f"Milvus Lite at {folder} lost rows between closing and opening")
    opened = time.perf_counter() - started
    disk_mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    return store, ingest, opened, disk_mb


def bench_stores(sizes: list[int], stores: list[str], queries: int) -> None:
    """FAISS against Milvus Lite (a folder, served inside this process) as kutip's vector store, flat and
    HNSW, on the synthetic vectors: ingest throughput (until the vectors and the index are on disk), time
    to open, single-query latency through the store's ``search`` (what the retriever calls), recall@10
    against exact search, and size on disk."""
    import faiss
    from milvus_lite import server_manager_instance

    from qa.vectors.faiss import make_faiss_index
    from qa.vectors.milvus import MILVUS_INDEX_TYPES

    unknown = set(stores) - {"faiss", "milvus"}
    if unknown:
        raise ValueError(f"unknown store(s) {', '.join(sorted(unknown))}: use faiss, milvus")
    faiss.omp_set_num_threads(2)
    print(f"vector stores, {DIMENSION} dims, {queries} queries one at a time through the store, recall@10 "
          "against exact search; milvus is Milvus Lite in a local folder:")
    print(f"  {'size':>9} {'store':>6} {'index':>8} {'ingest vec/s':>12} {'open s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'recall@10':>9} {'disk MB':>8} {'RSS MB':>7}")
    for n in sizes:
        vectors = synthetic_vectors(n)
        query_vectors = synthetic_queries(vectors, queries)
        _, exact = make_faiss_index(vectors, "flat").search(query_vectors, 10)
        passages = [_SyntheticPassage(f"s{i}#1", f"s{i}", f"{i:064x}") for i in range(n)]
        for name in stores:
            for kind in ("flat", "hnsw"):
                folder = Path(tempfile.mkdtemp(prefix="kutip-bench-store-"))
                try:
                    store, ingest, opened, disk_mb = _fill_store(name, kind, folder, vectors, passages)
                    latencies, recalls = [], []
                    for i in range(queries):
                        started = time.perf_counter()
                        found = store.search(query_vectors[i], 10)
                        latencies.append((time.perf_counter() - started) * 1000)
                        recalls.append(len({row for row, _ in found} & set(exact[i])) / 10)
                    store.close()
                    label = MILVUS_INDEX_TYPES[kind] if name == "milvus" else kind
                    print(f"  {n:>9,} {name:>6} {label:>8} {n / ingest:12,.0f} {opened:7.1f} "
                          f"{np.percentile(latencies, 50):7.2f} {np.percentile(latencies, 95):7.2f} "
                          f"{np.mean(recalls):9.3f} {disk_mb:8.1f} {_peak_rss_mb():7.0f}", flush=True)
                finally:
                    server_manager_instance.release_server(str(folder / "milvus.db"))  # a no-op for faiss
                    shutil.rmtree(folder, ignore_errors=True)
        del vectors, passages


def memory_bandwidth_gb_s(size_mb: int = 1024, threads: int = 2, repeats: int = 5) -> float:
    """Read bandwidth of ``threads`` threads each summing its share of a buffer much larger than the caches
    (numpy releases the GIL), best of ``repeats``: an estimate of what llama.cpp's threads can stream."""
    from concurrent.futures import ThreadPoolExecutor

    buffer = np.ones(size_mb * (1 << 20) // 8, dtype=np.int64)
    shares = np.array_split(buffer, threads)
    best = float("inf")
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(repeats):
            started = time.perf_counter()
            list(pool.map(np.add.reduce, shares))
            best = min(best, time.perf_counter() - started)
    return buffer.nbytes / best / 1e9


def _median(values) -> float:
    return float(np.median([v for v in values if v is not None])) if values else float("nan")


def bench_llm(settings: Settings, questions: int) -> None:
    """Per answer, on the gold set's answerable first-turn questions: the pipeline with passage states (where
    exact, the default; and stitched, every passage from its state) and with full prefill, against raw llama-cpp-python (``create_chat_completion``) on the same messages, grammar
    and output length, its prefix reused and not. Before each measured question another prompt runs, so only
    the static prefix is left to reuse, as between two questions on different passages. Then what the states
    cost: build time and size per passage."""
    from qa.assistant import Assistant
    from qa.evaluate import DEFAULT_GOLD, load_gold
    from qa.llm import load_generator, states_dir
    from qa.llm.llamacpp import LlamaGenerator
    from qa.llm.state_store import StateStore
    from qa.models import model_sha256
    from qa.retrieve import open_retriever

    retriever, _ = open_retriever(settings)
    full = load_generator(settings.llm, settings.cache_dir, threads=settings.threads, n_ctx=settings.n_ctx,
                          weights=settings.weights)
    with tempfile.TemporaryDirectory(prefix="kutip-states-") as folder:
        # a fresh folder: build time is measured here
        store = StateStore(Path(folder), 1 << 40)  # one state per passage serves both modes
        exact, stitched = (LlamaGenerator(settings.llm, full.path, threads=settings.threads, n_ctx=settings.n_ctx,
                                          states=store, model_id=model_sha256(settings.llm, full.path), stitch=stitch)
                           for stitch in (False, True))
        assistants = {"exact": Assistant(retriever, exact, settings),
                      "stitched": Assistant(retriever, stitched, settings.replace(passage_stitch=True)),
                      "full": Assistant(retriever, full, settings)}
        started = time.perf_counter()
        looked, computed = assistants["exact"].prepare_passages(limit=len(retriever.index))
        build_s = time.perf_counter() - started
        files = stitched.states.files()
        state_bytes = sum(p.stat().st_size for p in files)
        tokens = sum(len(stitched._tokens(p.text, special=False)) for p in retriever.index.passages[:looked])
        _bench_generation(settings, questions, assistants, full, load_gold(DEFAULT_GOLD))
        print(f"  passage states: {computed} built in {build_s:.1f} s ({build_s / max(computed, 1) * 1000:.0f} ms a "
              f"passage, {tokens / max(build_s, 1e-9):.0f} tokens/s); {state_bytes / max(len(files), 1) / 1e6:.2f} MB "
              f"a passage on disk, {state_bytes / max(len(files), 1) * 1000 / 1e9:.2f} GB per 1,000 passages, "
              f"{state_bytes / max(tokens, 1) / 1024:.1f} KB a token (kept under {states_dir(settings.cache_dir)})")
        exact.close()
        stitched.close()
    _generation_speed(full)
    _prefill_speed(settings, full, retriever)


def _bench_generation(settings: Settings, questions: int, assistants: dict, full, gold) -> None:
    from qa import prompts
    from qa.llm.base import plain_messages
    from qa.verify import is_yes_no_question

    from llama_cpp import Llama

    items = [i for i in gold if i.answerable and not i.history][:questions]
    llm = full._llm
    primer = "What do the articles say?"
    rows: dict[str, list] = {"exact": [], "stitched": [], "full": [], "raw": [], "raw_no_reuse": []}
    for item in items:
        answers = {}
        for name, assistant in assistants.items():
            # another prompt first: only the static prefix is left to reuse
            "".join(assistant.generator.stream(prompts.answer_messages(primer, [(1, "-")], "en"), max_tokens=1))
            answers[name] = answer = assistant.ask(item.question)
            rows[name].append((answer.timings["first_token_ms"], answer.timings["total_ms"],
                               answer.timings["prompt_tokens"], answer.timings["completion_tokens"]))
        answer = answers["full"]
        shown = assistants["full"].evidence.select(answer.standalone_question, assistants["full"].retriever.search(
            answer.standalone_question, k=settings.k, language=answer.language), answer.language)
        # what the pipeline gave its model for this question
        messages, grammar_text, _ = prompts.answer_prompt(
            answer.standalone_question, [(e.n, e.text) for e in shown], answer.language,
            yes_no=is_yes_no_question(answer.standalone_question))
        messages, grammar = plain_messages(messages), full._grammar(grammar_text)
        llm._init_sampler = Llama._init_sampler.__get__(llm)  # raw: llama-cpp-python's own sampler chain
        for name, reuse in (("raw", True), ("raw_no_reuse", False)):
            llm.reset()
            if reuse:
                for _ in llm.create_chat_completion(messages=plain_messages(prompts.answer_messages(primer, [(1, "-")], "en")),
                                                    max_tokens=1, temperature=0.0, top_k=1, stream=True):
                    pass
            started = time.perf_counter()
            first = None
            tokens = 0
            for chunk in llm.create_chat_completion(messages=messages, temperature=0.0, top_k=1, stream=True,
                                                    max_tokens=settings.max_answer_tokens, grammar=grammar):
                if chunk["choices"][0]["delta"].get("content"):
                    first = first or (time.perf_counter() - started) * 1000
                    tokens += 1
            rows[name].append((first, (time.perf_counter() - started) * 1000, llm.n_tokens - tokens, tokens))
        del llm._init_sampler  # kutip's again (qa.llm.llamacpp._GreedyGrammarFirst)

    rows = {name: [r for r in values if r[0] is not None] for name, values in rows.items()}
    print(f"LLM stage, {settings.llm} ({full.path.name}), {len(items)} first-turn answerable questions of the gold "
          "set, medians "
          "(pipeline first token: the first word of the answer; raw: the first token, the EVIDENCE line's):")
    print(f"  {'':44} {'first token ms':>14} {'total ms':>9} {'prompt tok':>10} {'output tok':>10}")
    labels = {"exact": "kutip, passage states where exact (default)",
              "stitched": "kutip, stitched (KUTIP_PASSAGE_STITCH=1)",
              "full": "kutip, full prefill (KUTIP_PASSAGE_CACHE=0)",
              "raw": "raw llama-cpp, prefix reused", "raw_no_reuse": "raw llama-cpp, no reuse"}
    for name, values in rows.items():
        columns = list(zip(*values)) if values else [[]] * 4
        print(f"  {labels[name]:44} {_median(columns[0]):14.0f} {_median(columns[1]):9.0f} "
              f"{_median(columns[2]):10.0f} {_median(columns[3]):10.0f}")
    for name in ("exact", "stitched"):
        if rows[name] and rows["full"]:
            print(f"  full prefill / {labels[name].removeprefix('kutip, ')}, first token: "
                  f"{_median(_ratios(rows['full'], rows[name], 0)):.2f}x; total: "
                  f"{_median(_ratios(rows['full'], rows[name], 1)):.2f}x")


def _ratios(slow: list, fast: list, column: int) -> list[float]:
    return [a[column] / b[column] for a, b in zip(slow, fast) if a[column] and b[column]]


def _prefill_speed(settings: Settings, loaded, retriever) -> None:
    """Prompt processing of each weights form of a named model, in this process: 460 tokens of passages."""
    from qa.llm import load_generator
    from qa.models import NAMED_MODELS, WEIGHTS, copy_path, recorded_copy

    if settings.llm not in NAMED_MODELS:
        return
    text = " ".join(p.text for p in retriever.index.passages[:40])
    tokens = loaded._tokens(text, special=False)[:460]
    model = NAMED_MODELS[settings.llm]
    for form in WEIGHTS[1:]:
        if form == "q8_0" and not recorded_copy(copy_path(model, loaded.path), model):
            print(f"  prompt processing, {form}: no copy made yet (KUTIP_WEIGHTS={form} makes it, "
                  f"{model.size * 17 // 10 >> 20} MB)")
            continue
        generator = load_generator(settings.llm, settings.cache_dir, threads=settings.threads, n_ctx=settings.n_ctx,
                                   weights=form)
        times = []
        for _ in range(3):
            generator._llm.reset()
            generator._llm._ctx.kv_cache_clear()
            started = time.perf_counter()
            generator._llm.eval(tokens)
            times.append(time.perf_counter() - started)
        print(f"  prompt processing, {generator.path.name}: {len(tokens) / _median(times):.0f} tokens/s "
              f"({len(tokens)} tokens, median of 3)")


def _generation_speed(generator) -> None:
    llm = generator._llm
    # generation speed against the memory-bandwidth bound: each new token reads every weight once
    llm.reset()
    started = time.perf_counter()
    out = llm.create_completion("The history of the city of", max_tokens=64, temperature=0.0, top_k=1)
    elapsed = time.perf_counter() - started
    generated = out["usage"]["completion_tokens"]
    tokens_per_s = generated / elapsed
    bandwidth = memory_bandwidth_gb_s()
    model_gb = generator.path.stat().st_size / 1e9
    bound = bandwidth / model_gb
    print(f"  generation {tokens_per_s:.1f} tok/s; memory bandwidth {bandwidth:.1f} GB/s over a {model_gb:.2f} GB "
          f"model bounds it at {bound:.1f} tok/s: {tokens_per_s / bound:.0%} of the bound")


def bench_remote_llm(settings: Settings, questions: int, server: str | None = None) -> None:
    """The openai: backend against in-process llama.cpp on the same model file and the same messages.

    ``server``: the base URL of a running server with the same model; by default llama_cpp.server is
    started on loopback with the settings' model and threads. Two comparisons per question, each after a
    primer so that both sides reuse only the static prefix: the same unconstrained prompt (the same tokens
    come out, so the ratio is the cost of the HTTP round trip, JSON events and the server), and the whole
    pipeline (grammar in-process against JSON schema on the server).
    """
    from qa import prompts
    from qa.assistant import Assistant
    from qa.evaluate import DEFAULT_GOLD, load_gold
    from qa.llm import load_generator
    from qa.llm.llama_server import start_llama_server
    from qa.llm.openai_compatible import OpenAIGenerator, ServerSettings
    from qa.retrieve import open_retriever

    local = load_generator(settings.llm, settings.cache_dir, threads=settings.threads, n_ctx=settings.n_ctx,
                           weights=settings.weights)
    process = None
    if server is None:
        process, server = start_llama_server(local.path, threads=settings.threads,
                                             n_ctx=settings.n_ctx)
    try:
        remote = OpenAIGenerator(ServerSettings(base_url=server.rstrip("/")))
        retriever, _ = open_retriever(settings)
        assistants = {"local": Assistant(retriever, local, settings), "remote": Assistant(retriever, remote, settings)}
        items = [i for i in load_gold(DEFAULT_GOLD) if i.answerable and not i.history][:questions]
        primer = prompts.answer_messages("What do the articles say?", [(1, "-")], "en")
        rows: dict[str, list[tuple[float, float]]] = {"local": [], "remote": [], "local_pipeline": [],
                                                      "remote_pipeline": []}
        same_text = 0
        for item in items:
            shown = retriever.search(item.question, k=settings.k)
            messages = prompts.answer_messages(item.question, [(n, r.text) for n, r in enumerate(shown, 1)],
                                               item.language)
            texts = {}
            for name, generator in (("local", local), ("remote", remote)):
                "".join(generator.stream(primer, max_tokens=1))
                started = time.perf_counter()
                texts[name] = "".join(generator.stream(messages, max_tokens=settings.max_answer_tokens))
                rows[name].append((generator.last_usage.first_token_ms or 0.0, (time.perf_counter() - started) * 1000))
            same_text += texts["local"] == texts["remote"]
            for name, assistant in assistants.items():
                "".join(assistant.generator.stream(primer, max_tokens=1))
                started = time.perf_counter()
                assistant.ask(item.question)
                rows[f"{name}_pipeline"].append((0.0, (time.perf_counter() - started) * 1000))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)

    print(f"remote generator (openai:{server}) against in-process llama.cpp, {settings.llm}, {len(items)} gold "
          "questions, medians:")
    print(f"  same prompt, no constraint: in-process first token {_median([r[0] for r in rows['local']]):.0f} ms, "
          f"total {_median([r[1] for r in rows['local']]):.0f} ms; server first token "
          f"{_median([r[0] for r in rows['remote']]):.0f} ms, total {_median([r[1] for r in rows['remote']]):.0f} ms; "
          f"identical text {same_text}/{len(items)}")
    ratio = _median([r[1] / l[1] for r, l in zip(rows["remote"], rows["local"])])
    print(f"  server / in-process total, same prompt and output: {ratio:.2f}x")
    ratio = _median([r[1] / l[1] for r, l in zip(rows["remote_pipeline"], rows["local_pipeline"])])
    print(f"  whole pipeline: in-process {_median([r[1] for r in rows['local_pipeline']]):.0f} ms, server "
          f"{_median([r[1] for r in rows['remote_pipeline']]):.0f} ms per answer: {ratio:.2f}x "
          f"(the server's JSON schema against the local grammar: different outputs, different lengths)")


def main(args: argparse.Namespace) -> int:
    settings = Settings.from_env().replace(llm=getattr(args, "model", None))
    if args.llm_questions:
        bench_llm(settings, args.llm_questions)
    if getattr(args, "remote_questions", 0):
        bench_remote_llm(settings, args.remote_questions, getattr(args, "remote_server", None))
    if args.copies:
        bench_indexing(settings, args.copies)
    update_sizes = [int(s) for s in str(getattr(args, "update_sizes", "")).split(",") if s]
    if update_sizes:
        bench_updates(settings, update_sizes, Path(args.update_articles or settings.articles_dir), args.update_runs)
    sizes = [int(s) for s in str(args.sizes).split(",") if s]
    if not sizes:
        print(f"peak memory (max RSS) {_peak_rss_mb():.0f} MB")
        return 0
    kinds = [k for k in str(args.kinds).split(",") if k]
    if kinds:
        bench_search(sizes, kinds, args.queries)
    stores = [s for s in str(getattr(args, "stores", "")).split(",") if s]
    if stores:
        bench_stores(sizes, stores, args.queries)
    print(f"peak memory (max RSS) {_peak_rss_mb():.0f} MB")
    return 0
