import logging

import numpy as np
import pytest

from qa.bm25 import Postings, score
from qa.ingest import load_folder
from qa.language import detect_language, search_terms

from conftest import SEEDS


@pytest.fixture(scope="module")
def seed_terms():
    articles, _ = load_folder(SEEDS)
    return [search_terms(p.text, p.language) for a in articles for p in a.passages]


QUESTIONS = ["Siapa yang mengusulkan pengerahan pasukan?", "Berapa tentara Korea Utara tewas di Kursk?",
             "Who proposed the troop deployment?"]


def all_live(postings):
    return np.ones(postings.passages, dtype=bool)


def test_scores_are_those_of_bm25s_lucene(seed_terms):
    """The same formula kutip used through bm25s before segments."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    reference = bm25s.BM25()
    reference.index(seed_terms, show_progress=False)
    postings = Postings.build(seed_terms)
    for question in QUESTIONS:
        terms = [t for t in search_terms(question, detect_language(question), translate=True) if t in reference.vocab_dict]
        assert terms
        ours = score([(postings, all_live(postings))], terms)[0]
        assert np.allclose(ours, reference.get_scores(terms), rtol=1e-5, atol=1e-6)
        assert ours.max() > 0


def test_segments_with_deletions_score_as_one_built_at_once(seed_terms):
    first, second = seed_terms[:15], seed_terms[15:]
    deleted = {2, 3, 4, 17}
    a, b = Postings.build(first), Postings.build(second)
    live_a, live_b = all_live(a), all_live(b)
    for row in deleted:
        (live_a if row < 15 else live_b)[row if row < 15 else row - 15] = False
    kept = [t for row, t in enumerate(seed_terms) if row not in deleted]
    whole = Postings.build(kept)
    for question in QUESTIONS:
        terms = search_terms(question, detect_language(question), translate=True)
        split = score([(a, live_a), (b, live_b)], terms)
        joined = np.concatenate([split[0][live_a], split[1][live_b]])
        assert np.allclose(joined, score([(whole, all_live(whole))], terms)[0])
        assert not split[0][~live_a].any() and not split[1][~live_b].any()


def test_merged_postings_are_those_built_from_the_kept_rows(seed_terms, tmp_path):
    a, b = Postings.build(seed_terms[:10]), Postings.build(seed_terms[10:])
    keep_a, keep_b = np.array([0, 2, 5, 9]), np.arange(len(seed_terms) - 10)
    merged = Postings.merge([(a, keep_a), (b, keep_b)])
    built = Postings.build([seed_terms[r] for r in keep_a] + seed_terms[10:])
    assert merged.passages == built.passages and np.array_equal(merged.lengths, built.lengths)
    for term in set(built.vocabulary) | set(merged.vocabulary):
        rows, counts = merged.term(term)
        expected_rows, expected_counts = built.term(term)
        assert np.array_equal(rows, expected_rows) and np.array_equal(counts, expected_counts), term

    merged.save(tmp_path)
    loaded = Postings.load(tmp_path)
    assert loaded.vocabulary == merged.vocabulary and np.array_equal(loaded.rows, merged.rows)


def test_postings_that_do_not_match_their_vocabulary_are_refused(seed_terms, tmp_path):
    Postings.build(seed_terms).save(tmp_path)
    (tmp_path / "vocabulary.json").write_text('["satu", "dua"]', "utf-8")
    with pytest.raises(ValueError, match="vocabulary"):
        Postings.load(tmp_path)


def test_nothing_live_or_no_terms_scores_nothing(seed_terms):
    postings = Postings.build(seed_terms)
    assert not score([(postings, np.zeros(postings.passages, dtype=bool))], ["pasukan"])[0].any()
    assert not score([(postings, all_live(postings))], [])[0].any()
    assert Postings.build([]).passages == 0
