"""What every vector store shares: the ``VectorStore`` interface, what a sync reports, the store specs
(``faiss``, ``milvus:<folder or URI>``) and the search settings FAISS and Milvus are given alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

import numpy as np

INDEX_KINDS = ("flat", "hnsw", "ivf")
DENSE_FILE = "dense.faiss"
ACCEPTED_SPECS = ("faiss, milvus:<Milvus Lite data folder, e.g. milvus:.kutip/milvus.db> or "
                  "milvus:http://host:port (a Milvus server)")
SERVER_SCHEMES = ("http://", "https://", "tcp://")

# FAISS and Milvus get the same graph and search settings, so their recall is comparable.
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 96


class VectorStoreError(ValueError):
    """A vector store that cannot be used as set (bad spec, server unreachable, folder in use). A
    ValueError like other bad settings, so every front end reports it as a message, not a traceback."""


class PassageRow(Protocol):
    """What a store needs of a passage (``qa.index.StoredPassage`` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def article(self) -> str: ...

    @property
    def sha256(self) -> str: ...


@dataclass(frozen=True)
class StoreSync:
    """What bringing a store in line with an index version did."""
    store: str
    inserted: int = 0
    deleted: int = 0
    rebuilt_because: str | None = None  # the collection was dropped and made again

    @property
    def wrote(self) -> bool:
        return bool(self.inserted or self.deleted or self.rebuilt_because)

    def summary(self) -> str:
        rebuilt = f" (rebuilt: {self.rebuilt_because})" if self.rebuilt_because else ""
        return f"{self.store}: {self.inserted} rows inserted, {self.deleted} deleted{rebuilt}"


@dataclass(eq=False)
class VectorPart:
    """The vectors of one index segment (``qa.index``), rows in segment order; ``folder`` holds the segment's
    ``dense.faiss`` (FAISS hnsw/ivf). One object per segment for as long as a process keeps the segment
    loaded, across index versions, so a store may keep what it built from it in ``cache``."""
    name: str
    vectors: np.ndarray
    folder: Path
    cache: dict = field(default_factory=dict)


class RowVectors:
    """The vectors of the live passages of an index version, row i being passage i: each part with its live rows
    (rows of deleted articles are left out), in order."""

    def __init__(self, parts: Sequence[tuple[VectorPart, np.ndarray]], dimension: int) -> None:
        self.parts = list(parts)
        self.dimension = dimension
        self.offsets = np.cumsum([0] + [len(live) for _, live in self.parts])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    @property
    def shape(self) -> tuple[int, int]:
        return len(self), self.dimension

    def __getitem__(self, row: int) -> np.ndarray:
        if not -len(self) <= row < len(self):
            raise IndexError(f"row {row} of {len(self)}")
        return self.take([int(row) % len(self)])[0]

    def take(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """The vectors of ``rows`` (in the order given) as one array."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        out = np.empty((len(rows), self.dimension), dtype=np.float32)
        if len(rows) and not (0 <= rows.min() and rows.max() < len(self)):
            raise IndexError(f"rows outside 0..{len(self) - 1}")
        parts = np.searchsorted(self.offsets, rows, side="right") - 1
        for part in np.unique(parts):
            chosen = parts == part
            vectors, live = self.parts[part][0].vectors, self.parts[part][1]
            out[chosen] = vectors[live[rows[chosen] - self.offsets[part]]]
        return out

    def __iter__(self):
        for part, live in self.parts:
            yield from part.vectors[live]


class VectorStore(Protocol):
    description: str

    def sync(self, version: Path, manifest: Mapping[str, Any], passages: Sequence[PassageRow],
             vectors: RowVectors, reset: bool = False,
             progress: Callable[[int, int], None] | None = None) -> StoreSync:
        """Hold exactly ``vectors`` (row i is ``passages[i]``) of the index version in folder ``version``
        (its manifest gives embedder, dimension and index kind); ``reset`` starts from empty; ``progress``
        gets (rows written, rows to write)."""
        ...

    def search(self, query_vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """The ``n`` best (row, inner product) pairs, best first."""
        ...

    def count(self) -> int: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class StoreSpec:
    kind: str  # "faiss" or "milvus"
    target: str = ""  # Milvus: an absolute folder path (Milvus Lite) or a server URI

    @property
    def is_lite(self) -> bool:
        return self.kind == "milvus" and not self.target.startswith(SERVER_SCHEMES)


def parse_store_spec(spec: str) -> StoreSpec:
    """``faiss``, ``milvus:<folder>`` or ``milvus:<server URI>``; anything else is a ValueError."""
    text = (spec or "").strip()
    if text == "faiss":
        return StoreSpec("faiss")
    if text.startswith("milvus:"):
        target = text[len("milvus:"):].strip()
        if target.startswith(SERVER_SCHEMES) and target.split("://", 1)[1].strip("/"):
            return StoreSpec("milvus", target)
        if target and "://" not in target and not target.startswith("unix:"):
            return StoreSpec("milvus", str(Path(target).expanduser().resolve()))
    raise VectorStoreError(f"unknown vector store {spec!r}: use {ACCEPTED_SPECS}")
