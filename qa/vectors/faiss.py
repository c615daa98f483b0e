"""FAISS as kutip's vector store (the default): ``flat`` is built in memory when a version is opened,
``hnsw`` and ``ivf`` are written to ``dense.faiss`` in the version folder."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from qa.vectors.base import (DENSE_FILE, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, INDEX_KINDS, PassageRow,
                             StoreSync)


def make_faiss_index(vectors: np.ndarray, kind: str = "flat", seed: int = 0):
    """An inner-product FAISS index over normalised ``vectors``: exact (flat), HNSW or IVF."""
    import faiss

    if kind not in INDEX_KINDS:
        raise ValueError(f"unknown index kind {kind!r}: use one of {', '.join(INDEX_KINDS)}")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dimension = vectors.shape
    if kind == "flat" or n < 1000:  # approximate search buys nothing on small collections
        index = faiss.IndexFlatIP(dimension)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        nlist = int(min(4 * math.sqrt(n), n // 39))
        quantizer = faiss.IndexFlatIP(dimension)
        index = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(seed)
        sample = vectors[rng.choice(n, size=min(n, nlist * 64), replace=False)]
        index.train(sample)
        index.nprobe = max(1, nlist // 16)
    if n:
        index.add(vectors)
    return index


class FaissStore:
    """FAISS over one index version: nothing to sync, the version folder is immutable."""

    description = "faiss"

    def __init__(self) -> None:
        self.index: Any = None

    @staticmethod
    def write(folder: Path, vectors: np.ndarray, kind: str) -> None:
        """The files this store keeps in a new version folder: ``dense.faiss`` for hnsw and ivf."""
        import faiss

        if kind != "flat":
            faiss.write_index(make_faiss_index(vectors, kind), str(folder / DENSE_FILE))

    def sync(self, version: Path, manifest: Mapping[str, Any], passages: Sequence[PassageRow],
             vectors: np.ndarray, reset: bool = False) -> StoreSync:
        import faiss

        if manifest["index_kind"] == "flat":
            self.index = make_faiss_index(vectors, "flat")
        else:
            if DENSE_FILE not in manifest["files"]:
                raise RuntimeError(f"{version.name} has no {DENSE_FILE} (it was indexed for Milvus)")
            self.index = faiss.read_index(str(version / DENSE_FILE))
            if self.index.ntotal != len(passages):
                raise RuntimeError(f"{DENSE_FILE} holds {self.index.ntotal} vectors, expected {len(passages)}")
        return StoreSync(self.description)

    def search(self, query_vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        n = min(n, self.count())
        if n <= 0:
            return []
        query = np.ascontiguousarray(query_vector, dtype=np.float32).reshape(1, -1)
        scores, rows = self.index.search(query, n)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    def count(self) -> int:
        return 0 if self.index is None else int(self.index.ntotal)

    def close(self) -> None:
        self.index = None
