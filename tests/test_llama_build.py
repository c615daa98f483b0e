import re

import pytest

from qa import llama_build


def _config_from_stack_text(text: str) -> bytes:
    config = bytearray(64)
    config[0] = int(re.search(r"palette_id = (\d+)", text).group(1))
    for tile, rows in re.findall(r"rows\[(\d)\] = (\d+)", text):
        config[48 + int(tile)] = int(rows)
    for tile, columns in re.findall(r"colsb\[(\d)\] = (\d+)", text):
        config[16 + 2 * int(tile):18 + 2 * int(tile)] = int(columns).to_bytes(2, "little")
    return bytes(config)


def test_read_only_tile_config_is_the_configuration_it_replaces():
    array = llama_build.TILE_CONFIG_FIXED.split("tc[64] = {", 1)[1].split("}", 1)[0]
    values = bytes(int(v) for v in re.findall(r"\d+", array))
    assert len(values) == 64 and values == _config_from_stack_text(llama_build.TILE_CONFIG_AS_SHIPPED)
    assert "thread_local" not in llama_build.TILE_CONFIG_FIXED  # loaded on every call, not once per thread


def test_fix_applies_once_and_refuses_a_source_it_does_not_know(tmp_path):
    source = tmp_path / llama_build.AMX_SOURCE
    source.parent.mkdir(parents=True)
    source.write_text("// before\n" + llama_build.TILE_CONFIG_AS_SHIPPED + "// after\n")
    llama_build.fix_tile_config(tmp_path)
    fixed = source.read_text()
    assert fixed == "// before\n" + llama_build.TILE_CONFIG_FIXED + "// after\n"
    with pytest.raises(ValueError, match="not the one this fix knows"):
        llama_build.fix_tile_config(tmp_path)  # already fixed, or another llama.cpp


def test_a_question_after_torch_used_the_tiles_on_the_same_threads():
    # torch's oneDNN runs bf16 products on AMX and releases the tiles on the OpenMP threads llama.cpp shares:
    # llama.cpp as shipped then faulted ("Illegal instruction") at its next product. In a child process, so that
    # a fault fails this test and not the run.
    import subprocess
    import sys

    script = """
import torch
from qa.llm import load_generator
from qa.settings import Settings
llm = load_generator("qwen2.5-coder-0.5b", Settings().cache_dir)._llm
first = llm.create_completion("The capital of France is", max_tokens=4, temperature=0.0)["choices"][0]["text"]
torch.set_num_threads(2)
matrix = torch.randn(256, 256, dtype=torch.bfloat16)
(matrix @ matrix).float().sum().item()
second = llm.create_completion("The capital of Italy is", max_tokens=4, temperature=0.0)["choices"][0]["text"]
print(first, "|", second)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Paris" in done.stdout and "Rome" in done.stdout


def test_pinned_version_is_the_one_installed():
    import importlib.metadata

    assert llama_build.pinned_version() == importlib.metadata.version("llama-cpp-python")


def test_installed_build_has_amx_kernels_exactly_where_this_machine_runs_them():
    # make install builds llama.cpp with qa.llama_build: with AMX (and the fix) where the probe runs, without it
    # elsewhere (as shipped, the AMX kernels stop the first prompt with "Illegal instruction")
    import llama_cpp

    amx = llama_build.machine_runs_amx()
    assert llama_build.installed_build() == llama_build.build_stamp(llama_build.pinned_version(), amx)
    assert ("AMX_INT8 = 1" in llama_cpp.llama_print_system_info().decode()) == amx


def test_no_compiler_means_no_amx_and_the_flags_that_keep_it_out():
    assert llama_build.machine_runs_amx("no-such-compiler") is False
    assert llama_build.build_stamp("1", True) != llama_build.build_stamp("1", False)
    if llama_build.compiler_knows(llama_build.AMX_OFF):
        assert all(f in llama_build._build_env(False)["CXXFLAGS"].split() for f in llama_build.AMX_OFF)
    assert "-mno-amx-int8" not in llama_build._build_env(True).get("CXXFLAGS", "")


def test_a_failed_build_keeps_what_is_installed(monkeypatch):
    tried = []

    def failing_build(version, amx):
        tried.append(amx)
        raise llama_build.BuildError("no network")

    monkeypatch.setattr(llama_build, "build", failing_build)
    monkeypatch.setattr(llama_build, "machine_runs_amx", lambda: True)
    monkeypatch.setattr(llama_build, "installed_build", lambda: None)
    assert llama_build.main([]) == 0  # llama_cpp still imports: kept, with a message
    assert tried == [True, False]  # the AMX build, then the one without


def test_a_build_that_fits_is_not_made_again(monkeypatch, capsys):
    monkeypatch.setattr(llama_build, "machine_runs_amx", lambda: False)
    stamp = llama_build.build_stamp(llama_build.pinned_version(), False)
    monkeypatch.setattr(llama_build, "installed_build", lambda: stamp)
    monkeypatch.setattr(llama_build, "build", lambda version, amx: pytest.fail("built again"))
    assert llama_build.main([]) == 0 and "nothing to do" in capsys.readouterr().out
