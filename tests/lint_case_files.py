"""Reading `tests/lint_cases/<rule>.py`: one file of cases per lint rule (sqlfluff style).

A case starts at a `# case: <name>` line and runs to the next one; its lines are numbered from
1. A line ending in `# hit` expects one WARN finding of the file's rule, `# hit FAIL` a FAIL
and `# hit INFO` an INFO. The files are data, never imported (ruff skips them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CASES_DIR = Path(__file__).parent / "lint_cases"
START = re.compile(r"^# case: (?P<name>.+)$")
MARK = re.compile(r"#\s*hit(?:\s+(FAIL|INFO))?\s*$")


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    source: str

    @property
    def expected(self) -> list[tuple[int, str]]:
        found = []
        for number, line in enumerate(self.source.splitlines(), start=1):
            match = MARK.search(line)
            if match:
                found.append((number, match.group(1) or "WARN"))
        return found


def load(rule: str) -> list[Case]:
    cases: list[Case] = []
    name: str | None = None
    lines: list[str] = []
    text = (CASES_DIR / f"{rule}.py").read_text(encoding="utf-8")
    for line in [*text.splitlines(), "# case: <end>"]:
        match = START.match(line)
        if match is None:
            if name is not None:
                lines.append(line)
            continue
        if name is not None:
            cases.append(Case(rule, name, "\n".join(lines).strip("\n") + "\n"))
        name, lines = match.group("name"), []
    return cases


def rules() -> list[str]:
    return sorted(path.stem for path in CASES_DIR.glob("*.py"))
