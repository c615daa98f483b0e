"""Hybrid retrieval: dense vectors and BM25, fused by weighted reciprocal rank.

Across languages plain BM25 matches little more than names (equal-weight fusion then hurt English
questions over Indonesian articles). So an English question's words also bring their Indonesian
equivalents from a news glossary, and Indonesian words on both sides are stemmed; with that, BM25 helps
both languages (tests/data/retrieval_questions.jsonl: English recall@3 17/18 dense alone, 18/18 fused).
The weight of a BM25 rank can still be set apart for passages in and out of the question's language.
When the best BM25 match is in the other language than the question, a third ranked list joins the fusion:
dense search with that passage's vector mixed into the question's (pseudo-relevance feedback), since e5
matches Indonesian passages to each other far better than to English questions.

A passage is read in its article: its BM25 terms include the article's title (``qa.index.passage_terms``),
and its dense score is that of its vector with the vector of the article's opening passage (the headline,
for most articles) added (``Settings.article_context``), the passages of the articles whose openings best
match the question joining the candidates. Many passages name their subject only in the headline ("the loss in
this case was USD 15 million", "he said"). Measured on the dev gold among 876 articles (recall@4, English
/ Indonesian of 69 / 62): 31 / 44 before, 37 / 50 with both.

An English question meets each Indonesian passage a fourth time, in English: the index holds the vector of
the passage's word-by-word English gloss with its article's title (``qa.index``), searched with the
question's own vector (``Settings.gloss_weight``). e5 ties English words to English words far more surely
than to their Indonesian equivalents. Measured on the dev gold among 852 distractors (English recall@4 of
69): see the README, "English glosses in the index".

An English question's best fused candidates can then be read again with the question by a cross-encoder
(``qa.rerank``; Indonesian passages glossed word by word in English), which orders them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from embeddings import Embedder, get_embedder
from qa.index import PassageIndex, ProgressCallback, StoredArticle, StoredPassage, UpdateReport, sync_index
from qa.language import Language, detect_language, english_gloss, search_terms
from qa.rerank import Reranker, get_reranker
from qa.settings import Settings


@dataclass(frozen=True)
class RetrievedPassage:
    passage: StoredPassage
    article: StoredArticle
    # higher is better, comparable only within one question: the reranker's probability that the passage
    # answers, for a reranked question; otherwise the fused score
    score: float
    dense_score: float | None  # cosine similarity, when dense search found it
    bm25_score: float | None
    rerank_score: float | None = None  # the reranker's logit, when it read the passage

    @property
    def id(self) -> str:
        return self.passage.id

    @property
    def text(self) -> str:
        return self.passage.text


class Retriever:
    def __init__(self, index: PassageIndex, embedder: Embedder, settings: Settings | None = None) -> None:
        if index.embedder_name != embedder.name or index.dimension != embedder.dimension:
            raise ValueError(
                f"the index was built with {index.embedder_name} ({index.dimension} dimensions), not with "
                f"{embedder.name} ({embedder.dimension}); rebuild it with: python -m qa index --rebuild")
        self.index = index
        self.embedder = embedder
        self.settings = settings or Settings()

    def search(self, question: str, k: int | None = None, language: Language | None = None) -> list[RetrievedPassage]:
        k = self.settings.k if k is None else k
        if not question.strip() or k <= 0 or not len(self.index):
            return []
        language = language or detect_language(question)
        n = max(self.settings.candidates, k)
        query_vector = self.embedder.embed_query(question)
        dense = self._search_dense(query_vector, n)
        sparse = self.index.search_bm25(search_terms(question, language, translate=True), n)
        feedback = self._cross_language_feedback(query_vector, sparse, language, n)

        s = self.settings
        # an English question also meets each Indonesian passage's English gloss (qa.index)
        glosses = self.index.search_glosses(query_vector, n) if language == "en" and s.gloss_weight > 0 else []
        fused: dict[int, float] = {}
        for ranked, weight in ((dense, 1.0), (feedback, 1.0), (glosses, s.gloss_weight)):
            for rank, (row, _) in enumerate(ranked):
                fused[row] = fused.get(row, 0.0) + weight / (s.rrf_k + rank + 1)
        for rank, (row, _) in enumerate(sparse):
            same = self.index.passages[row].language == language
            weight = s.bm25_weight_same_language if same else s.bm25_weight_other_language
            fused[row] = fused.get(row, 0.0) + weight / (s.rrf_k + rank + 1)

        dense_scores = dict(dense)
        sparse_scores = dict(sparse)
        ranked = sorted(fused, key=lambda row: (-fused[row], row))
        reranked = self._rerank(question, language, ranked[:max(k, s.rerank_candidates)])
        if reranked:
            ranked = sorted(reranked, key=lambda row: -reranked[row]) + ranked[len(reranked):]
        results = []
        for row in ranked[:k]:
            passage = self.index.passages[row]
            logit = reranked.get(row)
            results.append(RetrievedPassage(
                passage=passage,
                article=self.index.articles[passage.article],
                # fused: 1.0 = first in dense search alone
                score=round(fused[row] * (s.rrf_k + 1) if logit is None else 1 / (1 + np.exp(-logit)), 6),
                dense_score=dense_scores.get(row),
                bm25_score=sparse_scores.get(row),
                rerank_score=logit,
            ))
        return results

    def _rerank(self, question: str, language: Language, rows: list[int]) -> dict[int, float]:
        """The reranker's score of each of ``rows`` for an English question (rows in order of the scores'
        ties); nothing for an Indonesian one or with no reranker. Each passage is read with its article's
        title, an Indonesian one as its English gloss."""
        if language != "en" or len(rows) < 2 or self.reranker is None:
            return {}
        texts = []
        for row in rows:
            passage = self.index.passages[row]
            text = f"{self.index.articles[passage.article].title}. {passage.text}"
            texts.append(english_gloss(text) if passage.language == "id" else text)
        scores = self.reranker.scores(question, texts)
        return {row: float(score) for row, score in zip(rows, scores)}

    @functools.cached_property
    def reranker(self) -> Reranker | None:
        return get_reranker(self.settings.reranker, self.settings.threads)

    def article_texts(self, article_ids: Sequence[str]) -> list[str]:
        """The title and every passage of each of these articles, as text."""
        articles = self._articles
        texts = []
        for article_id in dict.fromkeys(article_ids):
            number = articles.number.get(article_id)
            if number is None:
                continue
            texts.append(self.index.articles[article_id].title)
            texts.extend(self.index.passages[row].text for row in articles.rows(number))
        return texts

    def _cross_language_feedback(self, query_vector: np.ndarray, sparse: list[tuple[int, float]],
                                 language: Language, n: int) -> list[tuple[int, float]]:
        """Dense search again with the best lexical match's vector mixed into the question's, when that passage
        is in the other language (pseudo-relevance feedback). e5 ranks English questions against Indonesian
        passages poorly (similarities bunched within a few hundredths) but Indonesian passages against each
        other well; the glossary-translated BM25 match is the bridge. Measured on the gold set (``qa eval``):
        the English "Who proposed the troop deployment?" gets two passages that answer it in its top 4
        instead of one, and a distractor naming Jake Sullivan drops out."""
        weight = self.settings.cross_language_feedback
        if weight <= 0 or not sparse:
            return []
        top = sparse[0][0]
        if self.index.passages[top].language == language:
            return []
        mixed = (1 - weight) * np.asarray(query_vector, dtype=np.float32).reshape(-1) + weight * self.index.vectors[top]
        norm = float(np.linalg.norm(mixed))
        return self._search_dense(mixed / norm, n) if norm > 0 else []

    def _search_dense(self, query_vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """Dense search with each passage read in its article: (passage + w * opening) . query, normalised,
        over the store's n best passages and every passage of the ``context_articles`` articles whose
        openings match best. The scores returned are the passages' own cosine similarities."""
        found = self.index.search_dense(query_vector, n)
        weight = self.settings.article_context
        if weight <= 0 or not found:
            return found
        articles = self._articles
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        opening_match = articles.openings @ query
        candidates = {row for row, _ in found}
        m = min(self.settings.context_articles, len(opening_match))
        for a in np.argpartition(-opening_match, m - 1)[:m] if m > 0 else ():
            candidates.update(articles.rows(int(a)).tolist())
        rows = np.fromiter(candidates, dtype=np.int64, count=len(candidates))
        vectors = self.index.vectors.take(rows)
        own = vectors @ query
        article = articles.of_row[rows]
        norms = np.sqrt(np.maximum(1 + weight ** 2 + 2 * weight * np.einsum("ij,ij->i", vectors, articles.openings[article]),
                                   1e-12))
        scores = (own + weight * opening_match[article]) / norms
        best = np.lexsort((rows, -scores))[:n]
        return [(int(rows[i]), float(own[i])) for i in best]

    @functools.cached_property
    def _articles(self) -> "_ArticleRows":
        return _ArticleRows.of(self.index)


@dataclass(frozen=True)
class _ArticleRows:
    """The live rows of each article of an index version, and the vector of each article's first passage."""
    of_row: np.ndarray  # article number of each row
    order: np.ndarray  # rows grouped by article
    bounds: np.ndarray  # article a's rows are order[bounds[a]:bounds[a + 1]]
    openings: np.ndarray  # (articles, dimension)
    number: dict[str, int]  # article id -> its article number here

    @classmethod
    def of(cls, index: PassageIndex) -> "_ArticleRows":
        ids, first, of_row = np.unique([p.article for p in index.passages], return_index=True, return_inverse=True)
        order = np.argsort(of_row, kind="stable")
        bounds = np.searchsorted(of_row[order], np.arange(len(first) + 1))
        return cls(of_row, order, bounds, index.vectors.take(first), {str(a): i for i, a in enumerate(ids)})

    def rows(self, article: int) -> np.ndarray:
        return self.order[self.bounds[article]:self.bounds[article + 1]]


def open_retriever(settings: Settings, rebuild: bool = False, progress: ProgressCallback | None = None,
                   embedder: Embedder | None = None,
                   loaded: PassageIndex | None = None,
                   touched: Sequence[str] | None = None) -> tuple[Retriever, UpdateReport]:
    """A retriever over the articles folder of ``settings``, its index and vector store
    (``settings.vector_store``) synced first (only new text is embedded); the report says what the sync
    did. ``embedder``: one already loaded, to reuse; ``loaded``: the index version open now, whose segments
    are kept rather than read again; ``touched``: the only article files that changed, when known."""
    if embedder is None or embedder.name != settings.embedder:
        embedder = get_embedder(settings.embedder, threads=settings.threads)
    index, report = sync_index(
        settings.articles_dir, settings.index_dir, embedder, index_kind=settings.index_kind,
        passage_max_words=settings.passage_max_words, max_article_bytes=settings.max_article_bytes,
        rebuild=rebuild, progress=progress, vector_store=settings.vector_store, store_token=settings.milvus_token,
        loaded=loaded, touched=touched, glosses=settings.gloss_weight > 0)
    retriever = Retriever(index, embedder, settings)
    retriever.reranker  # loaded now: a missing or damaged model is reported before the first question
    return retriever, report
