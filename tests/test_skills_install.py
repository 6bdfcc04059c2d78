"""`pipeval skills install` and the Claude Code plugin manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pipeval
from pipeval.skillpack import skill_files, skills_source

REPO = Path(__file__).resolve().parents[1]


def installed(project: Path) -> Path:
    return project / ".claude" / "skills"


def shipped() -> dict[str, bytes]:
    source = skills_source()
    return {path.as_posix(): (source / path).read_bytes() for path in skill_files(source)}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_pack_ships_every_skill_with_its_references() -> None:
    files = shipped()
    for name in ("validate-daily", "validate-historical", "session-handoff"):
        assert f"{name}/SKILL.md" in files
    assert "validate-daily/references/playbook-quota.md" in files


def test_fresh_install_copies_every_file(run_cli, tmp_path: Path) -> None:
    code, out, err = run_cli("skills", "install", "--target", str(tmp_path))
    assert code == 0 and err == ""
    assert tree(installed(tmp_path)) == shipped()
    assert f"{len(shipped())} new, 0 replaced, 0 unchanged" in out


def test_default_target_is_the_current_directory(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli("skills", "install")
    assert code == 0 and tree(installed(tmp_path)) == shipped()


def test_install_is_idempotent(run_cli, tmp_path: Path) -> None:
    run_cli("skills", "install", "--target", str(tmp_path))
    before = tree(installed(tmp_path))
    code, out, _ = run_cli("skills", "install", "--target", str(tmp_path))
    assert code == 0 and f"0 new, 0 replaced, {len(before)} unchanged" in out
    assert tree(installed(tmp_path)) == before


def test_a_local_edit_is_never_clobbered_without_force(run_cli, tmp_path: Path) -> None:
    run_cli("skills", "install", "--target", str(tmp_path))
    edited = installed(tmp_path) / "validate-daily" / "SKILL.md"
    edited.write_text(edited.read_text("utf-8") + "\nOur team's extra rule.\n", encoding="utf-8")
    removed = installed(tmp_path) / "session-handoff" / "SKILL.md"
    removed.unlink()
    mine = installed(tmp_path) / "my-own-skill" / "SKILL.md"
    mine.parent.mkdir()
    mine.write_text("---\nname: my-own-skill\n---\n", encoding="utf-8")
    before = tree(installed(tmp_path))

    code, out, err = run_cli("skills", "install", "--target", str(tmp_path))
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and str(edited) in err and "--force" in err
    assert tree(installed(tmp_path)) == before  # nothing written, not even the missing file

    code, out, _ = run_cli("skills", "install", "--target", str(tmp_path), "--force")
    assert code == 0 and "1 new, 1 replaced" in out
    after = tree(installed(tmp_path))
    assert {k: v for k, v in after.items() if not k.startswith("my-own-skill/")} == shipped()
    assert after["my-own-skill/SKILL.md"] == before["my-own-skill/SKILL.md"]


def test_a_new_target_is_created_when_its_parent_exists(run_cli, tmp_path: Path) -> None:
    code, _, _ = run_cli("skills", "install", "--target", str(tmp_path / "project"))
    assert code == 0 and tree(installed(tmp_path / "project")) == shipped()


@pytest.mark.parametrize("kind", ["missing parent", "file"])
def test_target_must_be_a_directory(run_cli, tmp_path: Path, kind: str) -> None:
    target = tmp_path / "nope" / "deeper" if kind == "missing parent" else tmp_path / "nope"
    if kind == "file":
        target.write_text("x", encoding="utf-8")
    code, out, err = run_cli("skills", "install", "--target", str(target))
    assert code == 3 and out == "" and "--target" in err and err.count("\n") == 1
    assert not (tmp_path / ".claude").exists()


def test_plugin_manifest_points_at_the_skills() -> None:
    manifest = json.loads((REPO / ".claude-plugin" / "plugin.json").read_text("utf-8"))
    assert manifest["name"] == "pipeval"
    assert manifest["version"] == pipeval.__version__
    skills_dir = (REPO / manifest["skills"]).resolve()
    assert skills_dir == skills_source().resolve()
    names = sorted(p.parent.name for p in skills_dir.glob("*/SKILL.md"))
    assert names == ["session-handoff", "validate-daily", "validate-historical"]
