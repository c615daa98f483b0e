"""What every embedder shares: the ``Embedder`` interface, its error, row normalisation, and kutip's cache
folder (where installed models live; ``qa.settings`` takes its default from here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np


class EmbedderError(RuntimeError):
    """An embedder that cannot be created; the message says which and why."""


@runtime_checkable
class Embedder(Protocol):
    name: str  # the string it was created from; stored in the index manifest
    dimension: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dimension) float32, rows L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """(dimension,) float32, L2-normalised."""
        ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def default_cache_dir() -> Path:
    """kutip's cache folder when KUTIP_CACHE_DIR does not name one: the XDG cache, then ~/.cache."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kutip"
