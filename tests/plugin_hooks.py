"""`python -m tests.plugin_hooks`: list the hooks the Claude Code plugin registers (CI prints
this after `claude plugin validate`); exit 1 when hooks/hooks.json registers none."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HOOKS = Path(__file__).resolve().parents[1] / "hooks" / "hooks.json"


def registered() -> list[str]:
    config = json.loads(HOOKS.read_text(encoding="utf-8"))
    return [
        f"{event} [{group.get('matcher', '*')}] {hook['type']}: {hook.get('command', '')}"
        f" (timeout {hook.get('timeout', 'default')} s)"
        for event, groups in config["hooks"].items()
        for group in groups
        for hook in group["hooks"]
    ]


if __name__ == "__main__":
    hooks = registered()
    print(f"{HOOKS.relative_to(HOOKS.parents[1])}: {len(hooks)} hook(s)")
    for line in hooks:
        print(f"  {line}")
    sys.exit(0 if hooks else 1)
