"""Options every command shares, and turning them into a validation context."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from pipeval.clock import parse_as_of
from pipeval.errors import InputError
from pipeval.invocation import Invocation
from pipeval.profile import Profile, load_profile
from pipeval.query import Context
from pipeval.report import json_text
from pipeval.report.output import check_writable, emit
from pipeval.results import SuiteResult


@dataclass
class Options:
    profile: str
    warehouse: str | None
    state: str | None
    as_of: str | None
    format: str
    output: Path | None
    credentials: str | None = None
    deploy: str | None = None
    # Files and directories the run reads: an output must never replace one of them.
    inputs: list[Path] = field(default_factory=list)


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--profile --warehouse --state --deploy --as-of --format --output --credentials, into
    `opts`."""

    @click.option(
        "--profile",
        default="nba-props",
        envvar="PIPEVAL_PROFILE",
        show_default=True,
        help="Shipped profile name or path to a profile YAML file.",
    )
    @click.option(
        "--warehouse",
        envvar="PIPEVAL_WAREHOUSE",
        help="duckdb:///PATH or bigquery://PROJECT?location=REGION.",
    )
    @click.option(
        "--state", envvar="PIPEVAL_STATE", help="dir:///PATH or firestore://PROJECT[/DATABASE]."
    )
    @click.option(
        "--deploy",
        envvar="PIPEVAL_DEPLOY",
        help="Deployed services: run://PROJECT (Cloud Run API) or dir:///PATH.",
    )
    @click.option("--as-of", "as_of", help="ISO-8601 instant used as 'now' (default: the clock).")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["markdown", "json"]),
        default="markdown",
        show_default=True,
    )
    @click.option(
        "--output",
        type=click.Path(path_type=Path),
        help="Write the report to FILE (atomically) instead of stdout.",
    )
    @click.option(
        "--credentials",
        envvar="PIPEVAL_CREDENTIALS",
        metavar="FILE",
        help="Google credentials JSON for bigquery:// and firestore:// (default: ADC).",
    )
    @functools.wraps(command)
    def wrapper(
        profile: str,
        warehouse: str | None,
        state: str | None,
        deploy: str | None,
        as_of: str | None,
        fmt: str,
        output: Path | None,
        credentials: str | None,
        **kwargs: Any,
    ) -> Any:
        opts = Options(profile, warehouse, state, as_of, fmt, output, credentials, deploy)
        opts.inputs = run_inputs(opts, kwargs)
        if output is not None:
            check_writable(output, protect=opts.inputs)
        return command(opts, **kwargs)

    return wrapper


def _url_path(url: str | None, scheme: str) -> list[Path]:
    prefix = f"{scheme}://"
    if url and url.startswith(prefix) and len(url) > len(prefix):
        return [Path(url[len(prefix) :])]
    return []


def run_inputs(opts: Options, kwargs: dict[str, Any]) -> list[Path]:
    """What this command reads from disk, as given: URLs' paths, the profile file, and the
    command's own files (--ddl, --writer, --notes, lint paths)."""
    # A warehouse is a file (a folder given as one is refused when it opens).
    warehouse = [path for path in _url_path(opts.warehouse, "duckdb") if not path.is_dir()]
    inputs = warehouse + _url_path(opts.state, "dir")
    profile = Path(opts.profile)
    if opts.profile.endswith((".yaml", ".yml")) or profile.exists():
        inputs.append(profile)
    if opts.credentials:
        inputs.append(Path(opts.credentials))
    inputs += [Path(path) for path in kwargs.get("ddl") or ()]
    inputs += [Path(spec.partition("::")[0]) for spec in kwargs.get("writers") or ()]
    # Lint folders are not protected as a whole: a report inside the scanned tree is normal.
    inputs += [Path(path) for path in kwargs.get("paths") or () if not Path(path).is_dir()]
    if kwargs.get("notes") is not None:
        inputs.append(Path(kwargs["notes"]))
    return inputs


def profile_files(profile: Profile) -> list[Path]:
    """DDL, migration and writer files a profile names (paths relative to the profile)."""
    found: list[Path] = []
    for table in profile.schema_tables:
        names = ([table.ddl] if table.ddl else []) + list(table.migrations)
        names += [spec.partition("::")[0] for spec in table.writers]
        found += [profile.base_dir / name for name in names]
    return found


def profile_and_time(opts: Options) -> tuple[Profile, datetime]:
    profile = load_profile(opts.profile)
    opts.inputs += profile_files(profile)
    if opts.output is not None:
        check_writable(opts.output, protect=opts.inputs)
    return profile, parse_as_of(opts.as_of)


def open_context(
    opts: Options,
    profile: Profile,
    as_of: datetime,
    start: date,
    end: date,
    need_warehouse: bool = True,
) -> Context:
    if need_warehouse and not opts.warehouse:
        raise InputError(
            "no warehouse: pass --warehouse duckdb:///PATH or bigquery://PROJECT "
            "(or set PIPEVAL_WAREHOUSE)"
        )
    # Imported here: `pipeval lint` opens no warehouse, state or deployments.
    from pipeval.adapters import open_deployments, open_state, open_warehouse

    options = warehouse_options(opts, profile)
    warehouse = open_warehouse(opts.warehouse, **options) if opts.warehouse else None
    state = (
        open_state(
            opts.state,
            credentials_file=opts.credentials,
            timeout_s=profile.warehouse.query_timeout_s,
        )
        if opts.state
        else None
    )
    deployments = (
        open_deployments(
            opts.deploy,
            credentials_file=opts.credentials,
            timeout_s=profile.warehouse.query_timeout_s,
        )
        if opts.deploy is not None
        else None
    )
    return Context(
        profile=profile,
        as_of=as_of,
        start=start,
        end=end,
        warehouse=warehouse,
        state=state,
        deployments=deployments,
        invocation=invocation(opts, as_of),
    )


def invocation(opts: Options, as_of: datetime) -> Invocation:
    """What printed commands repeat: the options given (an implicit as-of is not repeated)."""
    return Invocation(
        profile=opts.profile,
        warehouse=opts.warehouse,
        state=opts.state,
        deploy=opts.deploy,
        as_of=as_of if opts.as_of is not None else None,
    )


def repo_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--repo PATH: the pipeline's git clone that deploy.drift compares deployments with."""
    return click.option(
        "--repo",
        type=click.Path(path_type=Path),
        help="The pipeline's git clone, for deploy.drift (default: the current directory).",
    )(command)


def warehouse_options(opts: Options, profile: Profile) -> dict[str, Any]:
    """The profile's guards and the credentials, for a BigQuery warehouse (DuckDB ignores them)."""
    settings = profile.warehouse
    return {
        "maximum_bytes_billed": settings.maximum_bytes_billed,
        "query_timeout_s": settings.query_timeout_s,
        "region": settings.region,
        "credentials_file": opts.credentials,
    }


def render_result(result: SuiteResult, fmt: str, template: str) -> str:
    document = result.to_dict()
    if fmt == "json":
        return json_text.dumps(document) + "\n"  # json.dumps(indent=2)'s text, faster
    from pipeval.report.render import render  # Jinja2: only for Markdown

    return render(template, document)


def finish(result: SuiteResult, opts: Options, template: str) -> int:
    emit(
        render_result(result, opts.format, template),
        opts.output,
        protect=opts.inputs,
        markdown=opts.format == "markdown",
    )
    return result.exit_code


def use_repo(ctx: Context, repo: Path | None) -> None:
    """With deployments and services to judge, resolve the clone now: a bad --repo is one line
    before any check runs."""
    if ctx.deployments is None or not ctx.profile.services:
        return
    from pipeval.metrics.commits import top_level

    ctx.repo = top_level(repo)
    ctx.invocation = replace(ctx.invocation, repo=str(ctx.repo))
