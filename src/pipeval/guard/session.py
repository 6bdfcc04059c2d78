"""Warnings a Claude Code session has already been told about, so that repeats do not nag.

One small JSON file per session (the hook payload's `session_id`, hashed into the name) under
the cache directory: `$PIPEVAL_CACHE_DIR/guard/`, else `$XDG_CACHE_HOME/pipeval/guard/`, else
`~/.cache/pipeval/guard/`. A warning is keyed by file, rule and the flagged code's text, not by
line, so it stays "seen" while edits above it move it down the file. Files of sessions idle
for a week are removed when a session is saved. State that cannot be read or written is not
a reason to fail: the warning is then reported again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

MAX_AGE_S = 7 * 24 * 3600
MAX_KEYS = 5000  # a session that saw more warnings keeps the newest ones


def cache_root() -> Path:
    explicit = os.environ.get("PIPEVAL_CACHE_DIR")
    if explicit:
        return Path(explicit) / "guard"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "pipeval" / "guard"


def warning_key(path: str, rule: str, code: str) -> str:
    return hashlib.sha256("\0".join((path, rule, " ".join(code.split()))).encode()).hexdigest()


class SessionState:
    def __init__(self, session_id: str, root: Path | None = None) -> None:
        self.root = root or cache_root()
        name = hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()[:32]
        self.file = self.root / f"session-{name}.json"
        self.seen: list[str] = self._load()
        self._known = set(self.seen)
        self.added = False

    def _load(self) -> list[str]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        keys = data.get("seen") if isinstance(data, dict) else None
        return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []

    def new(self, key: str) -> bool:
        """Has this session not been told about `key` yet?"""
        return key not in self._known

    def remember(self, key: str) -> None:
        if key not in self._known:
            self._known.add(key)
            self.seen.append(key)
            self.added = True

    def save(self) -> None:
        if not self.added:
            return
        with contextlib.suppress(OSError):
            self.root.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".session-", suffix=".tmp", dir=self.root)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump({"seen": self.seen[-MAX_KEYS:]}, stream)
                os.replace(temp, self.file)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp)
            self._prune()

    def _prune(self) -> None:
        cutoff = time.time() - MAX_AGE_S
        for old in self.root.glob("session-*.json"):
            with contextlib.suppress(OSError):
                if old.stat().st_mtime < cutoff:
                    old.unlink()
