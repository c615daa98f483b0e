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
    path = model_path(spec.name, tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert path.stat().st_size == spec.size and seen[-1] == (spec.size, spec.size)
    with open(path, "r+b") as stream:  # damage it: same size, different bytes
        stream.seek(1000)
        stream.write(b"\x00" * 16)
    (path.with_suffix(".verified")).unlink()
    repaired = model_path(spec.name, tmp_path)
    assert repaired == path and repaired.read_bytes()[:4] == b"GGUF"
    from qa.files import sha256_file

    assert sha256_file(repaired) == spec.sha256
    assert not list(tmp_path.rglob("*.partial"))
