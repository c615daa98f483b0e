"""Build llama-cpp-python for this machine (an install step, never run-time; standard library only).

    python -m qa.llama_build [--force]      (make install runs it before pip install -e .)

llama.cpp is compiled for the CPU it is built on (-march=native). Where that CPU has AMX and the kernel lets a
process use it (a probe program is compiled and run here), llama.cpp's AMX kernels are built too, with one fix
to the vendored source (below): prompt processing of Q8_0 weights on 2 cores then runs ~2x (1.5B) to ~3x (0.5B)
faster than without them (README, "Speed"). Elsewhere the AMX kernels are left out (-mno-amx-*): as shipped
they stop the process with "Illegal instruction" at the first prompt.

The fix: ``ggml_tile_config_init`` (ggml-cpu/amx/mmq.cpp) fills a tile configuration on the stack and hands
its address to ``_tile_loadconfig``; gcc 12 does not see the intrinsic read the stores and drops them, so the
tiles are loaded unconfigured and the first ``tilezero`` faults. The configuration is made read-only data.

Running it again when the installed build already is what this machine gets does nothing (``--force``
rebuilds). Nothing is patched in place: the source is fetched with ``pip download`` into a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "llama-cpp-python"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
AMX_OFF = ("-mno-amx-tile", "-mno-amx-int8", "-mno-amx-bf16")
AMX_SOURCE = "vendor/llama.cpp/ggml/src/ggml-cpu/amx/mmq.cpp"

TILE_CONFIG_ON_STACK = """\
    alignas(64) tile_config_t tc = {};
    tc.palette_id = 1;
    tc.start_row = 0;
    tc.rows[0] = 8;   tc.colsb[0] = 64;
    tc.rows[1] = 8;   tc.colsb[1] = 64;
    tc.rows[2] = 16;  tc.colsb[2] = 32;
    tc.rows[3] = 16;  tc.colsb[3] = 32;
    tc.rows[4] = 16;  tc.colsb[4] = 64;
    tc.rows[5] = 16;  tc.colsb[5] = 64;
    tc.rows[6] = 16;  tc.colsb[6] = 64;
    tc.rows[7] = 16;  tc.colsb[7] = 64;

    _tile_loadconfig(&tc);
"""
# the same configuration as bytes: palette 1; colsb[0..7] as 16-bit little-endian at 16; rows[0..7] at 48
TILE_CONFIG_READ_ONLY = """\
    // read-only data: gcc dropped the stores to a stack copy, not seeing _tile_loadconfig read them
    alignas(64) static const uint8_t tc[64] = {
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        64, 0, 64, 0, 32, 0, 32, 0, 64, 0, 64, 0, 64, 0, 64, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        8, 8, 16, 16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 0, 0};

    _tile_loadconfig(tc);
"""

# loads a tile configuration and zeroes a tile: what llama.cpp's AMX kernels do first
AMX_PROBE = r"""
#include <immintrin.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
    if (syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XTILEDATA */)) return 2;
    static unsigned char config[64];
    memset(config, 0, sizeof config);
    config[0] = 1;
    for (int i = 0; i < 8; i++) { config[16 + 2 * i] = 64; config[48 + i] = 16; }
    _tile_loadconfig(config);
    _tile_zero(4);
    int out[256];
    _tile_stored(4, out, 64);
    _tile_release();
    return out[0];
}
"""


def pinned_version(pyproject: Path = PROJECT_ROOT / "pyproject.toml") -> str:
    """The version pyproject.toml pins llama-cpp-python to."""
    match = re.search(r'"llama-cpp-python(?:\[[^\]]*\])?==([^"]+)"', pyproject.read_text(encoding="utf-8"))
    if not match:
        raise SystemExit(f"{pyproject} pins no llama-cpp-python version")
    return match.group(1)


def machine_runs_amx(compiler: str = "cc") -> bool:
    """Whether a program using AMX tiles, compiled here, runs here (CPU, kernel and compiler together)."""
    with tempfile.TemporaryDirectory() as folder:
        source, program = Path(folder) / "probe.c", Path(folder) / "probe"
        source.write_text(AMX_PROBE)
        try:
            built = subprocess.run([compiler, "-O2", "-mamx-tile", "-mamx-int8", str(source), "-o", str(program)],
                                   capture_output=True)
            return built.returncode == 0 and subprocess.run([str(program)], capture_output=True).returncode == 0
        except OSError:
            return False


def compiler_knows(flags: tuple[str, ...], compiler: str = "cc") -> bool:
    try:
        return subprocess.run([compiler, *flags, "-E", "-x", "c", os.devnull], capture_output=True).returncode == 0
    except OSError:
        return False


def fix_tile_config(source_dir: Path) -> None:
    """Apply the fix above to an unpacked llama-cpp-python source; refuse a source that differs."""
    path = source_dir / AMX_SOURCE
    text = path.read_text(encoding="utf-8")
    if text.count(TILE_CONFIG_ON_STACK) != 1:
        raise ValueError(f"{path}: the tile configuration is not the one this fix knows")
    path.write_text(text.replace(TILE_CONFIG_ON_STACK, TILE_CONFIG_READ_ONLY), encoding="utf-8")


def installed_build(python: str = sys.executable) -> tuple[str, bool] | None:
    """(version, whether it has the AMX kernels) of the llama-cpp-python installed, or None."""
    probe = ("import importlib.metadata as m, llama_cpp; "
             "print(m.version('llama-cpp-python'), 'AMX_INT8 = 1' in llama_cpp.llama_print_system_info().decode())")
    done = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    version, amx = done.stdout.split()
    return version, amx == "True"


def _pip(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True, env=env)


def _build_env(amx: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CMAKE_ARGS", "-DLLAVA_BUILD=OFF")  # the multimodal part is not needed
    if not amx and compiler_knows(AMX_OFF):  # an explicit -mno-* outlasts -march=native
        for name in ("CFLAGS", "CXXFLAGS"):
            env[name] = " ".join(filter(None, [env.get(name, ""), *AMX_OFF]))
    return env


def build(version: str, amx: bool) -> None:
    env = _build_env(amx)
    with tempfile.TemporaryDirectory() as folder:
        target = f"{PACKAGE}=={version}"
        if amx:
            _pip("download", "--no-deps", "--no-binary", ":all:", "--dest", folder, target, env=env)
            with tarfile.open(next(Path(folder).glob("*.tar.gz"))) as archive:
                archive.extractall(folder, filter="data")
            source_dir = next(p for p in Path(folder).iterdir() if p.is_dir())
            fix_tile_config(source_dir)
            target = str(source_dir)
        # uninstalled first, not --force-reinstall, which would reinstall every dependency too
        _pip("uninstall", "--yes", PACKAGE, env=env)
        _pip("install", "--no-cache-dir", target, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.llama_build", description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="build again even if the installed build fits")
    args = parser.parse_args(argv)
    version = pinned_version()
    amx = machine_runs_amx()
    if not args.force and installed_build() == (version, amx):
        print(f"llama-cpp-python {version} is installed{' with AMX kernels' if amx else ''}; nothing to do")
        return 0
    print(f"building llama-cpp-python {version} for this CPU, "
          f"{'with AMX kernels (this CPU runs them)' if amx else 'without AMX kernels'} (3-8 minutes on 2 cores)",
          flush=True)
    try:
        build(version, amx)
    except ValueError as exc:  # a source the fix does not know: the build without AMX still works
        print(f"{exc}; building without AMX kernels", flush=True)
        build(version, amx=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
