import pytest

from qa.models import NAMED_MODELS, ModelFileError, model_path


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelFileError, match="no model file at .*named models: qwen2.5-coder-1.5b"):
        model_path(str(tmp_path / "absent.gguf"), tmp_path)


def test_a_file_that_is_not_gguf_is_refused(tmp_path):
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"<html>not a model</html>")
    with pytest.raises(ModelFileError, match="not a GGUF model file"):
        model_path(str(fake), tmp_path)


def test_named_model_is_assembled_checked_and_a_damaged_copy_replaced(tmp_path):
    spec = NAMED_MODELS["qwen2.5-coder-0.5b"]
    seen = []
    path = model_path(spec.name, tmp_path, progress=lambda done, total: seen.append((done, total)), weights="q4_k_m")
    assert path.stat().st_size == spec.size and seen[-1] == (spec.size, spec.size)
    with open(path, "r+b") as stream:  # damage it: same size, different bytes
        stream.seek(1000)
        stream.write(b"\x00" * 16)
    (path.with_suffix(".verified")).unlink()
    repaired = model_path(spec.name, tmp_path, weights="q4_k_m")
    assert repaired == path and repaired.read_bytes()[:4] == b"GGUF"
    from qa.files import sha256_file

    assert sha256_file(repaired) == spec.sha256
    assert not list(tmp_path.rglob("*.partial"))


def test_weights_setting_is_checked():
    from qa.settings import Settings

    with pytest.raises(ValueError, match="weights must be one of"):
        Settings.from_env({"KUTIP_WEIGHTS": "q8"})

    from qa.models import llama_has_amx, weights_form

    small, large = NAMED_MODELS["qwen2.5-coder-0.5b"], NAMED_MODELS["qwen2.5-coder-1.5b"]
    assert weights_form("q4_k_m", small) == "q4_k_m" and weights_form("q8_0", large) == "q8_0"
    # auto: the shipped weights without AMX kernels; with them, the form each model measured no worse with
    assert weights_form("auto", small) == ("q8_0" if llama_has_amx() else "q4_k_m")
    assert weights_form("auto", large) == "q4_k_m"
    with pytest.raises(ValueError, match="weights must be one of auto, q4_k_m, q8_0"):
        weights_form("q2_k", small)


def test_q8_copy_is_made_once_recorded_and_made_again_when_changed(tmp_path):
    from llama_cpp import Llama

    from qa.files import sha256_file
    from qa.models import model_sha256, recorded_copy, requantize
    from qa.settings import Settings

    spec = NAMED_MODELS["qwen2.5-coder-0.5b"]
    shipped = model_path(spec.name, Settings().cache_dir, weights="q4_k_m")
    (tmp_path / "models").mkdir()
    link = tmp_path / "models" / spec.file_name  # the copy is made beside the shipped file
    link.symlink_to(shipped)
    copy = requantize(spec, link)
    assert copy.parent == link.parent and copy.read_bytes()[:4] == b"GGUF"
    assert model_sha256(spec.name, copy) == sha256_file(copy) != spec.sha256
    made = copy.stat().st_mtime_ns
    assert requantize(spec, link) == copy and copy.stat().st_mtime_ns == made  # reused, not made again
    size = copy.stat().st_size
    with open(copy, "ab") as stream:  # damaged: the record no longer holds, so it is made again
        stream.write(b"\x00" * 8)
    assert recorded_copy(copy, spec) is None
    assert requantize(spec, link) == copy and copy.stat().st_size == size and copy.stat().st_mtime_ns != made
    assert recorded_copy(copy, spec) == sha256_file(copy) == model_sha256(spec.name, copy)
    assert not list(tmp_path.rglob("*.partial"))

    # Q4_K_M's values fit Q8_0's grid within 8-bit rounding: the copy continues a prompt as the shipped file does
    def greedy(path):
        llm = Llama(model_path=str(path), n_ctx=256, n_threads=2, verbose=False)
        text = llm.create_completion("The capital of France is", max_tokens=8, temperature=0.0, top_k=1)
        return text["choices"][0]["text"]

    continued = greedy(copy)
    assert continued == greedy(shipped) and "Paris" in continued
