"""BM25 over the segments of an index: each segment keeps the postings of its own passages, and the
collection statistics (number of passages, document frequency, mean length) are taken over the live
passages of every segment when a question is scored. A collection split into segments, some passages
deleted, therefore scores exactly as the same passages indexed at once: adding an article writes the
postings of its passages only.

The formula is Lucene's (as bm25s's default ``lucene`` method, which kutip used before):
idf = ln(1 + (N - df + 0.5) / (df + 0.5)), term weight = tf / (tf + k1 (1 - b + b dl / avgdl)).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

K1, B = 1.5, 0.75
POSTINGS_FILE, VOCABULARY_FILE = "postings.npz", "vocabulary.json"


@dataclass(frozen=True)
class Postings:
    """Term -> (passage rows, term counts) for the passages of one segment, rows in segment order."""
    vocabulary: dict[str, int]
    starts: np.ndarray  # int64, len(vocabulary) + 1: term t's postings are [starts[t], starts[t + 1])
    rows: np.ndarray  # int32
    counts: np.ndarray  # float32: how often the term is in the passage
    lengths: np.ndarray  # float32 per passage: its number of terms

    @property
    def passages(self) -> int:
        return len(self.lengths)

    @classmethod
    def build(cls, terms: Sequence[Sequence[str]]) -> "Postings":
        """The postings of passages whose terms (``qa.language.search_terms``) are ``terms[row]``."""
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []
        rows: list[int] = []
        counts: list[int] = []
        for row, passage_terms in enumerate(terms):
            for term, count in Counter(passage_terms).items():
                term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
                rows.append(row)
                counts.append(count)
        lengths = np.fromiter((len(t) for t in terms), dtype=np.float32, count=len(terms))
        return cls._sorted(vocabulary, np.asarray(term_ids, dtype=np.int64), np.asarray(rows, dtype=np.int32),
                           np.asarray(counts, dtype=np.float32), lengths)

    @classmethod
    def _sorted(cls, vocabulary: dict[str, int], term_ids: np.ndarray, rows: np.ndarray, counts: np.ndarray,
                lengths: np.ndarray) -> "Postings":
        order = np.lexsort((rows, term_ids))  # by term, then row
        starts = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_ids, minlength=len(vocabulary)), out=starts[1:])
        return cls(vocabulary, starts, rows[order], counts[order], lengths)

    @classmethod
    def merge(cls, parts: Sequence[tuple["Postings", np.ndarray]]) -> "Postings":
        """One segment's postings from ``(postings, kept rows)`` of several, rows renumbered in that order
        (the rows not kept are dropped); no passage's terms are computed again."""
        vocabulary: dict[str, int] = {}
        term_ids, rows, counts, lengths = [], [], [], []
        offset = 0
        seen: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # the same postings given twice are mapped once
        for postings, kept in parts:
            kept = np.asarray(kept, dtype=np.int64)
            new_row = np.full(postings.passages, -1, dtype=np.int64)
            new_row[kept] = offset + np.arange(len(kept))
            if id(postings) not in seen:
                terms = list(postings.vocabulary)  # in id order: ids are assigned in insertion order
                seen[id(postings)] = (
                    np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in terms), dtype=np.int64,
                                count=len(terms)),
                    np.repeat(np.arange(len(terms), dtype=np.int64), np.diff(postings.starts)))
            mapping, old_term = seen[id(postings)]
            renumbered = new_row[postings.rows]
            keep = renumbered >= 0
            term_ids.append(mapping[old_term[keep]])
            rows.append(renumbered[keep].astype(np.int32))
            counts.append(postings.counts[keep])
            lengths.append(postings.lengths[kept])
            offset += len(kept)
        if not parts:
            return cls.build([])
        return cls._sorted(vocabulary, np.concatenate(term_ids), np.concatenate(rows), np.concatenate(counts),
                           np.concatenate(lengths))

    def save(self, folder: Path) -> None:
        with open(folder / POSTINGS_FILE, "wb") as out:
            np.savez(out, starts=self.starts, rows=self.rows, counts=self.counts, lengths=self.lengths)
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        (folder / VOCABULARY_FILE).write_text(json.dumps(terms, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> "Postings":
        terms = json.loads((folder / VOCABULARY_FILE).read_text("utf-8"))
        with np.load(folder / POSTINGS_FILE, allow_pickle=False) as arrays:
            postings = cls({t: i for i, t in enumerate(terms)}, arrays["starts"], arrays["rows"], arrays["counts"],
                           arrays["lengths"])
        if len(postings.starts) != len(terms) + 1 or len(postings.rows) != len(postings.counts) \
                or postings.starts[-1] != len(postings.rows):
            raise ValueError("postings do not match their vocabulary")
        return postings

    def term(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, counts) of the passages holding ``term``."""
        t = self.vocabulary.get(term)
        if t is None:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        return self.rows[self.starts[t] : self.starts[t + 1]], self.counts[self.starts[t] : self.starts[t + 1]]


def score(segments: Sequence[tuple[Postings, np.ndarray]], terms: Sequence[str]) -> list[np.ndarray]:
    """BM25 of every passage of each ``(postings, live)`` segment (``live``: bool per row; a row not live
    neither scores nor counts in the statistics) for the question ``terms`` (a term given twice counts twice)."""
    scores = [np.zeros(p.passages, dtype=np.float64) for p, _ in segments]
    passages = sum(int(live.sum()) for _, live in segments)
    if not passages or not terms:
        return scores
    mean_length = sum(float(p.lengths[live].sum()) for p, live in segments) / passages or 1.0
    for term, times in Counter(terms).items():
        found = []
        frequency = 0
        for postings, live in segments:
            rows, counts = postings.term(term)
            keep = live[rows]
            found.append((rows[keep], counts[keep]))
            frequency += int(keep.sum())
        if not frequency:
            continue
        idf = np.log(1 + (passages - frequency + 0.5) / (frequency + 0.5))
        for (postings, _), (rows, counts), into in zip(segments, found, scores):
            norm = K1 * (1 - B + B * postings.lengths[rows] / mean_length)
            into[rows] += times * idf * counts / (counts + norm)  # a row is once in a term's postings
    return scores
