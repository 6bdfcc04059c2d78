"""The Claude Code hook payload on stdin: which tool edited which file, and what it wrote.

PostToolUse input (Claude Code hooks reference): `session_id`, `cwd`, `hook_event_name`,
`tool_name` and `tool_input`, whose fields depend on the tool: Write has `file_path` and
`content`; Edit has `file_path`, `old_string`, `new_string` (and `replace_all`); MultiEdit has
`file_path` and `edits`, a list of those. Anything else is a reason to check nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EDIT_TOOLS = ("Edit", "MultiEdit", "Write")
MAX_PAYLOAD = 16 * 1024 * 1024  # a Write carries the whole file; larger is not an edit to lint


class Unchecked(Exception):
    """Why nothing was checked: one line for stderr, and the hook still exits 0."""


@dataclass(frozen=True)
class HookEdit:
    """One edit as the hook saw it. `written` holds the text the tool put in the file (the
    whole content for Write): where it lands in the file are the edited lines."""

    tool: str
    file: Path
    project: Path
    session: str
    written: tuple[str, ...]
    whole_file: bool


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise Unchecked(f"the hook payload's {field} is not a string")
    return value


def parse(raw: bytes) -> HookEdit:
    """The edit described by a PostToolUse payload; Unchecked when it describes none."""
    if len(raw) > MAX_PAYLOAD:
        raise Unchecked(f"the hook payload is larger than {MAX_PAYLOAD // (1024 * 1024)} MiB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Unchecked("stdin is not a JSON hook payload") from None
    if not isinstance(data, dict):
        raise Unchecked("stdin is not a JSON object (expected a Claude Code hook payload)")
    event = data.get("hook_event_name")
    if event != "PostToolUse":
        raise Unchecked(f"hook event {event!r} is not PostToolUse")
    tool = data.get("tool_name")
    if tool not in EDIT_TOOLS:
        raise Unchecked(f"tool {tool!r} does not edit files (expected {', '.join(EDIT_TOOLS)})")
    arguments = data.get("tool_input")
    if not isinstance(arguments, dict):
        raise Unchecked("the hook payload has no tool_input object")
    file_text = _text(arguments.get("file_path"), "tool_input.file_path")
    project_text = _text(data.get("cwd"), "cwd")
    session = data.get("session_id")
    written, whole = _written(tool, arguments)
    project = Path(project_text)
    file = Path(file_text)
    return HookEdit(
        tool=tool,
        file=file if file.is_absolute() else project / file,
        project=project,
        session=session if isinstance(session, str) else "",
        written=written,
        whole_file=whole,
    )


def _written(tool: str, arguments: dict[str, Any]) -> tuple[tuple[str, ...], bool]:
    if tool == "Write":
        return (), True
    if tool == "Edit":
        new = arguments.get("new_string")
        return ((new,) if isinstance(new, str) else ()), False
    edits = arguments.get("edits")
    texts = (
        [e.get("new_string") for e in edits if isinstance(e, dict)]
        if isinstance(edits, list)
        else []
    )
    return tuple(t for t in texts if isinstance(t, str)), False
