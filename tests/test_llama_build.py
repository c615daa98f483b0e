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
    array = llama_build.TILE_CONFIG_READ_ONLY.split("{", 1)[1].split("}", 1)[0]
    values = bytes(int(v) for v in re.findall(r"\d+", array))
    assert len(values) == 64 and values == _config_from_stack_text(llama_build.TILE_CONFIG_ON_STACK)


def test_fix_applies_once_and_refuses_a_source_it_does_not_know(tmp_path):
    source = tmp_path / llama_build.AMX_SOURCE
    source.parent.mkdir(parents=True)
    before = "inline void ggml_tile_config_init(void) {\n" + llama_build.TILE_CONFIG_ON_STACK + "    done = true;\n}\n"
    source.write_text(before)
    llama_build.fix_tile_config(tmp_path)
    fixed = source.read_text()
    assert llama_build.TILE_CONFIG_READ_ONLY in fixed and "tc.rows[0]" not in fixed
    assert fixed.endswith("done = true;\n}\n")
    with pytest.raises(ValueError, match="not the one this fix knows"):
        llama_build.fix_tile_config(tmp_path)  # already fixed, or another llama.cpp


def test_pinned_version_is_the_one_installed():
    import importlib.metadata

    assert llama_build.pinned_version() == importlib.metadata.version("llama-cpp-python")


def test_installed_build_has_amx_kernels_exactly_where_this_machine_runs_them():
    # make install builds llama.cpp with qa.llama_build: with AMX where the probe runs, without it elsewhere
    # (as shipped, the AMX kernels stop the first prompt with "Illegal instruction")
    assert llama_build.installed_build() == (llama_build.pinned_version(), llama_build.machine_runs_amx())
