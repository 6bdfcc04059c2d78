"""One guard run: from a hook payload or a list of files to the lines Claude reads.

Claude Code's PostToolUse protocol: exit 0 and silence when there is nothing to say; exit 2
with the feedback on stderr, which Claude reads and acts on. Any other exit code would only
show the user an error, so every reason not to check (malformed stdin, an unknown tool, a file
that vanished, a missing profile, even a bug here) is one line on stderr and exit 0: the hook
never breaks the agent's session.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeval.guard.edits import EVERY_LINE, edited_lines, touches
from pipeval.guard.facts import ProfileFacts, cached_facts, load, profile_name
from pipeval.guard.payload import HookEdit, Unchecked, parse
from pipeval.guard.session import SessionState

if TYPE_CHECKING:
    from pipeval.guard.check import Feedback
    from pipeval.guard.targets import Target
    from pipeval.profile.model import Profile

CHECKED_SUFFIXES = (".py", ".sql")
MAX_LINES = 15  # what Claude Code shows of a hook's feedback stays short and actionable
EXIT_FEEDBACK = 2
PREFIX = "pipeval guard"


@dataclass
class Outcome:
    feedback: list[str] = field(default_factory=list)  # `path:line check — fix` lines
    more: int = 0  # findings left out to stay within MAX_LINES
    notes: list[str] = field(default_factory=list)  # why something was not checked

    @property
    def exit_code(self) -> int:
        return EXIT_FEEDBACK if self.feedback else 0

    def lines(self) -> list[str]:
        more = (
            [f"… and {self.more} more: run `pipeval lint` / `pipeval schema`"] if self.more else []
        )
        notes = [f"{PREFIX}: nothing checked: {note}" for note in self.notes]
        return [*self.feedback, *more, *notes]


def switched_off() -> bool:
    return os.environ.get("PIPEVAL_GUARD", "").strip().lower() in {"0", "off", "false", "no"}


def run_hook(raw: bytes, explicit_profile: str | None) -> Outcome:
    outcome = Outcome()
    try:
        edit = parse(raw)
        _guard_edit(edit, explicit_profile, outcome)
    except Unchecked as why:
        outcome.notes.append(str(why))
    return outcome


def _guard_edit(edit: HookEdit, explicit_profile: str | None, outcome: Outcome) -> None:
    from pipeval.guard.targets import inside

    relative = inside(edit.file, edit.project)
    if relative is None or edit.file.suffix not in CHECKED_SUFFIXES:
        return  # not this project's pipeline code: nothing to say
    text = _read(edit.file, relative)
    name = profile_name(edit.project, explicit_profile)
    facts, profile = cached_facts(name)
    from pipeval.guard.targets import classify

    target = classify(edit.file, edit.project, facts, relative)
    if not target.lint and not target.tables:
        return
    found = _feedback(target, facts, profile, name)
    edited = edited_lines(text, edit.written, edit.whole_file)
    session = SessionState(edit.session) if edit.session else None
    _select(found, edited, session, outcome)
    if session is not None:
        session.save()


def _feedback(
    target: Target, facts: ProfileFacts, profile: Profile | None, name: str
) -> list[Feedback]:
    from pipeval.guard.check import feedback_for

    if target.tables and profile is None:
        profile = load(name)  # a schema check needs the whole, validated profile
    return feedback_for(target, facts.hot_tables, profile)


def run_files(paths: tuple[Path, ...], explicit_profile: str | None) -> Outcome:
    """`pipeval guard --files F...` (pre-commit, CI): every line of every file is "edited"
    and there is no session, so each warning is reported."""
    outcome = Outcome()
    project = Path.cwd()
    try:
        name = profile_name(project, explicit_profile)
        facts, profile = cached_facts(name)
    except Unchecked as why:
        outcome.notes.append(str(why))
        return outcome
    from pipeval.guard.targets import classify

    found: list[Feedback] = []
    for path in paths:
        try:
            if path.suffix not in CHECKED_SUFFIXES:
                continue
            _read(path, str(path))
            target = classify(path, project, facts, str(path))
            if target.lint or target.tables:
                if target.tables and profile is None:
                    profile = load(name)
                found.extend(_feedback(target, facts, profile, name))
        except Unchecked as why:
            outcome.notes.append(str(why))
    _select(found, EVERY_LINE, None, outcome)
    return outcome


def _read(file: Path, shown: str) -> str:
    from pipeval.files import regular_file_problem

    problem = regular_file_problem(file)
    if problem is not None:
        raise Unchecked(f"{shown}: {problem}")
    try:
        return file.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise Unchecked(f"{shown}: cannot read ({err.strerror or err})") from None


def _select(
    found: list[Feedback], edited: frozenset[int], session: SessionState | None, outcome: Outcome
) -> None:
    """FAIL findings always; WARN findings on the edited lines, once per session; INFO never.
    Only what is shown counts as seen: a warning cut by the line limit comes back next time."""

    def due(item: Feedback) -> bool:
        if item.severity == "FAIL":
            return True
        if item.severity != "WARN" or not touches(edited, item.line, item.end_line):
            return False
        return session is None or session.new(item.key)

    order = sorted(found, key=lambda f: (f.severity != "FAIL", f.path, f.line, f.check))
    reported = [item for item in order if due(item)]
    shown = reported if len(reported) <= MAX_LINES else reported[: MAX_LINES - 1]
    for item in shown:
        if session is not None and item.severity != "FAIL":
            session.remember(item.key)
    outcome.feedback.extend(item.render() for item in shown)
    outcome.more = len(reported) - len(shown)
