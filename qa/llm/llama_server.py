"""llama.cpp's own OpenAI-compatible server (``python -m llama_cpp.server``) started on loopback for a GGUF
file: ``qa bench`` measures the ``openai:`` backend against in-process generation with it."""

from __future__ import annotations

import time

from qa.llm.base import GeneratorError


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_llama_server(model_file: str, threads: int = 2, n_ctx: int = 4096, port: int | None = None,
                       wait: float = 120.0):
    """``python -m llama_cpp.server`` on 127.0.0.1 with a GGUF file; returns (process, base URL) once it answers.
    The caller stops it (``process.terminate()``)."""
    import subprocess
    import sys
    import tempfile

    import httpx

    port = port or _free_port()
    log = tempfile.TemporaryFile("w+")  # not a pipe: uvicorn logs every request, and a full pipe would stall it
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model_file), "--host", "127.0.0.1",
         "--port", str(port), "--n_threads", str(threads), "--n_threads_batch", str(threads),
         "--n_ctx", str(n_ctx), "--verbose", "False"],
        stdout=subprocess.DEVNULL, stderr=log, text=True)
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise GeneratorError(f"llama_cpp.server exited with {process.returncode}: {log.read()[-500:]}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                return process, base_url
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise GeneratorError(f"llama_cpp.server did not answer on {base_url} within {wait:.0f} s")
