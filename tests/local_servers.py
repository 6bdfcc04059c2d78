"""Local servers started by tests (emulators): a free loopback port, and waiting until one answers.

Standard library only, so `.ci/run` can use it before any install.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_http(
    process: subprocess.Popen[bytes], url: str, log: Path, limit_s: float, name: str
) -> None:
    """Return once `url` answers 200; raise (with the log's tail) if the server dies or stalls."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text("utf-8", "replace")[-2000:]
            raise RuntimeError(f"{name} exited with {process.returncode}; log tail:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{name} did not answer {url} in {limit_s:g} s")
