"""``python -m qa bench``: indexing throughput and vector search at scale, printed as numbers.

- indexing: passages/s of a full ``sync_index`` of the seeds against the raw embedder on the same passages;
- search: for synthetic clustered vectors (384 dims, like e5-small) at each size, build time, query latency
  p50/p95 and recall@10 against exact search, for flat, HNSW and IVF;
- peak memory (max RSS) of the process.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

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


def bench_search(sizes: list[int], kinds: list[str], queries: int) -> None:
    import faiss

    from qa.index import make_faiss_index

    faiss.omp_set_num_threads(2)
    print(f"vector search, {DIMENSION} dims, {queries} queries one at a time, recall@10 against exact search:")
    print(f"  {'size':>9} {'kind':>5} {'build s':>8} {'p50 ms':>7} {'p95 ms':>7} {'recall@10':>9} {'RSS MB':>7}")
    for n in sizes:
        vectors = synthetic_vectors(n)
        rng = np.random.default_rng(1)
        query_rows = rng.choice(n, size=queries, replace=False)
        query_vectors = vectors[query_rows] + 0.05 * rng.normal(size=(queries, DIMENSION)).astype(np.float32)
        query_vectors /= np.linalg.norm(query_vectors, axis=1, keepdims=True)
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
                print(f"  {n:>9,} {kind:>5} {build:8.1f} {np.percentile(latencies, 50):7.2f} "
                      f"{np.percentile(latencies, 95):7.2f} {recall:9.3f} {_peak_rss_mb():7.0f}", flush=True)
            del index
        del vectors


def main(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    bench_indexing(settings, args.copies)
    sizes = [int(s) for s in str(args.sizes).split(",") if s]
    kinds = [k for k in str(args.kinds).split(",") if k]
    bench_search(sizes, kinds, args.queries)
    print(f"peak memory (max RSS) {_peak_rss_mb():.0f} MB")
    return 0
