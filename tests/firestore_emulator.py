"""The Google Cloud Firestore emulator (google-cloud-cli-firestore-emulator) for tests through
the official client.

Started once per test session on a free loopback port and never skipped: when the emulator or
Java is missing, the tests fail and say what to install. Data is cleared between tests with
the emulator's REST DELETE endpoint. `python -m tests.firestore_emulator --check` is the
up-front check CI runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.local_servers import free_port, wait_for_http

BINARY = "cloud_firestore_emulator"
DEBIAN_SDK = Path("/usr/lib/google-cloud-sdk")
STARTUP_LIMIT_S = 60
INSTALL_HINT = (
    "install the google-cloud-cli-firestore-emulator Debian package (it ships "
    "platform/cloud-firestore-emulator) and a Java runtime, or set PIPEVAL_FIRESTORE_EMULATOR "
    "to the cloud_firestore_emulator script"
)


def emulator_binary() -> Path | None:
    """The emulator launcher: $PIPEVAL_FIRESTORE_EMULATOR, PATH, next to gcloud, or Debian's."""
    configured = os.environ.get("PIPEVAL_FIRESTORE_EMULATOR")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    on_path = shutil.which(BINARY)
    candidates = [Path(on_path)] if on_path else []
    gcloud = shutil.which("gcloud")
    if gcloud:
        sdk = Path(gcloud).resolve().parents[1]
        candidates.append(sdk / "platform" / "cloud-firestore-emulator" / BINARY)
    candidates.append(DEBIAN_SDK / "platform" / "cloud-firestore-emulator" / BINARY)
    return next((path for path in candidates if path.is_file()), None)


def missing_requirement() -> str | None:
    """Why the emulator cannot start here, or None."""
    if emulator_binary() is None:
        return f"the Firestore emulator ({BINARY}) is not installed: {INSTALL_HINT}"
    if not (os.environ.get("JAVA") or shutil.which("java")):
        return f"the Firestore emulator needs Java, and `java` is not on PATH: {INSTALL_HINT}"
    return None


@dataclass
class FirestoreEmulator:
    host: str  # HOST:PORT, the value of FIRESTORE_EMULATOR_HOST
    process: subprocess.Popen[bytes]
    log: Path

    def clear(self, project: str, database: str = "(default)") -> None:
        """Delete every document of one database (the emulator's own REST endpoint)."""
        url = f"http://{self.host}/emulator/v1/projects/{project}/databases/{database}/documents"
        request = urllib.request.Request(url, method="DELETE")
        with urllib.request.urlopen(request, timeout=10) as answer:
            if answer.status != 200:
                raise RuntimeError(f"clearing the Firestore emulator answered {answer.status}")


def start_emulator(workdir: Path) -> FirestoreEmulator:
    problem = missing_requirement()
    if problem:
        raise RuntimeError(problem)
    binary = emulator_binary()
    port = free_port()
    host = f"127.0.0.1:{port}"
    log = workdir / "firestore-emulator.log"
    command = [str(binary), "start", "--host=127.0.0.1", f"--port={port}"]
    with log.open("wb") as sink:
        # Its own process group: the launcher is a shell script that starts java as a child.
        process = subprocess.Popen(
            command, cwd=workdir, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for_http(process, f"http://{host}/", log, STARTUP_LIMIT_S, "the Firestore emulator")
    except RuntimeError:
        stop(process)
        raise
    return FirestoreEmulator(host, process, log)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the launcher and its java child: the process group this module started."""
    _signal_group(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    # java may outlive the launcher by a moment; whatever is left of the group gets SIGKILL.
    deadline = time.monotonic() + 10
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    _signal_group(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=15)


def _signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def main(argv: list[str]) -> int:
    if argv != ["--check"]:
        sys.stderr.write("usage: python -m tests.firestore_emulator --check\n")
        return 2
    problem = missing_requirement()
    if problem:
        sys.stderr.write(f"CI: {problem}\n")
        return 1
    print(f"Firestore emulator: {emulator_binary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
