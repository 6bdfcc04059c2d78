"""The skill pack: the reference validator, the spec's limits, and playbook coverage.

Every check id the code can emit must have a playbook entry (what it means, what to look at,
what to run, what to tell the user), and every entry must still name an id the code emits.
Ids come from the code: each family's `checks_for(profile)` (for the shipped profile and for
one with a `schema:` section), the lint rule registry, and the ids written as literals where a
check or a verification item is built (e.g. `quota.backfill`, `backfill.day`).
"""

from __future__ import annotations

import ast
import importlib
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
import skills_ref
import yaml
from skills_ref.parser import parse_frontmatter

import pipeval
from pipeval.checks import DAILY_FAMILIES, FAMILIES, checks_for
from pipeval.cli.main import COMMANDS
from pipeval.profile import Profile, load_profile
from pipeval.report.render import data_dir

REPO = Path(__file__).resolve().parents[1]
SKILLS = REPO / "skills"
SOURCE = Path(pipeval.__file__).resolve().parent
NAMES = ("validate-daily", "validate-historical", "session-handoff")
ALLOWED_KEYS = {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
MAX_LINES = 300
# The words a user would say, from the issue that asked for the skills.
TRIGGERS = {
    "validate-daily": ("validate yesterday", "check the pipeline", "did predictions run"),
    "validate-historical": ("backfill",),
    "session-handoff": ("handoff",),
}
LABELS = ("**Means", "**Investigate", "**Run", "**Tell the user")
ENTRY = re.compile(r"^## `([a-z_]+\.[^`]+)`\s*$", re.MULTILINE)
PLACEHOLDER = re.compile(r"<([a-z_]+)>")

SCHEMA_PROFILE = """\
extends: nba-props
schema:
  - table: nba_predictions.player_prop_predictions
    ddl: ddl/predictions.sql
    writers: [worker.py::build_record]
  - table: nba_analytics.player_game_summary
    ddl: ddl/summary.sql
"""


# --- ids the code can emit -------------------------------------------------------------------


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> list[Profile]:
    path = tmp_path_factory.mktemp("profile") / "with-schema.yaml"
    path.write_text(SCHEMA_PROFILE, encoding="utf-8")
    with_schema = load_profile(str(path))
    assert with_schema.schema_tables, "the schema profile must configure schema checks"
    return [load_profile("nba-props"), with_schema]


def family_ids(profiles: list[Profile], families: list[str]) -> set[str]:
    return {c.id for p in profiles for f in families for c in checks_for(p, f)}


def lint_ids() -> set[str]:
    """`lint.<rule>` for every rule of the lint registry (the package is found by import)."""
    rules = importlib.import_module("pipeval.lint.rules")
    return {f"lint.{rule.id}" for rule in rules.RULES}


def _first_literal(call: ast.Call) -> str | None:
    first = call.args[0] if call.args else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        base = func.value
        if isinstance(base, ast.Name) and base.id == "CheckResult":
            return f"CheckResult.{func.attr}"
        if isinstance(base, ast.Call) and isinstance(base.func, ast.Name):
            return f"{base.func.id}().{func.attr}"
        return func.attr
    return ""


RESULT_BUILDERS = {"CheckResult", "CheckResult.from_findings", "CheckResult.error"}


def _helpers(tree: ast.Module) -> set[str]:
    """Functions that pass their first parameter on as a result's id (one level deep)."""
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or not node.args.args:
            continue
        first = node.args.args[0].arg
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and _call_name(call) in RESULT_BUILDERS:
                arg = call.args[0] if call.args else None
                if isinstance(arg, ast.Name) and arg.id == first:
                    names.add(node.name)
    return names


def literal_ids(path: Path) -> set[str]:
    """Ids given as literals to a Check's constructor, a CheckResult, or a helper building one."""
    tree = ast.parse(path.read_text("utf-8"))
    builders = RESULT_BUILDERS | _helpers(tree)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            if not any("Check" in ast.unparse(base) for base in node.bases):
                continue
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and _call_name(call) == "super().__init__":
                    found.add(_first_literal(call))
        elif isinstance(node, ast.Call) and _call_name(node) in builders:
            found.add(_first_literal(node))
    return {value for value in found if value and "." in value}


@pytest.fixture(scope="module")
def static_ids() -> dict[str, set[str]]:
    """Literal ids per module, relative to the package."""
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        ids = literal_ids(path)
        if ids:
            found[path.relative_to(SOURCE).as_posix()] = ids
    return found


def historical_families() -> list[str]:
    from pipeval.suites.historical import HISTORICAL_FAMILIES

    return list(HISTORICAL_FAMILIES)


@pytest.fixture(scope="module")
def daily_ids(profiles: list[Profile]) -> set[str]:
    return family_ids(profiles, [f for f in DAILY_FAMILIES if f in FAMILIES]) | lint_ids()


@pytest.fixture(scope="module")
def history_ids(profiles: list[Profile], static_ids: dict[str, set[str]]) -> set[str]:
    verification = {i for module, ids in static_ids.items() if "history/" in module for i in ids}
    return family_ids(profiles, historical_families()) | verification


@pytest.fixture(scope="module")
def every_id(
    profiles: list[Profile], static_ids: dict[str, set[str]], daily_ids: set[str]
) -> set[str]:
    literal = {i for ids in static_ids.values() for i in ids}
    return family_ids(profiles, list(FAMILIES)) | lint_ids() | literal | daily_ids


def test_enumeration_finds_every_kind_of_id(
    every_id: set[str], static_ids: dict[str, set[str]], profiles: list[Profile]
) -> None:
    # Guards the enumeration itself: a scanner that finds nothing would pass every test below.
    families = {i.split(".", 1)[0] for i in every_id}
    # declarative checks carry the family their profile gives them
    assert set(FAMILIES) - {"declarative"} <= families
    assert any(i.startswith("lint.") for i in every_id)
    assert any("history/" in module for module in static_ids), "no verification ids found"
    assert any(i.startswith("schema.") for i in family_ids(profiles[1:], ["schema"]))
    assert not family_ids(profiles[:1], ["schema"]), "the shipped profile configures no schema"


# --- playbook entries ------------------------------------------------------------------------


@dataclass
class Entry:
    key: str
    skill: str
    source: str
    body: str


def playbook(skill: str) -> list[Entry]:
    entries = []
    for path in sorted((SKILLS / skill / "references").glob("*.md")):
        text = path.read_text("utf-8")
        marks = list(ENTRY.finditer(text))
        for index, mark in enumerate(marks):
            end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
            body = text[mark.end() : end].split("\n## ", 1)[0]
            entries.append(Entry(mark.group(1), skill, path.name, body))
    return entries


def placeholder_values(profiles: list[Profile]) -> dict[str, set[str]]:
    """What each placeholder of a pattern entry stands for, from the profiles."""
    return {
        "phase": {phase.name for p in profiles for phase in p.phases},
        "name": {spec.name for p in profiles for spec in p.coverage},
        "table": {spec.table for p in profiles for spec in p.schema_tables},
    }


def matches(key: str, check_id: str, values: dict[str, set[str]]) -> bool:
    """`key` is an id, or a pattern whose `<placeholder>` stands for one value of the profile."""
    names = PLACEHOLDER.findall(key)
    for name in names:
        assert name in values, f"pattern {key!r}: unknown placeholder <{name}>"
    parts = PLACEHOLDER.split(key)  # literal, name, literal, name, ..., literal
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+)" for i, p in enumerate(parts))
    found = re.fullmatch(regex, check_id)
    return found is not None and all(found.group(name) in values[name] for name in names)


def uncovered(ids: set[str], entries: list[Entry], profiles: list[Profile]) -> list[str]:
    values = placeholder_values(profiles)
    return sorted(i for i in ids if not any(matches(e.key, i, values) for e in entries))


def test_every_daily_check_id_has_guidance_in_validate_daily(
    daily_ids: set[str], profiles: list[Profile]
) -> None:
    missing = uncovered(daily_ids, playbook("validate-daily"), profiles)
    assert not missing, f"validate-daily has no playbook entry for {missing}"


def test_every_historical_id_has_guidance_in_validate_historical(
    history_ids: set[str], profiles: list[Profile]
) -> None:
    assert any(i.startswith("backfill.") for i in history_ids)
    missing = uncovered(history_ids, playbook("validate-historical"), profiles)
    assert not missing, f"validate-historical has no playbook entry for {missing}"


def test_every_id_the_code_can_emit_has_guidance_somewhere(
    every_id: set[str], profiles: list[Profile]
) -> None:
    entries = [entry for name in NAMES for entry in playbook(name)]
    missing = uncovered(every_id, entries, profiles)
    assert not missing, f"no skill has a playbook entry for {missing}"


def test_no_playbook_entry_is_stale(every_id: set[str], profiles: list[Profile]) -> None:
    values = placeholder_values(profiles)
    stale = [
        f"{e.skill}/{e.source}: {e.key}"
        for name in NAMES
        for e in playbook(name)
        if not any(matches(e.key, check_id, values) for check_id in every_id)
    ]
    assert not stale, f"playbook entries for ids the code never emits: {stale}"


@pytest.mark.parametrize("skill", ["validate-daily", "validate-historical"])
def test_every_entry_says_what_to_investigate_run_and_answer(skill: str) -> None:
    entries = playbook(skill)
    assert entries
    for entry in entries:
        absent = [label for label in LABELS if label not in entry.body]
        assert not absent, f"{skill}/{entry.source} {entry.key}: no {absent}"


def test_pattern_matching_is_exact(profiles: list[Profile]) -> None:
    values = placeholder_values(profiles)
    assert matches("completeness.<phase>", "completeness.phase3", values)
    assert not matches("completeness.<phase>", "completeness.phase9", values)
    assert not matches("completeness.<phase>", "orchestration.phase3", values)
    assert matches("schema.<table>", "schema.nba_analytics.player_game_summary", values)
    assert not matches("quota.errors", "quota.error", values)
    with pytest.raises(AssertionError, match="unknown placeholder"):
        matches("quota.<kind>", "quota.errors", values)


# --- the specification and the reference validator ---------------------------------------------


def frontmatter(skill: str) -> tuple[dict, str]:
    text = (SKILLS / skill / "SKILL.md").read_text("utf-8")
    _, head, body = text.split("---", 2)
    return yaml.safe_load(head), body


def test_the_repository_ships_exactly_the_three_skills() -> None:
    assert sorted(p.name for p in SKILLS.iterdir() if p.is_dir()) == sorted(NAMES)
    assert data_dir("skills").resolve() == SKILLS.resolve()


@pytest.mark.parametrize("skill", NAMES)
def test_reference_validator_accepts_the_skill(skill: str) -> None:
    assert skills_ref.validate(SKILLS / skill) == []
    # The same validator as CI runs it: its command line, in this interpreter's environment.
    done = subprocess.run(
        [sys.executable, "-m", "skills_ref.cli", "validate", str(SKILLS / skill)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Valid skill" in done.stdout


def test_reference_validator_rejects_what_the_spec_forbids(tmp_path: Path) -> None:
    # The validator is really consulted: a skill whose name does not match its folder fails.
    broken = tmp_path / "not-the-name"
    broken.mkdir()
    text = (SKILLS / "validate-daily" / "SKILL.md").read_text("utf-8")
    (broken / "SKILL.md").write_text(text, encoding="utf-8")
    assert any("must match skill name" in error for error in skills_ref.validate(broken))


@pytest.mark.parametrize("skill", NAMES)
def test_skill_md_limits_and_frontmatter(skill: str) -> None:
    text = (SKILLS / skill / "SKILL.md").read_text("utf-8")
    assert len(text.splitlines()) < MAX_LINES
    meta, body = frontmatter(skill)
    assert set(meta) <= ALLOWED_KEYS
    assert meta["name"] == skill
    description = meta["description"]
    assert len(description) <= 1024
    for words in TRIGGERS[skill]:
        assert words in description.lower(), f"{skill}: description lacks {words!r}"
    # strictyaml (the validator's parser) reads the same keys as PyYAML does
    parsed, _ = parse_frontmatter(text)
    assert parsed["name"] == skill and set(parsed) == set(meta)
    assert body.strip()


@pytest.mark.parametrize("skill", NAMES)
def test_references_are_linked_and_one_level_deep(skill: str) -> None:
    folder = SKILLS / skill
    body = (folder / "SKILL.md").read_text("utf-8")
    links = set(re.findall(r"\]\((references/[^)#]+)\)", body))
    for link in links:
        assert (folder / link).is_file(), f"{skill}: broken link {link}"
    shipped = {p.relative_to(folder).as_posix() for p in (folder / "references").rglob("*")}
    assert shipped == links, f"{skill}: references not linked from SKILL.md or nested"


# --- commands the skills tell the agent to run -------------------------------------------------


def pipeval_commands(text: str) -> list[str]:
    """`pipeval …` command lines in code blocks and inline code spans."""
    commands = []
    for block in re.findall(r"```(?:bash|sh)?\n(.*?)```", text, re.DOTALL):
        commands += [line for line in block.splitlines() if line.startswith("pipeval ")]
    without_blocks = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    commands += re.findall(r"`(pipeval [^`]+)`", without_blocks)
    return [command.split("  #")[0].strip() for command in commands]


def resolve_command(words: list[str]) -> tuple[click.Command, list[str]]:
    from pipeval.cli.main import cli

    name = words[1]
    assert name in COMMANDS, f"`pipeval {name}` is not a pipeval command"
    command = cli.get_command(click.Context(cli), name)
    rest = words[2:]
    if isinstance(command, click.Group):
        assert rest and rest[0] in command.commands, f"`pipeval {name}` needs a subcommand"
        command, rest = command.commands[rest[0]], rest[1:]
    return command, rest


@pytest.mark.parametrize("skill", NAMES)
def test_skills_only_name_real_commands_and_options(skill: str) -> None:
    texts = [p.read_text("utf-8") for p in sorted((SKILLS / skill).rglob("*.md"))]
    commands = [c for text in texts for c in pipeval_commands(text)]
    assert commands, f"{skill} names no pipeval command"
    for line in commands:
        words = shlex.split(line.replace("…", "X"))
        command, rest = resolve_command(words)
        known = {opt for param in command.params for opt in param.opts + param.secondary_opts}
        for word in rest:
            if word.startswith("--"):
                assert word.split("=")[0] in known, f"{skill}: `{line}`: no option {word}"
