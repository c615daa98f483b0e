import pytest

from qa.retrieve import Retriever
from qa.settings import Settings


@pytest.fixture(scope="module")
def retriever(seeds_index, e5):
    return Retriever(seeds_index, e5, Settings())


@pytest.mark.parametrize("language", ["en", "id"])
def test_recall_at_3_is_complete_on_the_question_set(retriever, retrieval_questions, language):
    assert len(retrieval_questions) >= 12
    misses = []
    for item in retrieval_questions:
        found = [r.passage.id for r in retriever.search(item[language], k=3)]
        if not set(item["passages"]) & set(found):
            misses.append((item["qid"], item[language], found))
    assert misses == []


def test_troop_deployment_question_finds_north_koreas_offer(retriever):
    top = retriever.search("Who proposed the troop deployment?", k=3)
    assert "002_b61871bac814194b#1" in [r.passage.id for r in top]


def test_cross_language_feedback_brings_the_passages_that_answer_above_a_distractor(seeds_index, e5):
    answers = {"002_b61871bac814194b#1", "002_b61871bac814194b#3", "002_b61871bac814194b#5"}
    question = "Who proposed the troop deployment?"
    fused = Settings(reranker="none")  # the fusion alone, before any reranking
    with_feedback = [r.passage.id for r in Retriever(seeds_index, e5, fused).search(question, k=4)]
    without = [r.passage.id for r in
               Retriever(seeds_index, e5, fused.replace(cross_language_feedback=0)).search(question, k=4)]
    assert set(with_feedback[:2]) <= answers and without[0] not in answers
    assert "000_bf74d578131212df#6" not in with_feedback  # Jake Sullivan
    # an Indonesian question over Indonesian passages is searched as before
    indonesian = "Siapa yang mengusulkan pengerahan pasukan?"
    assert [r.passage.id for r in Retriever(seeds_index, e5, Settings()).search(indonesian, k=4)] == \
        [r.passage.id for r in Retriever(seeds_index, e5, Settings(cross_language_feedback=0)).search(indonesian, k=4)]


def test_results_carry_scores_and_metadata_best_first(retriever):
    results = retriever.search("Berapa tentara Korea Utara dikerahkan?", k=5)
    assert len(results) == 5
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert all(r.article.id == r.passage.article and r.article.title for r in results)
    assert all(r.dense_score is not None or r.bm25_score is not None for r in results)


def test_article_texts_are_the_title_and_every_passage_of_each_article(retriever):
    article = retriever.search("Who proposed the troop deployment?", k=1)[0].article
    texts = retriever.article_texts([article.id, article.id, "no-such-article"])
    own = [p.text for p in retriever.index.passages if p.article == article.id]
    assert texts == [article.title] + own and len(own) == article.passages


def test_empty_question_finds_nothing(retriever):
    assert retriever.search("   ") == []


def test_index_from_another_embedder_is_refused(seeds_index):
    class Other:
        name, dimension = "other", 8

    with pytest.raises(ValueError, match="rebuild"):
        Retriever(seeds_index, Other())


def test_article_context_ranks_passages_as_their_vector_with_their_articles_opening(seeds_index, e5):
    """Dense scores with the article's first passage mixed in, computed over every passage (both seed articles
    bring all their passages in as candidates), equal a brute-force ranking of normalise(v + w * opening)."""
    import numpy as np

    weight = 0.3
    retriever = Retriever(seeds_index, e5, Settings(article_context=weight, context_articles=2))
    vectors = np.vstack(list(seeds_index.vectors))
    first = {}
    for row, p in enumerate(seeds_index.passages):
        first.setdefault(p.article, row)
    mixed = vectors + weight * vectors[[first[p.article] for p in seeds_index.passages]]
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    for question in ("Who proposed the troop deployment?", "Berapa korban tentara Korea Utara?"):
        query = e5.embed_query(question)
        expected = [int(r) for r in np.argsort(-(mixed @ query), kind="stable")[:10]]
        found = retriever._search_dense(query, 10)
        assert [row for row, _ in found] == expected
        assert [s for _, s in found] == pytest.approx([float(vectors[r] @ query) for r in expected], abs=1e-5)


def test_article_context_off_is_plain_dense_search(seeds_index, e5):
    query = e5.embed_query("Who proposed the troop deployment?")
    assert Retriever(seeds_index, e5, Settings(article_context=0))._search_dense(query, 8) == \
        seeds_index.search_dense(query, 8)


NORTH_KOREAS_OFFER = {"002_b61871bac814194b#1", "002_b61871bac814194b#3", "002_b61871bac814194b#5"}
RERANKED = Settings(reranker="ms-marco-minilm-l12")


def test_the_reranker_puts_a_passage_that_answers_an_english_question_first(seeds_index, e5):
    question = "According to US intelligence, whose idea was it to send North Korean soldiers to help Russia?"
    reranked = Retriever(seeds_index, e5, RERANKED).search(question, k=4)
    fused = Retriever(seeds_index, e5, Settings()).search(question, k=4)  # off by default
    assert reranked[0].passage.id in NORTH_KOREAS_OFFER and fused[0].passage.id not in NORTH_KOREAS_OFFER
    assert all(r.rerank_score is not None and 0 < r.score < 1 for r in reranked)
    assert [r.score for r in reranked] == sorted((r.score for r in reranked), reverse=True)
    assert all(r.rerank_score is None for r in fused)


def test_indonesian_questions_keep_the_fused_order(seeds_index, e5):
    question = "Siapa yang mengusulkan pengerahan pasukan Korea Utara?"
    reranked = Retriever(seeds_index, e5, RERANKED).search(question, k=6)
    fused = Retriever(seeds_index, e5, Settings(reranker="none")).search(question, k=6)
    assert [r.passage.id for r in reranked] == [r.passage.id for r in fused]
    assert all(r.rerank_score is None for r in reranked)


def test_english_questions_also_search_the_passages_english_glosses(seeds_index, e5):
    question = "According to US intelligence, whose idea was it to send North Korean soldiers to help Russia?"
    by_gloss = [seeds_index.passages[row].id for row, _ in seeds_index.search_glosses(e5.embed_query(question), 4)]
    assert set(by_gloss) & NORTH_KOREAS_OFFER
    scores = [score for _, score in seeds_index.search_glosses(e5.embed_query(question), 26)]
    assert scores == sorted(scores, reverse=True) and len(scores) == 26
    # an Indonesian question is searched as before; an English one without glosses when they are turned off
    indonesian = "Siapa yang mengusulkan pengerahan pasukan Korea Utara?"
    glossed = Settings(gloss_weight=3)  # off by default
    assert [r.passage.id for r in Retriever(seeds_index, e5, glossed).search(indonesian, k=6)] == \
        [r.passage.id for r in Retriever(seeds_index, e5, Settings()).search(indonesian, k=6)]
    with_glosses = Retriever(seeds_index, e5, glossed).search(question, k=26)
    without = Retriever(seeds_index, e5, Settings()).search(question, k=26)
    assert [r.score for r in with_glosses] != [r.score for r in without]
