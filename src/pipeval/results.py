"""Check and suite results: the JSON contract of DESIGN.md, and the input to every template."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any

from pipeval.redact import redact_text


class Status(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"
    ERROR = "ERROR"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def exit_code(self) -> int:
        return {Status.OK: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3}[self]


_RANK = {Status.OK: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3}


def worst(statuses: list[Status] | tuple[Status, ...]) -> Status:
    return max(statuses, key=lambda status: status.rank, default=Status.OK)


class Severity(StrEnum):
    INFO = "INFO"
    WARN = "WARN"
    FAIL = "FAIL"

    @property
    def status(self) -> Status:
        return {Severity.INFO: Status.OK, Severity.WARN: Status.WARN, Severity.FAIL: Status.FAIL}[
            self
        ]


@dataclass
class Finding:
    severity: Severity
    message: str
    subject: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckResult:
    id: str
    category: str
    status: Status
    summary: str
    metrics: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    remediation: list[str] = field(default_factory=list)

    @classmethod
    def from_findings(
        cls,
        check_id: str,
        summary: str,
        findings: list[Finding],
        metrics: dict[str, Any] | None = None,
        remediation: list[str] | None = None,
    ) -> CheckResult:
        # No findings (most results of a historical run): OK without building the list.
        status = worst([finding.severity.status for finding in findings]) if findings else Status.OK
        return cls(
            id=check_id,
            category=check_id.split(".", 1)[0],
            status=status,
            summary=summary,
            metrics=metrics or {},
            findings=findings,
            remediation=remediation or [],
        )

    @classmethod
    def error(cls, check_id: str, reason: str) -> CheckResult:
        # Backend messages can quote URLs or keys; the reason lands in reports and handoffs.
        reason = redact_text(reason)
        return cls(
            id=check_id,
            category=check_id.split(".", 1)[0],
            status=Status.ERROR,
            summary=f"could not run: {reason}",
            findings=[Finding(Severity.FAIL, reason, subject=check_id)],
        )


@dataclass
class SuiteResult:
    suite: str
    as_of: datetime
    target: dict[str, Any]
    warehouse: str | None
    checks: list[CheckResult]
    stats: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    pipeval_version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # Incidents grouped along the lineage (pipeval.diagnosis); None when the suite has none.
    diagnosis: dict[str, Any] | None = None

    @property
    def status(self) -> Status:
        return worst([check.status for check in self.checks])

    @property
    def exit_code(self) -> int:
        return self.status.exit_code

    def to_dict(self) -> dict[str, Any]:
        document = {
            "suite": self.suite,
            "status": self.status.value,
            "as_of": self.as_of.isoformat().replace("+00:00", "Z"),
            "target": self.target,
            "warehouse": self.warehouse,
            "pipeval_version": self.pipeval_version,
            "duration_s": round(self.duration_s, 3),
            "stats": self.stats,
            **({"diagnosis": self.diagnosis} if self.diagnosis is not None else {}),
            "checks": self.checks,  # dataclasses: jsonable reads their fields
        }
        document.update(self.extra)
        return jsonable(document)


# Types that are already JSON values (exact types: a StrEnum is a str but goes by its value).
_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """Plain JSON types: enums by value, dates and instants as ISO-8601, dataclasses as the dict
    of their fields (what `dataclasses.asdict` gives, without its deep copy of every value)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    # The shapes a report is made of first (a lint report has ~50,000 values): plain dicts and
    # lists, and data classes whose field names are known, with plain items copied in place.
    if kind is dict:
        return {
            key if type(key) is str else str(key): item if type(item) in _PLAIN else jsonable(item)
            for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) in _PLAIN else jsonable(item) for item in value]
    names = _FIELD_NAMES.get(kind)
    if names is not None:
        return {name: jsonable(getattr(value, name)) for name in names}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if is_dataclass(value) and not isinstance(value, type):
        # Reached only by a class none of the tests above takes: the same path next time.
        names = _FIELD_NAMES[kind] = tuple(spec.name for spec in fields(value))
        return {name: jsonable(getattr(value, name)) for name in names}
    return value


# Data class -> its fields' names, filled as `jsonable` meets each class.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
