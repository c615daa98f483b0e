"""Passage states on disk: the model's KV cells for a passage as it reads after a prompt's static prefix,
computed once and reused where the passage comes right after that prefix again (every question that shows it,
when stitching; ``qa.llm.llamacpp`` makes and uses them).

A state is found by a key that changes with everything it depends on: the model file's sha256, the static
prefix's tokens, the passage's tokens and the llama.cpp build. An edited article, another model or another
prompt therefore never meets an old state; old states age out under the disk budget, least recently used first.

One file per state, ``<key>.kv``: a header (magic, token count, payload length, payload checksum), the passage
tokens, then llama.cpp's sequence-state bytes. Files are written to a temporary name and renamed, so a killed
process leaves no half file under a state's name; a damaged or truncated file fails its checks, is deleted
and is made again.
"""

from __future__ import annotations

import hashlib
import os
import struct
import warnings
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from qa.files import atomic_write_bytes

MAGIC = b"KUTIPKV1"
_HEADER = struct.Struct("<8sIQI")  # magic, tokens, payload bytes, crc32 of tokens + payload


class DamagedState(ValueError):
    """A state file that fails its checks."""


@dataclass(frozen=True)
class PassageState:
    tokens: tuple[int, ...]
    data: bytes  # llama_state_seq_get_data of the passage's cells, positions right after the prefix


def state_key(model_id: str, prefix_tokens: Sequence[int], tokens: Sequence[int], runtime: str) -> str:
    digest = hashlib.sha256()
    for part in (model_id.encode(), runtime.encode(), array("i", prefix_tokens).tobytes(), b"|",
                 array("i", tokens).tobytes()):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()[:40]


def encode_state(state: PassageState) -> bytes:
    tokens = array("i", state.tokens).tobytes()
    checksum = zlib.crc32(state.data, zlib.crc32(tokens))
    return _HEADER.pack(MAGIC, len(state.tokens), len(state.data), checksum) + tokens + state.data


def decode_state(raw: bytes) -> PassageState:
    if len(raw) < _HEADER.size:
        raise DamagedState("shorter than its header")
    magic, count, size, checksum = _HEADER.unpack_from(raw)
    if magic != MAGIC:
        raise DamagedState("not a kutip passage state")
    body = memoryview(raw)[_HEADER.size:]
    if len(body) != 4 * count + size:
        raise DamagedState(f"{len(body)} bytes after the header where {4 * count + size} were written")
    tokens, data = body[:4 * count], body[4 * count:]
    if zlib.crc32(data, zlib.crc32(tokens)) != checksum:
        raise DamagedState("checksum mismatch")
    return PassageState(tuple(array("i", bytes(tokens))), bytes(data))


class StateStore:
    """States in one folder under a disk budget; reading a state marks it used (its mtime)."""

    def __init__(self, folder: Path, budget_bytes: int) -> None:
        self.folder = Path(folder)
        self.budget_bytes = budget_bytes
        self._size: int | None = None

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.kv"

    def get(self, key: str, tokens: Sequence[int]) -> PassageState | None:
        """The stored state, or None when there is none or it is damaged (then it is deleted, with a warning)."""
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            state = decode_state(raw)
            if state.tokens != tuple(tokens):
                raise DamagedState("its tokens are not the passage's")
        except DamagedState as exc:
            warnings.warn(f"passage state {path.name} is damaged ({exc}); it will be computed again", stacklevel=2)
            path.unlink(missing_ok=True)
            self._size = None
            return None
        try:
            os.utime(path)
        except OSError:
            pass
        return state

    def put(self, key: str, state: PassageState) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        raw = encode_state(state)
        atomic_write_bytes(self._path(key), raw, durable=False)
        if self._size is not None:
            self._size += len(raw)
        self.evict()

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.kv")) if self.folder.is_dir() else []

    def size_bytes(self) -> int:
        if self._size is None:
            self._size = sum(_file_size(p) for p in self.files())
        return self._size

    def evict(self) -> int:
        """Delete least recently used states until the folder fits the budget; the number deleted."""
        if self.size_bytes() <= self.budget_bytes:
            return 0
        entries = []
        for path in self.files():
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            entries.append((stat.st_mtime_ns, stat.st_size, path))
        entries.sort()
        total = sum(size for _, size, _ in entries)
        deleted = 0
        for _, size, path in entries:
            if total <= self.budget_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            deleted += 1
        self._size = total
        return deleted


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def folder_size(folder: Path) -> tuple[int, int]:
    """(state files, bytes) under ``folder`` and its subfolders (one per model and prompt)."""
    paths = list(Path(folder).rglob("*.kv")) if Path(folder).is_dir() else []
    return len(paths), sum(_file_size(p) for p in paths)
