"""The profile: a YAML data contract that maps a pipeline (tables, keys, phases, thresholds).

Validation is strict (unknown keys are errors) because a typo in a threshold must not silently
fall back to a default at 6 AM. The models are frozen data classes that pydantic validates when
a profile is not cached (profile/constraints.py, profile/validation.py): a run that reads the
validated profile back never imports pydantic. Identifiers are checked against the plain-name
grammar and SQL expressions are parsed and vetted when the profile loads, not when a check runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pipeval.identifiers import (
    LABEL_KEY_RE,
    REGION_RE,
    REPO_PATH_RE,
    SERVICE_NAME_RE,
)
from pipeval.profile.constraints import (
    STRICT_CONFIG,
    After,
    Before,
    Bounded,
    Strict,
    limited,
    model,
)
from pipeval.profile.declarative import DeclarativeCheck, unique_ids
from pipeval.profile.fields import Expression, Identifier, Table


def _hhmm(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    return value


def _pattern(regex: re.Pattern[str], what: str) -> After:
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return After(check)


def _repo_path(value: str) -> str:
    value = value.rstrip("/")
    if not REPO_PATH_RE.match(value) or ".." in value.split("/"):
        raise ValueError(
            f"{value!r} is not a relative path inside the repository (plain names, no '..')"
        )
    return value


ServiceName = Annotated[
    str, _pattern(SERVICE_NAME_RE, "a Cloud Run service name (lower-case letters, digits, -)")
]
Region = Annotated[str, _pattern(REGION_RE, "a Google Cloud region such as us-west2")]
LabelKey = Annotated[str, _pattern(LABEL_KEY_RE, "a label key (lower-case letters, digits, _, -)")]
RepoPath = Annotated[str, After(_repo_path)]
TimeOfDay = Annotated[str, After(_hhmm)]
Percent = Annotated[float, Bounded(ge=0, le=100)]
# Sane bounds for the profile's numbers, checked at load: a typo of a few zeros must be one
# clear line, not an overflow in date arithmetic later (a day count past 9999-12-31).
MAX_DAYS = 366  # windows and lags: at most a year
MAX_RANGE_DAYS = 3660  # ranges of dates: at most ten years
MAX_COUNT = 1_000_000_000  # limits and counts
MAX_BYTES = 10**15  # one petabyte
MAX_TIMEOUT_S = 86_400.0  # one day


@model
class ScheduleSpec(Strict):
    """The table of expected games."""

    table: Table
    date_column: Identifier = "game_date"
    game_key: Expression
    status_column: Identifier = "game_status"
    final_status: int = limited(3, ge=0, le=MAX_COUNT)


@model
class PhaseTable(Strict):
    table: Table
    date_column: Identifier = "game_date"
    game_key: Expression = "game_id"
    critical: bool = True
    # post_game tables hold only final games; pre_game tables every scheduled game of the date.
    expects: Literal["final", "scheduled"] = "final"
    filter: Expression | None = None
    columns: list[Identifier] = limited(default_factory=list)


@model
class Phase(Strict):
    name: Identifier
    label: str = ""
    tables: list[PhaseTable] = limited(min_length=1)
    rerun: str | None = None


@model
class ReferenceTable(Strict):
    table: Table
    columns: list[Identifier] = limited(default_factory=list)


@model
class EntitySource(Strict):
    table: Table
    entity: Identifier
    date_column: Identifier = "game_date"
    game_key: Expression = "game_id"
    filter: Expression | None = None
    group_by: Identifier | None = None


@model
class RegistrySource(Strict):
    """The identity registry: lookups and the universal id of the person behind each."""

    table: Table
    entity: Identifier
    universal_id: Identifier | None = None


@model
class AliasSource(Strict):
    """Alias rows mapping one lookup to its canonical lookup."""

    table: Table
    alias: Identifier
    canonical: Identifier


def _suffix(value: str) -> str:
    if not re.fullmatch(r"[a-z]+", value):
        raise ValueError(f"{value!r} is not a lower-case name suffix (e.g. jr, iii)")
    return value


NameSuffix = Annotated[str, After(_suffix)]


@model
class CoverageDiagnostics(Strict):
    """Where a missing entity's reason is looked up; each source is one batched query.

    Game status comes from the profile's `schedule` (for `expects: final` targets)."""

    lines: EntitySource | None = None
    registry: RegistrySource | None = None
    aliases: AliasSource | None = None
    # Generational suffixes: `kevinporterjr` and `kevinporter` name the same person.
    suffixes: list[NameSuffix] = limited(default_factory=lambda: ["jr", "sr", "ii", "iii", "iv"])


@model
class CoverageSpec(Strict):
    name: Identifier
    label: str = "entities"
    expected: EntitySource
    target: EntitySource
    # final: a post-game target (entities of games not final yet are pending);
    # scheduled: a pre-game target (every expected entity is due).
    expects: Literal["final", "scheduled"] = "scheduled"
    warn_below: Percent | None = None
    fail_below: Percent | None = None
    diagnostics: CoverageDiagnostics = limited(default_factory=CoverageDiagnostics)

    def __post_init__(self) -> None:  # cross-field check, after the fields are validated
        if None not in (self.warn_below, self.fail_below) and self.fail_below > self.warn_below:
            raise ValueError("fail_below must not be above warn_below")


@model
class ModeSpec(Strict):
    expected: list[Identifier] = limited(min_length=1)
    critical: list[Identifier] = limited(default_factory=list)

    def __post_init__(self) -> None:  # cross-field check, after the fields are validated
        unknown = sorted(set(self.critical) - set(self.expected))
        if unknown:
            raise ValueError(f"critical processors {unknown} are not in expected")


@model
class OrchestrationSpec(Strict):
    phase: Identifier
    collection: Identifier
    # Due at HH:MM local time, `due_days_after` days after the game date.
    due: TimeOfDay = "08:00"
    due_days_after: int = limited(1, ge=0, le=MAX_DAYS)
    downstream_phase: Identifier | None = None
    modes: dict[Identifier, ModeSpec] = limited(min_length=1)


@model
class QuotaThresholds(Strict):
    table_operations_limit: int = limited(1500, gt=0, le=MAX_COUNT)
    partition_modifications_limit: int = limited(30000, gt=0, le=MAX_COUNT)
    ingestion_time_partition_modifications_limit: int = limited(11000, gt=0, le=MAX_COUNT)
    ingestion_time_partitioned_tables: list[Table] = limited(default_factory=list)
    warn_pct: Percent = 80
    fail_pct: Percent = 95
    window_hours: int = limited(24, gt=0, le=MAX_DAYS * 24)
    dml_running_limit: int = limited(2, gt=0, le=MAX_COUNT)
    dml_queue_limit: int = limited(20, gt=0, le=MAX_COUNT)
    dml_queue_warn: int = limited(15, gt=0, le=MAX_COUNT)
    backfill_lookback_days: int = limited(7, gt=0, le=MAX_DAYS)
    # Rows per write that remediation suggests batching into one job.
    remediation_batch_size: int = limited(100, gt=1, le=MAX_COUNT)

    def __post_init__(self) -> None:  # cross-field check, after the fields are validated
        if self.warn_pct > self.fail_pct:
            raise ValueError("warn_pct must not be above fail_pct")
        if self.dml_queue_warn > self.dml_queue_limit:
            raise ValueError("dml_queue_warn must not be above dml_queue_limit")


@model
class CoverageThresholds(Strict):
    warn_below: Percent = 95
    fail_below: Percent = 85
    # A system covering fewer than this share of the best system's entities is reported.
    system_parity_pct: Percent = 50
    # A system with rows in these days before the date and none on it has stopped.
    system_lookback_days: int = limited(7, gt=0, le=MAX_DAYS)

    def __post_init__(self) -> None:  # cross-field check, after the fields are validated
        if self.fail_below > self.warn_below:
            raise ValueError("fail_below must not be above warn_below")


@model
class HygieneThresholds(Strict):
    staging_prefix: str = limited("_staging_", min_length=1)
    staging_max_age_hours: float = limited(24, gt=0, le=MAX_DAYS * 24)
    datasets: list[Identifier] = limited(default_factory=list)


@model
class DeployThresholds(Strict):
    # A commit waiting longer than this for its service's deploy is a FAIL, not a WARN.
    max_lag_hours: float = limited(24, gt=0)
    # Pending commits listed per service; the rest are counted.
    list_commits: int = limited(5, gt=0)


@model
class Thresholds(Strict):
    quota: QuotaThresholds = limited(default_factory=QuotaThresholds)
    deploy: DeployThresholds = limited(default_factory=DeployThresholds)
    coverage: CoverageThresholds = limited(default_factory=CoverageThresholds)
    hygiene: HygieneThresholds = limited(default_factory=HygieneThresholds)


@model
class HistoricalSpec(Strict):
    default_days: int = limited(14, gt=0, le=MAX_RANGE_DAYS)
    max_range_days: int = limited(400, gt=0, le=MAX_RANGE_DAYS)
    cascade_windows: dict[Identifier, Annotated[int, Bounded(gt=0, le=MAX_DAYS)]] = limited(
        default_factory=lambda: {"L5": 5, "L10": 10, "long": 21}
    )
    severity_high_above: int = limited(100, ge=0, le=MAX_COUNT)
    severity_medium_from: int = limited(50, ge=0, le=MAX_COUNT)


@model
class WarehouseSettings(Strict):
    # BigQuery keeps job metadata per region: the jobs view is read once per region listed
    # (each statement runs in its own region). `region: x` (one name) is read as `regions: [x]`.
    regions: list[Identifier] = limited(default_factory=lambda: ["us"], min_length=1)
    maximum_bytes_billed: int = limited(10_000_000_000, gt=0, le=MAX_BYTES)
    query_timeout_s: float = limited(120, gt=0, le=MAX_TIMEOUT_S)

    def __post_init__(self) -> None:  # cross-field check, after the fields are validated
        lowered = [region.lower() for region in self.regions]
        if len(set(lowered)) != len(lowered):
            raise ValueError(f"regions: {', '.join(self.regions)} lists a region twice")

    @property
    def region(self) -> str:
        """The first region: where metadata other than jobs (e.g. staging tables) is read."""
        return self.regions[0]


def _one_region_is_a_list_of_one(data: Any) -> Any:
    if isinstance(data, dict) and "region" in data:
        if "regions" in data:
            raise ValueError("give regions (a list) or region (one name), not both")
        data = {**data, "regions": [data["region"]]}
        del data["region"]
    return data


# The type of `warehouse:` (`region: x` is read as `regions: [x]` before validation).
Warehouse = Annotated[WarehouseSettings, Before(_one_region_is_a_list_of_one)]


@model
class SchemaTable(Strict):
    table: Table
    ddl: str | None = None
    migrations: list[str] = limited(default_factory=list)
    writers: list[str] = limited(default_factory=list)


@model
class ServiceSpec(Strict):
    """A deployed service (Cloud Run, or a gen2 Cloud Function) and the source it is built from."""

    name: ServiceName
    kind: Literal["run", "function"] = "run"
    region: Region
    paths: list[RepoPath] = limited(min_length=1)
    # The label the deploy script stamps with the commit it built (`--update-labels`).
    label: LabelKey = "commit-sha"
    # The command that redeploys it, run from the repository root (remediation): one line,
    # shown as a code span, so no newline and no backtick.
    deploy: str | None = limited(None, min_length=1, pattern=r"^[^`\n\r]+$")
    # Phases whose processors run in it: a stale deployment may explain their failures.
    phases: list[Identifier] = limited(default_factory=list)


@model
class LineagePhase(Strict):
    """What one phase reads and writes, for the diagnosis to follow a failure downstream."""

    # Phases whose output this phase reads (its upstream).
    reads: list[Identifier] = limited(default_factory=list)
    # Tables its processors write besides the phase's own tables: run logs shared by every
    # phase, state tables. A quota outage on one of them explains the phase's failure.
    writes: list[Table] = limited(default_factory=list)


@model
class Profile(Strict):
    name: Identifier
    description: str = ""
    timezone: str = "America/New_York"
    project: Identifier | None = None
    warehouse: Warehouse = limited(default_factory=WarehouseSettings)
    schedule: ScheduleSpec
    phases: list[Phase] = limited(min_length=1)
    reference: dict[Identifier, ReferenceTable] = limited(default_factory=dict)
    coverage: list[CoverageSpec] = limited(default_factory=list)
    orchestration: list[OrchestrationSpec] = limited(default_factory=list)
    thresholds: Thresholds = limited(default_factory=Thresholds)
    historical: HistoricalSpec = limited(default_factory=HistoricalSpec)
    schema_tables: list[SchemaTable] = limited(default_factory=list, alias="schema")
    lint_hot_tables: list[Table] = limited(default_factory=list)
    # Declarative data checks (profile/declarative.py), one statement per table per run.
    checks: list[DeclarativeCheck] = limited(default_factory=list)
    services: list[ServiceSpec] = limited(default_factory=list)
    # phase -> what it reads and writes. Without it each failing check is its own incident.
    lineage: dict[Identifier, LineagePhase] = limited(default_factory=dict)

    # `schema:` in YAML, `schema_tables` in code (the name `schema` is pydantic's own).
    __pydantic_config__: ClassVar[dict[str, Any]] = {**STRICT_CONFIG, "populate_by_name": True}
    # Where the profile file lives: relative paths in it (DDL files, writers) start there, and
    # the name messages give it; set by the loader (`located`), not fields of the profile.
    _base_dir: ClassVar[Path | None] = None
    _source: ClassVar[str] = ""

    def located(self, base_dir: Path | None, source: str) -> None:
        object.__setattr__(self, "_base_dir", base_dir)  # frozen: set once, by the loader
        object.__setattr__(self, "_source", source)

    @property
    def base_dir(self) -> Path:
        return self._base_dir or Path.cwd()

    @property
    def source(self) -> str:
        return self._source or self.name

    def __post_init__(self) -> None:  # cross-field check, after the fields are validated
        names = [phase.name for phase in self.phases]
        if len(set(names)) != len(names):
            raise ValueError(f"phase names must be unique, got {names}")
        for spec in self.orchestration:
            for ref in (spec.phase, spec.downstream_phase):
                if ref is not None and ref not in names:
                    raise ValueError(f"orchestration refers to unknown phase {ref!r}")
        for service in self.services:
            unknown = [ref for ref in service.phases if ref not in names]
            if unknown:
                raise ValueError(f"service {service.name!r} refers to unknown phase {unknown[0]!r}")
        _check_lineage(self.lineage, names)
        # Check ids are `coverage.<name>` and `orchestration.<phase>`: they must be unique.
        for what, ids in (
            ("coverage names", [spec.name for spec in self.coverage]),
            ("orchestration phases", [spec.phase for spec in self.orchestration]),
            ("service names", [service.name for service in self.services]),
        ):
            if len(set(ids)) != len(ids):
                raise ValueError(f"{what} must be unique, got {ids}")
        unique_ids(self.checks)
        for check in self.checks:
            if check.phase is not None and check.phase not in names:
                raise ValueError(f"checks: {check.id} refers to unknown phase {check.phase!r}")

    def phase(self, name: str) -> Phase:
        for phase in self.phases:
            if phase.name == name:
                return phase
        raise KeyError(name)


def _check_lineage(lineage: dict[str, LineagePhase], phases: list[str]) -> None:
    """Every phase named is a phase of the profile, and reading never loops back."""
    for name, entry in lineage.items():
        for ref in (name, *entry.reads):
            if ref not in phases:
                raise ValueError(f"lineage refers to unknown phase {ref!r}")
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in visiting:
            raise ValueError(f"lineage has a cycle: {' -> '.join((*path, name))}")
        visiting.add(name)
        entry = lineage.get(name)
        for upstream in entry.reads if entry else []:
            visit(upstream, (*path, name))
        visiting.discard(name)
        done.add(name)

    for name in lineage:
        visit(name, ())
