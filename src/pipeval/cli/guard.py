"""`pipeval guard`: the Claude Code PostToolUse hook (payload on stdin) or `--files F...`.

Exit 0 when the edit is clean, is not pipeline code or could not be checked (one line on
stderr says why); exit 2 with at most 15 lines `path:line check — fix` on stderr otherwise.
It never exits 1 and never prints a traceback: a hook must not break the agent's session.
`PIPEVAL_GUARD=off` switches it off.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeval.guard.payload import MAX_PAYLOAD, Unchecked
from pipeval.guard.run import Outcome, run_files, run_hook, switched_off


@click.command()
@click.option(
    "--files",
    "from_files",
    is_flag=True,
    help="Check the FILES given (pre-commit, CI) instead of a hook payload on stdin.",
)
@click.option(
    "--profile",
    envvar="PIPEVAL_PROFILE",
    help="Shipped profile name or YAML path (default: the project's pipeval.yaml, else nba-props).",
)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def guard(from_files: bool, profile: str | None, files: tuple[Path, ...]) -> int:
    """Lint and schema-check the file an agent just edited (Claude Code PostToolUse hook)."""
    if files and not from_files:
        raise click.UsageError(
            "FILES need --files (without it the hook payload is read from stdin)"
        )
    if switched_off():
        return 0
    try:
        outcome = run_files(files, profile) if from_files else run_hook(_stdin(), profile)
    except Unchecked as why:
        outcome = Outcome(notes=[str(why)])
    except Exception as err:  # a bug here must not break the session: say so, exit 0
        outcome = Outcome(notes=[f"internal error: {type(err).__name__}: {err}"])
    _emit(outcome)
    return outcome.exit_code


def _stdin() -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # no stdin at all (closed): nothing to read
        return b""
    if sys.stdin.isatty():  # typed at a terminal: do not wait for a payload that never comes
        raise Unchecked("no hook payload on stdin (Claude Code sends one; or pass --files F...)")
    return stream.read(MAX_PAYLOAD + 1)


def _emit(outcome: Outcome) -> None:
    from pipeval.redact import redact_text

    for line in outcome.lines():
        sys.stderr.write(redact_text(" ".join(line.split())) + "\n")
    sys.stderr.flush()
