"""The context a run was given, so that every `pipeval …` command it prints runs as printed.

A command in a report, a remediation step, a plan or a handoff is copied into a shell: it must
carry the same --profile, --warehouse, --state, --deploy and --as-of, shell-quoted, or it exits
3 ("no warehouse") or judges another instant.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime

from pipeval.redact import redact_url

DEFAULT_PROFILE = "nba-props"
# Commands with a --repo option (deploy.drift compares the deployments with that clone).
REPO_COMMANDS = frozenset({"daily", "deploy"})


@dataclass(frozen=True)
class Invocation:
    """Options of the run that a printed command must repeat (None: not given)."""

    profile: str | None = None
    warehouse: str | None = None
    state: str | None = None
    deploy: str | None = None
    as_of: datetime | None = None
    # The pipeline clone deploy.drift reads (--repo), for the commands that take it.
    repo: str | None = None

    def flags(self, command: str = "") -> list[str]:
        words: list[str] = []
        if self.profile and self.profile != DEFAULT_PROFILE:
            words += ["--profile", self.profile]
        # Commands are committed in handoffs and pasted in chats: URLs lose any credentials.
        for flag, url in (
            ("--warehouse", self.warehouse),
            ("--state", self.state),
            ("--deploy", self.deploy),
        ):
            if url:
                words += [flag, redact_url(url)]
        if self.repo and self.deploy and command in REPO_COMMANDS:
            words += ["--repo", self.repo]
        if self.as_of is not None:
            words += ["--as-of", self.as_of.isoformat().replace("+00:00", "Z")]
        return words

    def command(self, *args: object) -> str:
        """`pipeval ARGS` plus the run's context, each word shell-quoted."""
        words = [str(arg) for arg in args]
        return shlex.join(["pipeval", *words, *self.flags(words[0] if words else "")])
