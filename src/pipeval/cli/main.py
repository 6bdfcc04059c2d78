"""Entry point: a lazy command group, one-line errors and Soda-style exit codes.

Exit codes: 0 all OK, 1 warnings only, 2 any FAIL, 3 could not run (bad input, unreachable
backend, a check in ERROR). Nothing here prints a traceback unless PIPEVAL_DEBUG is set.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
from typing import Any

import click

from pipeval import __version__, collector
from pipeval.errors import PipevalError

EXIT_COULD_NOT_RUN = 3

# name -> (module:attribute, one-line help). Modules load only when their command runs, so
# `pipeval --help` does not pay for duckdb, sqlglot or the cloud clients.
COMMANDS: dict[str, tuple[str, str]] = {
    "daily": ("pipeval.cli.daily:daily", "Validate one game date (default: yesterday)."),
    "historical": (
        "pipeval.cli.historical:historical",
        "Validate a date range: matrix, gaps, cascade windows, remediation plan.",
    ),
    "quota": ("pipeval.cli.quota:quota", "Quota headroom per table; --backfill: does it fit?"),
    "schema": ("pipeval.cli.schema:schema", "DDL file vs live table vs fields the code writes."),
    "lint": ("pipeval.cli.lint:lint", "Scan code: one-row writes, writes in loops, SQL strings."),
    "deploy": (
        "pipeval.cli.deploy:deploy",
        "Deployment drift: services running code older than their source.",
    ),
    "doctor": ("pipeval.cli.doctor:doctor", "Profile vs warehouse: tables, columns, types, paths."),
    "guard": (
        "pipeval.cli.guard:guard",
        "Claude Code hook: lint + schema-check the file just edited (exit 2 = feedback).",
    ),
    "handoff": ("pipeval.cli.handoff:handoff", "Write the session handoff (never overwrites)."),
    "skills": ("pipeval.cli.skills:skills", "Install the Claude Code skills into a project."),
    "sample": ("pipeval.cli.sample:sample", "Build the embedded sample season."),
    "demo": (
        "pipeval.cli.sample:demo",
        "Build the sample if absent and validate its incident date.",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name][0].split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pipeval")
def cli() -> None:
    """Validate a BigQuery + Firestore data pipeline: quota, completeness, orchestration,
    coverage, schema and code write patterns.

    Exit codes: 0 OK, 1 warnings, 2 failures, 3 could not run.
    """


def _fail(message: str, code: int = EXIT_COULD_NOT_RUN) -> None:
    # Errors echo the URLs and values people typed: never a password or token in them.
    from pipeval.redact import redact_text  # imported here: `--help` needs none of it

    sys.stderr.write(f"pipeval: error: {redact_text(message)}\n")
    sys.exit(code)


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM. Not a KeyboardInterrupt, which click would turn into a blank line
    and "Aborted!"; a BaseException, so that a report being written loses its temp file."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


STOP_SIGNALS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}


# Validation suites run briefly and leave no cyclic garbage of note (peak memory measured
# unchanged without the collector): pausing the cyclic collector spares its passes over every
# object the imports created, ~4 % of a daily or historical run. lint's parsed trees break their
# own cycles (SourceFile.release); its collections outside the batches (imports, the workers'
# reports, the report) took 20-40 ms of the parent's time on a 1,600-file tree.
PAUSE_GC = frozenset({"daily", "historical", "quota", "lint"})


def main(argv: list[str] | None = None) -> None:
    # cron, CI and `timeout` stop jobs with SIGTERM, people with Ctrl-C: both unwind cleanly.
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        previous = {signum: signal.signal(signum, _interrupted) for signum in STOP_SIGNALS}
    args = sys.argv[1:] if argv is None else argv
    try:
        with collector.paused(bool(args) and args[0] in PAUSE_GC):
            _run(argv)
    except Interrupted as stop:
        _fail(STOP_SIGNALS[signal.Signals(stop.signum)], 128 + stop.signum)
    finally:
        for signum, handler in previous.items():
            if handler is not None:  # None: installed outside Python, not ours to restore
                signal.signal(signum, handler)


def _run(argv: list[str] | None) -> None:
    try:
        result: Any = cli.main(args=argv, prog_name="pipeval", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as err:
        _fail(" ".join(err.format_message().split()))
    except click.exceptions.Abort:
        _fail("aborted", 130)
    except PipevalError as err:
        _fail(" ".join(str(err).split()))
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as err:
        if os.environ.get("PIPEVAL_DEBUG"):
            raise
        detail = " ".join(str(err).split())
        _fail(f"internal error: {type(err).__name__}: {detail} (PIPEVAL_DEBUG=1 shows a traceback)")
    code = result if isinstance(result, int) else 0
    # The command completed: keep the SQL it produced for the next run. A command that never
    # imported the cache (`--help`, `--version`) has nothing to keep.
    sqlcache = sys.modules.get("pipeval.sqlcache")
    if code in (0, 1, 2) and sqlcache is not None:
        sqlcache.save()
    sys.exit(code)
