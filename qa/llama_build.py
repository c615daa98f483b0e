"""Build llama-cpp-python for this machine (an install step, never run-time; standard library only).

    python -m qa.llama_build [--force]      (make install runs it before pip install -e .)

llama.cpp is compiled for the CPU it is built on (-march=native). Where that CPU has AMX and the kernel lets a
process use it (a probe program is compiled and run here), llama.cpp's AMX kernels are built too, with one fix
to the vendored source (below): prompt processing of Q8_0 weights on 2 cores then runs ~2x (1.5B) to ~3x (0.5B)
faster than without them (README, "Speed"). Elsewhere the AMX kernels are left out (-mno-amx-*): as shipped
they stop the process with "Illegal instruction" at the first prompt.

The fix, to ``ggml_tile_config_init`` (ggml-cpu/amx/mmq.cpp), two faults that each stop the process with
"Illegal instruction":
- it fills a tile configuration on the stack and hands its address to ``_tile_loadconfig``; gcc 12 does not
  see the intrinsic read the stores and drops them, so the tiles are loaded unconfigured and the first
  ``tilezero`` faults. The configuration is made read-only data;
- it loads the configuration once per thread, but torch's oneDNN runs its own AMX kernels on the same OpenMP
  threads and releases the tiles after them (an embedder run through sentence-transformers, then a question).
  The configuration is loaded on every call (one instruction per matrix product and thread).

Running it again when the installed build already is what this machine gets does nothing (a stamp file in the
installed package says what was built here; ``--force`` rebuilds). A wheel is built first and only then put in
place of the installed package, so a failed build (no network, a compile error) leaves it as it was; a failed
AMX build is followed by one without. Nothing is patched in place: the source is fetched with ``pip download``
into a temporary folder.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "llama-cpp-python"
STAMP = ".kutip-build"  # written into the installed llama_cpp package: see build_stamp
PROJECT_ROOT = Path(__file__).resolve().parent.parent
AMX_OFF = ("-mno-amx-tile", "-mno-amx-int8", "-mno-amx-bf16")
AMX_SOURCE = "vendor/llama.cpp/ggml/src/ggml-cpu/amx/mmq.cpp"

TILE_CONFIG_AS_SHIPPED = """\
inline void ggml_tile_config_init(void) {
    static thread_local bool done = false;

    if (done) {
        return;
    }

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
    done = true;
}
"""
# the same configuration as bytes: palette 1; colsb[0..7] as 16-bit little-endian at 16; rows[0..7] at 48
TILE_CONFIG_FIXED = """\
inline void ggml_tile_config_init(void) {
    // read-only data: gcc dropped the stores to a stack copy, not seeing _tile_loadconfig read them.
    // Loaded on every call: another library on the same OpenMP threads (oneDNN, inside torch) may have
    // released or reconfigured the tiles since this thread last loaded them.
    alignas(64) static const uint8_t tc[64] = {
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        64, 0, 64, 0, 32, 0, 32, 0, 64, 0, 64, 0, 64, 0, 64, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        8, 8, 16, 16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 0, 0};

    _tile_loadconfig(tc);
}
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
    if text.count(TILE_CONFIG_AS_SHIPPED) != 1:
        raise ValueError(f"{path}: the tile configuration is not the one this fix knows")
    path.write_text(text.replace(TILE_CONFIG_AS_SHIPPED, TILE_CONFIG_FIXED), encoding="utf-8")


def build_stamp(version: str, amx: bool) -> str:
    """What a build made here is: the version, whether it has the AMX kernels, and the fix they were built with."""
    fix = hashlib.sha256(TILE_CONFIG_FIXED.encode()).hexdigest()[:12] if amx else "none"
    return f"{version} amx={amx} fix={fix}"


def installed_build(python: str = sys.executable) -> str | None:
    """The stamp of the llama-cpp-python build installed here (None when it is missing or was not made here:
    a plain pip install of an AMX machine's build is not fixed and stops at the first prompt)."""
    probe = ("import pathlib, llama_cpp; p = pathlib.Path(llama_cpp.__file__).with_name(%r); "
             "print(p.read_text().strip() if p.is_file() else '')" % STAMP)
    done = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    return (done.stdout.strip() or None) if done.returncode == 0 else None


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
    """Build a wheel, then put it in place of the installed llama-cpp-python: a build that fails leaves the
    installed one as it was."""
    env = _build_env(amx)
    with tempfile.TemporaryDirectory() as folder:
        target = f"{PACKAGE}=={version}"
        if amx:
            _pip("download", "--no-deps", "--no-binary", PACKAGE, "--dest", folder, target, env=env)
            archives = list(Path(folder).glob("*.tar.gz"))
            if len(archives) != 1:
                found = [p.name for p in Path(folder).iterdir()]
                raise BuildError(f"pip download gave {found}, not one source archive")
            with tarfile.open(archives[0]) as archive:
                if hasattr(tarfile, "data_filter"):
                    archive.extractall(folder, filter="data")
                else:  # Python before 3.10.12 / 3.11.4
                    archive.extractall(folder)
            source_dir = next(p for p in Path(folder).iterdir() if p.is_dir())
            fix_tile_config(source_dir)
            target = str(source_dir)
        wheels = Path(folder) / "wheels"
        _pip("wheel", "--no-deps", "--no-cache-dir", "--no-binary", PACKAGE, "--wheel-dir", str(wheels), target,
             env=env)
        wheel = next(wheels.glob("*.whl"))
        # uninstalled first, not --force-reinstall, which would reinstall every dependency too
        _pip("uninstall", "--yes", PACKAGE, env=env)
        _pip("install", str(wheel), env=env)
    import_path = subprocess.run([sys.executable, "-c", "import llama_cpp; print(llama_cpp.__file__)"],
                                 capture_output=True, text=True, check=True).stdout.strip()
    Path(import_path).with_name(STAMP).write_text(build_stamp(version, amx) + "\n")


class BuildError(RuntimeError):
    """A build step that did not give what it should."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.llama_build", description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="build again even if the installed build fits")
    args = parser.parse_args(argv)
    version = pinned_version()
    amx = machine_runs_amx()
    installed = installed_build()
    if not args.force and installed == build_stamp(version, amx):
        print(f"llama-cpp-python {version} is installed{' with AMX kernels' if amx else ''}; nothing to do")
        return 0
    for with_amx in ([True, False] if amx else [False]):
        print(f"building llama-cpp-python {version} for this CPU, "
              f"{'with AMX kernels (this CPU runs them)' if with_amx else 'without AMX kernels'} "
              "(3-8 minutes on 2 cores)", flush=True)
        try:
            build(version, with_amx)
            return 0
        except (subprocess.CalledProcessError, OSError, ValueError, BuildError, StopIteration) as exc:
            print(f"the build failed: {exc}", flush=True)
    if subprocess.run([sys.executable, "-c", "import llama_cpp"], capture_output=True).returncode == 0:
        print(f"keeping the llama-cpp-python installed before ({installed or 'not built by this script'}); "
              "run make rebuild-llama once the build can succeed", flush=True)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
