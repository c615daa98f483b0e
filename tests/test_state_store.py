"""Passage states on disk: round trip, damage, the budget, and keys that change with what a state depends on."""

from __future__ import annotations

import os
import time

import pytest

from qa.llm.state_store import DamagedState, PassageState, StateStore, decode_state, encode_state, folder_size, state_key


def _state(n: int = 5, size: int = 1000) -> PassageState:
    return PassageState(tuple(range(100, 100 + n)), bytes(range(256)) * (size // 256) + b"x" * (size % 256))


def test_a_state_reads_back_as_written(tmp_path):
    store = StateStore(tmp_path, 1 << 20)
    store.put("k1", _state())
    assert store.get("k1", range(100, 105)) == _state()
    assert store.get("missing", range(3)) is None
    assert [p.name for p in tmp_path.iterdir()] == ["k1.kv"]  # no temporary file left behind


@pytest.mark.parametrize("damage", ["truncate", "flip", "magic", "empty", "longer"])
def test_a_damaged_state_is_dropped_with_a_warning(tmp_path, damage):
    store = StateStore(tmp_path, 1 << 20)
    store.put("k", _state())
    path = tmp_path / "k.kv"
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[:len(raw) // 2]
    elif damage == "flip":
        raw[-10] ^= 0xFF
    elif damage == "magic":
        raw[:8] = b"GGUFGGUF"
    elif damage == "empty":
        raw = bytearray()
    else:
        raw += b"\0"
    path.write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match="damaged"):
        assert store.get("k", range(100, 105)) is None
    assert not path.exists()
    store.put("k", _state())  # made again
    assert store.get("k", range(100, 105)) == _state()


def test_a_state_whose_tokens_are_not_the_passages_is_not_used(tmp_path):
    store = StateStore(tmp_path, 1 << 20)
    store.put("k", _state())
    with pytest.warns(UserWarning, match="tokens"):
        assert store.get("k", [1, 2, 3]) is None


def test_decode_rejects_what_encode_did_not_write():
    raw = encode_state(_state())
    assert decode_state(raw) == _state()
    with pytest.raises(DamagedState):
        decode_state(raw[:-1])


def test_the_least_recently_used_states_go_first_when_over_budget(tmp_path):
    one = len(encode_state(_state()))
    store = StateStore(tmp_path, 3 * one)
    for i, key in enumerate(["a", "b", "c"]):
        store.put(key, _state())
        os.utime(tmp_path / f"{key}.kv", ns=(i * 10**9, i * 10**9))
    time.sleep(0.01)
    assert store.get("a", range(100, 105)) is not None  # used now: the newest
    store.put("d", _state())
    assert sorted(p.stem for p in tmp_path.glob("*.kv")) == ["a", "c", "d"]
    assert store.size_bytes() == 3 * one
    assert folder_size(tmp_path) == (3, 3 * one)


def test_keys_change_with_the_model_the_prefix_the_passage_and_the_runtime():
    base = state_key("sha-model", [1, 2, 3], [7, 8], "llama-cpp-python 0.3.36")
    assert base == state_key("sha-model", [1, 2, 3], [7, 8], "llama-cpp-python 0.3.36")
    others = {state_key("sha-other", [1, 2, 3], [7, 8], "llama-cpp-python 0.3.36"),
              state_key("sha-model", [1, 2, 4], [7, 8], "llama-cpp-python 0.3.36"),
              state_key("sha-model", [1, 2, 3], [7, 9], "llama-cpp-python 0.3.36"),
              state_key("sha-model", [1, 2], [3, 7, 8], "llama-cpp-python 0.3.36"),  # same tokens, another split
              state_key("sha-model", [1, 2, 3], [7, 8], "llama-cpp-python 0.3.37")}
    assert base not in others and len(others) == 5
