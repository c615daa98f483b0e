"""What the model sees: the evidence chosen from the retrieved passages, numbered as the answer's markers.

``EvidenceSelector.select`` is the one place that decides it: which passages, under which numbers (each
``Evidence.n`` is the [n] of the prompt, the answer's markers and the citations), whole or cut to sentences.
Today it keeps the retrieved passages in retrieval order, numbered 1…k, whole (``Settings.evidence_sentences
= 0``, the default) or cut to the sentences that best match the question. A reranker goes in ``select``: it
reorders or drops ``retrieved`` before the passages are numbered and cut. ``closest_sentence`` picks the
sentence to quote when a generated answer fails its checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from embeddings import Embedder
from qa.ingest import sentence_spans
from qa.language import Language, detect_language, search_terms
from qa.retrieve import RetrievedPassage
from qa.settings import Settings


@dataclass(frozen=True)
class Evidence:
    """The part of a retrieved passage shown to the model: its sentences that bear on the question."""
    n: int  # the passage's number in the prompt and in the answer's markers
    passage: RetrievedPassage
    spans: tuple[tuple[int, int], ...]  # offsets of the kept sentences in the passage text
    score: float  # best sentence score

    @property
    def text(self) -> str:
        return " … ".join(self.passage.text[s:e] for s, e in self.spans)


class EvidenceSelector:
    """Scores sentences by dense similarity to the question plus the share of the question's search terms
    (glossary-translated, stemmed) each holds. Fewer, tighter sentences mean a shorter prompt and fewer
    distractors for a small model (measured: 3 sentences cut the prompt by ~45%, but the 1.5B then picked
    wrong answers more often, hence whole passages by default). Sentence vectors are cached: keep one
    selector for the life of the process."""

    def __init__(self, embedder: Embedder, settings: Settings | None = None, cache_size: int = 50_000) -> None:
        settings = settings or Settings()
        self.embedder = embedder
        self.max_sentences = settings.evidence_sentences
        self.lexical_weight = settings.lexical_weight
        self._vectors: dict[str, np.ndarray] = {}
        self._cache_size = cache_size

    def select(self, question: str, retrieved: list[RetrievedPassage], language: Language) -> list[Evidence]:
        """The evidence for one question: passage n of ``retrieved`` is [n] in the prompt."""
        return self.best_sentences(question, retrieved, self.max_sentences, language)

    def closest_sentence(self, question: str, shown: Sequence[tuple[int, RetrievedPassage]], language: Language,
                         answers: Callable[[str], bool] | None = None) -> tuple[int, str]:
        """(passage number, sentence) of the shown passages' sentence that best matches the question; with
        ``answers``, the best of those it accepts (a sentence with a date for "when"), when there is one."""
        retrieved = [r for _, r in shown]
        sentences = [(n, retrieved[n - 1].passage.text[s:e]) for _, n, (s, e) in
                     self._ranked_sentences(question, retrieved, language)]
        n, sentence = next((c for c in sentences if answers and answers(c[1])), sentences[0])
        return shown[n - 1][0], sentence

    def best_sentences(self, question: str, retrieved: list[RetrievedPassage], max_sentences: int,
                       language: Language | None = None) -> list[Evidence]:
        """The ``max_sentences`` best sentences, grouped by passage, best passage first (0: whole passages,
        in retrieval order)."""
        if not retrieved:
            return []
        if max_sentences <= 0:
            return [Evidence(n=n, passage=r, spans=((0, len(r.passage.text)),), score=r.score)
                    for n, r in enumerate(retrieved, start=1)]
        by_passage: dict[int, list[tuple[float, tuple[int, int]]]] = {}
        for score, n, span in self._ranked_sentences(question, retrieved, language)[:max_sentences]:
            by_passage.setdefault(n, []).append((score, span))
        evidence = [Evidence(n=n, passage=retrieved[n - 1], spans=tuple(sorted(span for _, span in chosen)),
                             score=max(score for score, _ in chosen))
                    for n, chosen in by_passage.items()]
        return sorted(evidence, key=lambda e: -e.score)

    def _ranked_sentences(self, question: str, retrieved: list[RetrievedPassage],
                          language: Language | None) -> list[tuple[float, int, tuple[int, int]]]:
        """(score, passage number, span) of every sentence of ``retrieved``, best first."""
        language = language or detect_language(question)
        wanted = set(search_terms(question, language, translate=True))
        candidates = [(n, span) for n, r in enumerate(retrieved, start=1) for span in sentence_spans(r.passage.text)]
        texts = [retrieved[n - 1].passage.text[s:e] for n, (s, e) in candidates]
        dense = self._embed(texts) @ self.embedder.embed_query(question)
        scores = [self._score(wanted, text, retrieved[n - 1].passage.language, float(similarity))
                  for (n, _), text, similarity in zip(candidates, texts, dense)]
        return sorted(((score, n, span) for score, (n, span) in zip(scores, candidates)), key=lambda c: -c[0])

    def _embed(self, sentences: list[str]) -> np.ndarray:
        known = {s: self._vectors.get(s) for s in dict.fromkeys(sentences)}  # a local view: safe if shared
        missing = [s for s, vector in known.items() if vector is None]
        if missing:
            if len(self._vectors) + len(missing) > self._cache_size:
                self._vectors = {}
            for sentence, vector in zip(missing, self.embedder.embed_passages(missing)):
                known[sentence] = self._vectors[sentence] = vector
        return np.vstack([known[s] for s in sentences])

    def _score(self, wanted: set[str], sentence: str, language: str, similarity: float) -> float:
        held = set(search_terms(sentence, language))  # type: ignore[arg-type]
        coverage = len(wanted & held) / len(wanted) if wanted else 0.0
        return similarity + self.lexical_weight * coverage
