"""lint.<rule>: write patterns in pipeline code that exhaust BigQuery quotas or break SQL.

Code, not data: the checks read no warehouse. The files are scanned once per run (all rules
in one parse per file) and each rule's check reports its own findings. FAIL for a single-row
write to a table in the profile's `lint_hot_tables` and for command-line, HTTP or row values
spliced into DML; INFO (status OK) for SQL built only from numbers, dates or validated
values; WARN for every other finding. `lint.parse-error` comes from the engine.
"""

from __future__ import annotations

from pipeval.checks.base import Check
from pipeval.errors import InputError, PipevalError
from pipeval.lint.engine import PARSE_ERROR, LintTarget, ScanReport, scan
from pipeval.lint.rule import About, Hit, Rule, Settings
from pipeval.lint.rules import RULES
from pipeval.listing import count
from pipeval.profile.model import Profile
from pipeval.query import Context
from pipeval.results import CheckResult, Finding, Severity

TARGET = "lint.target"  # ctx.options key: the LintTarget of `pipeval lint`


def checks_for(profile: Profile) -> list[Check]:
    return [LintCheck(rule) for rule in (*RULES, PARSE_ERROR)]


def scan_report(ctx: Context) -> ScanReport:
    """The run's one scan of the target (every rule at once), computed on first use."""
    target = ctx.options.get(TARGET)
    if not isinstance(target, LintTarget):
        raise InputError("lint checks scan code, not the warehouse: run `pipeval lint PATH...`")
    key = ("lint", target)
    settings = Settings(frozenset(ctx.profile.lint_hot_tables))
    return ctx.memo_get(key, lambda: scan(target, settings))


def location(hit: Hit) -> str:
    shown = hit.path if hit.root in ("", ".") else f"{hit.root.rstrip('/')}/{hit.path}"
    return f"{shown}:{hit.line}"


def finding(hit: Hit, rule: Rule | About) -> Finding:
    data = {
        "path": hit.path,
        "line": hit.line,
        "rule": hit.rule,
        "column": hit.column,
        "root": hit.root,
        "call": hit.call,
        "why": rule.why,
        **hit.extra,
    }
    return Finding(hit.severity, hit.message, subject=location(hit), data=data)


class LintCheck(Check):
    category = "lint"

    def __init__(self, rule: Rule | About) -> None:
        super().__init__(f"lint.{rule.id}")
        self.rule = rule

    def run(self, ctx: Context) -> CheckResult:
        report = scan_report(ctx)
        if self.rule.id in report.crashes:
            raise PipevalError(f"rule {self.rule.id} failed on {report.crashes[self.rule.id]}")
        hits = report.for_rule(self.rule.id)
        info = sum(1 for hit in hits if hit.severity == Severity.INFO)
        shown = len(hits) - info  # INFO findings (numbers/dates only) are listed, not counted
        suppressed = report.suppressed[self.rule.id]
        files = len({(hit.root, hit.path) for hit in hits if hit.severity != Severity.INFO})
        summary = (
            f"{count(shown, 'finding')} in {count(files, 'file')}"
            if shown
            else f"no findings in {count(report.files, 'file')}"
        )
        if info:
            summary += f"; {info:,} INFO (only numbers, dates or validated values spliced)"
        if suppressed:
            summary += f"; {suppressed:,} suppressed"
        metrics = {
            "rule": self.rule.id,
            "description": self.rule.description,
            "why": self.rule.why,
            "default_severity": self.rule.severity,
            "findings": len(hits),
            "info": info,
            "suppressed": suppressed,
            "files": report.files,
            "parsed": report.parsed,
        }
        return CheckResult.from_findings(
            self.id,
            summary,
            [finding(hit, self.rule) for hit in hits],
            metrics=metrics,
            remediation=[self.rule.fix] if shown else [],
        )
