"""FAISS as kutip's vector store (the default): ``flat`` is built in memory when a segment is opened,
``hnsw`` and ``ivf`` are written to ``dense.faiss`` in the segment folder."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from qa.vectors.base import (DENSE_FILE, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, INDEX_KINDS, PassageRow,
                             RowVectors, StoreSync, VectorPart)


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
    """FAISS over the segments of one index version: one FAISS index per segment (kept with the segment, so a
    new version in the same process builds or reads only its new segments), rows of deleted articles left
    out by a selector, the results of all segments merged."""

    description = "faiss"

    def __init__(self) -> None:
        self.parts: list[_SearchPart] = []

    @staticmethod
    def write(folder: Path, vectors: np.ndarray, kind: str) -> None:
        """The files this store keeps in a new segment folder: ``dense.faiss`` for hnsw and ivf."""
        import faiss

        if kind != "flat":
            faiss.write_index(make_faiss_index(vectors, kind), str(folder / DENSE_FILE))

    def sync(self, version: Path, manifest: Mapping[str, Any], passages: Sequence[PassageRow],
             vectors: RowVectors, reset: bool = False,
             progress: Callable[[int, int], None] | None = None) -> StoreSync:
        kind = manifest["index_kind"]
        self.parts = []
        for (part, live), offset in zip(vectors.parts, vectors.offsets):
            self.parts.append(_SearchPart(_segment_index(part, kind), live, int(offset)))
        return StoreSync(self.description)

    def search(self, query_vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        n = min(n, self.count())
        if n <= 0:
            return []
        query = np.ascontiguousarray(query_vector, dtype=np.float32).reshape(1, -1)
        found: list[tuple[int, float]] = []
        for part in self.parts:
            found.extend(part.search(query, n))
        found.sort(key=lambda hit: (-hit[1], hit[0]))
        return found[:n]

    def count(self) -> int:
        return sum(len(part.live) for part in self.parts)

    def close(self) -> None:
        self.parts = []


def _segment_index(part: VectorPart, kind: str):
    """The FAISS index of one segment: flat built from its vectors, hnsw and ivf read from its folder."""
    import faiss

    if kind not in part.cache:
        if kind == "flat":
            part.cache[kind] = make_faiss_index(part.vectors, "flat")
        else:
            path = part.folder / DENSE_FILE
            if not path.is_file():
                raise RuntimeError(f"segment {part.name} has no {DENSE_FILE} (it was indexed for Milvus)")
            index = faiss.read_index(str(path))
            if index.ntotal != len(part.vectors):
                raise RuntimeError(f"{DENSE_FILE} of {part.name} holds {index.ntotal} vectors, "
                                   f"expected {len(part.vectors)}")
            part.cache[kind] = index
    return part.cache[kind]


class _SearchPart:
    """One segment's FAISS index with its live rows: search maps segment rows to index-version rows."""

    def __init__(self, index, live: np.ndarray, offset: int) -> None:
        import faiss

        self.index, self.live = index, live
        self.version_row = np.full(index.ntotal, -1, dtype=np.int64)
        self.version_row[live] = offset + np.arange(len(live))
        self.params = None
        if len(live) < index.ntotal:
            self._deleted = np.flatnonzero(self.version_row < 0).astype(np.int64)
            self._inner = faiss.IDSelectorBatch(len(self._deleted), faiss.swig_ptr(self._deleted))
            self._selector = faiss.IDSelectorNot(self._inner)  # the selectors keep pointers: hold them here
            if hasattr(index, "hnsw"):
                self.params = faiss.SearchParametersHNSW()
                self.params.efSearch = index.hnsw.efSearch
            elif hasattr(index, "nprobe"):
                self.params = faiss.SearchParametersIVF()
                self.params.nprobe = index.nprobe
            else:
                self.params = faiss.SearchParameters()
            self.params.sel = self._selector

    def search(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        n = min(n, len(self.live))
        if n <= 0:
            return []
        scores, rows = self.index.search(query, n, params=self.params)
        return [(int(self.version_row[r]), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]
