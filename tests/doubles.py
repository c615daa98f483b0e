"""Test doubles for the logic around the models: they stand in for a model only where a test is about
what kutip does with its output, never where the model's own behaviour is under test."""

from __future__ import annotations

import hashlib
from typing import Iterator, Sequence

import numpy as np

from embeddings import normalise_rows
from qa.language import detect_language, search_terms
from qa.llm import JsonOutput, Message, Passage, Usage
from qa.llm.base import content_text


def has_passage_parts(messages: Sequence[Message]) -> bool:
    """Whether any message holds a ``Passage`` part (one a backend with passage states reads from its state)."""
    return any(isinstance(part, Passage) for m in messages if not isinstance(m["content"], str) for part in m["content"])


class ScriptedGenerator:
    """Replays the given outputs in order, one per call, streamed word by word; records the messages. With
    ``passage_states`` it reports reading a prompt's ``Passage`` parts from stored states, as the in-process
    model does."""

    def __init__(self, outputs: Sequence[str], name: str = "scripted", passage_states: bool = False) -> None:
        self.name = name
        self.passage_states = passage_states
        self.outputs = list(outputs)
        self.calls: list[list[Message]] = []
        self.predictions: list[str] = []
        self.last_usage = Usage()

    def stream(self, messages: Sequence[Message], grammar: str | None = None, max_tokens: int = 200,
               stop: Sequence[str] = (), schema: JsonOutput | None = None, prediction: str = "") -> Iterator[str]:
        self.calls.append(list(messages))
        self.predictions.append(prediction)
        if not self.outputs:
            raise AssertionError("ScriptedGenerator has no output left for this call")
        text = self.outputs.pop(0)
        pieces = text.split(" ")
        for i, piece in enumerate(pieces):
            yield piece if i == len(pieces) - 1 else piece + " "
        self.last_usage = Usage(prompt_tokens=sum(len(content_text(m["content"]).split()) for m in messages),
                                completion_tokens=len(pieces), first_token_ms=0.0, total_ms=0.0,
                                passage_states=self.passage_states and has_passage_parts(messages))


class ScriptedChooser(ScriptedGenerator):
    """A scripted generator that also scores options (``qa.llm.choose``): it picks ``choice`` and records the
    reply's start it was given."""

    def __init__(self, outputs: Sequence[str], choice: str) -> None:
        super().__init__(outputs)
        self.choice = choice
        self.prefixes: list[str] = []

    def choose(self, messages: Sequence[Message], prefix: str, options: Sequence[str]) -> str:
        assert self.choice in options, (self.choice, options)
        self.prefixes.append(prefix)
        return self.choice


class HashingEmbedder:
    """A deterministic bag-of-words embedder: each search term (``qa.language.search_terms``, so Indonesian
    words are stemmed and English queries bring their glossary equivalents) hashed into one of
    ``dimension`` signed buckets. No model file, microseconds a text; similar wording gives similar
    vectors, which is all the pipeline's logic needs of an embedder."""

    name = "test-hashing"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension

    def _vector(self, text: str, translate: bool) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for term in search_terms(text, detect_language(text), translate=translate):
            digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dimension
            vector[bucket] += 1.0 if digest[4] & 1 else -1.0
        return vector

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return normalise_rows(np.vstack([self._vector(t, translate=False) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return normalise_rows(self._vector(text, translate=True)[None, :])[0]
