"""`pipeval schema`: DDL file vs live table vs fields the code writes, per table.

Runs every table of the profile's `schema:` section, or one ad hoc table from `--ddl` and
`--writer`. Without `--warehouse` it compares the DDL with the code only (pre-commit, CI).
"""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import ValidationError

from pipeval.checks.schema import SchemaAlignment
from pipeval.cli.options import Options, common_options, finish, open_context, profile_and_time
from pipeval.clock import default_date
from pipeval.errors import ConfigError, InputError
from pipeval.files import regular_file_problem
from pipeval.identifiers import TableName
from pipeval.profile import Profile
from pipeval.profile.model import SchemaTable
from pipeval.profile.validation import validate
from pipeval.schema.ddl import table_from_ddl
from pipeval.schema.writers import split_spec
from pipeval.suites.runner import run_suite


def configured(profile: Profile, table: str | None) -> list[SchemaAlignment]:
    if table is not None:
        _table_name(table)
    specs = [spec for spec in profile.schema_tables if table in (None, spec.table)]
    if specs:
        return [SchemaAlignment(spec) for spec in specs]
    known = ", ".join(spec.table for spec in profile.schema_tables)
    if table is None:
        raise InputError(
            f"profile {profile.source} configures no schema tables: add a `schema:` section "
            "or pass --ddl FILE / --writer PATH::FUNCTION"
        )
    raise InputError(
        f"--table {table}: not in the schema section of profile {profile.source} "
        f"(configured: {known or 'none'}); pass --ddl/--writer to check it ad hoc"
    )


def _table_name(table: str) -> TableName:
    try:
        return TableName.parse(table)
    except ConfigError as err:
        raise InputError(f"--table: {err}") from None


def _check_writer(spec: str) -> None:
    """A --writer typed on the command line must name a readable file: say so in one line."""
    try:
        path_text, _ = split_spec(spec)
    except ConfigError as err:
        raise InputError(f"--writer: {err}") from None
    path = Path(path_text)
    if path.is_dir():
        raise InputError(f"--writer {spec}: {path_text} is a directory, expected a Python file")
    problem = regular_file_problem(path)
    if problem is not None:
        raise InputError(f"--writer {spec}: {path_text}: {problem}")


def ad_hoc(table: str | None, ddl: tuple[Path, ...], writers: tuple[str, ...]) -> SchemaAlignment:
    for spec in writers:
        _check_writer(spec)
    if table is None:
        if not ddl:
            raise InputError("--writer needs --table dataset.table (or a --ddl file to read it)")
        table = table_from_ddl(list(ddl))
    try:
        spec = validate(
            SchemaTable,
            {
                "table": table,
                "ddl": str(ddl[0]) if ddl else None,
                "migrations": [str(path) for path in ddl[1:]],
                "writers": list(writers),
            },
        )
    except ValidationError as err:
        message = err.errors()[0]["msg"].removeprefix("Value error, ")
        raise InputError(f"--table {table!r}: {message}") from None
    return SchemaAlignment(spec, base_dir=Path.cwd())


@click.command()
@click.option("--table", help="dataset.table: a configured table, or the table checked ad hoc.")
@click.option(
    "--ddl",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="DDL file (CREATE/ALTER TABLE); repeat for migrations, applied in order.",
)
@click.option(
    "--writer",
    "writers",
    multiple=True,
    metavar="PATH::FUNCTION",
    help="Python function whose record is written (repeatable; Class.method allowed).",
)
@common_options
def schema(
    opts: Options, table: str | None, ddl: tuple[Path, ...], writers: tuple[str, ...]
) -> int:
    """Compare DDL files, the live table and the fields code writes (no warehouse: DDL vs code)."""
    profile, as_of = profile_and_time(opts)
    checks = [ad_hoc(table, ddl, writers)] if ddl or writers else configured(profile, table)
    day = default_date(as_of, profile.timezone)
    ctx = open_context(opts, profile, as_of, day, day, need_warehouse=False)
    target = {"tables": [check.spec.table for check in checks]}
    return finish(run_suite("schema", list(checks), ctx, target), opts, "schema.md.j2")
