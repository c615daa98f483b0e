import numpy as np
import pytest

from embeddings import EmbedderError, get_embedder


def test_e5_small_gives_normalised_multilingual_vectors(e5):
    assert e5.name == "e5-small" and e5.dimension == 384
    passages = e5.embed_passages(["Korea Utara mengirim pasukan ke Rusia.", "Harga beras naik di Jakarta."])
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    query = e5.embed_query("Which country sent troops to Russia?")
    assert query.shape == (384,)
    scores = passages @ query
    assert scores[0] > scores[1]  # the English question finds the Indonesian passage about troops


def test_e5_empty_batch(e5):
    assert e5.embed_passages([]).shape == (0, 384)


def test_sentence_transformers_backend_loads_the_packaged_model_offline():
    embedder = get_embedder("sentence-transformers:all-MiniLM-L6-v2")
    assert embedder.dimension == 384
    vectors = embedder.embed_passages(["The cat sat on the mat.", "Stock markets fell sharply today."])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    query = embedder.embed_query("Where did the cat sit?")
    assert int(np.argmax(vectors @ query)) == 0


def test_sentence_transformers_vectors_match_float32_whatever_precision_the_cpu_gets():
    from sentence_transformers import SentenceTransformer
    from embeddings.sentence_transformers import resolve_model_path

    embedder = get_embedder("sentence-transformers:all-MiniLM-L6-v2")
    assert embedder.dtype in ("bfloat16", "float32")
    texts = ["Menteri Keuangan mengumumkan defisit anggaran.", "The cat sat on the mat.", "Banjir melanda Jakarta."]
    exact = SentenceTransformer(resolve_model_path("all-MiniLM-L6-v2"), device="cpu", local_files_only=True)
    reference = exact.encode(texts, normalize_embeddings=True)
    assert np.all(np.sum(embedder.embed_passages(texts) * reference, axis=1) > 0.99)


def test_unknown_backend_is_refused_clearly():
    with pytest.raises(EmbedderError, match="unknown embedder 'word2vec'"):
        get_embedder("word2vec")


def test_missing_sentence_transformers_model_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderError, match="could not load"):
        get_embedder(f"sentence-transformers:{tmp_path / 'no-such-model'}")
