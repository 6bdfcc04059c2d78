"""Local servers started by tests: a free loopback port, waiting until an emulator answers, and
the loopback JSON server the recorded-API servers (BigQuery, Cloud Run) are built on.

Standard library only, so `.ci/run` can use it before any install.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self


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


class JsonLoopbackServer:
    """An HTTP/1.1 server on 127.0.0.1 that answers `methods` with the JSON `respond` returns.

    Subclasses hold the API's state (guarded by `_lock`) and implement `respond`; the real Google
    client talks real HTTP to `endpoint`. Use it as a context manager to serve.
    """

    methods: tuple[str, ...] = ("GET",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def respond(self, request: BaseHTTPRequestHandler) -> tuple[int, Any]:
        """(HTTP status, JSON body) for one request; the body has not been read yet."""
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self) -> None:
                status, body = server.respond(self)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        for method in self.methods:
            setattr(Handler, f"do_{method}", Handler._reply)
        return Handler

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
