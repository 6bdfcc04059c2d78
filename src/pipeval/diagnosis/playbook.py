"""Where the skills' playbook explains a check id: `references/<file>.md#<anchor>`.

Read from the packaged skills: an entry is a heading ``## `<id>` `` or a pattern such as
``## `completeness.<phase>` ``; the anchor is the heading's GitHub slug.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeval.report.render import data_dir

SKILL = "validate-daily"
_HEADING = re.compile(r"^## `([^`]+)`\s*$", re.MULTILINE)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@lru_cache(maxsize=1)
def _entries() -> dict[str, str]:
    """Entry id or pattern -> `references/<file>.md#<anchor>`, first file wins."""
    entries: dict[str, str] = {}
    folder = data_dir("skills") / SKILL / "references"
    for path in sorted(folder.glob("*.md")):
        for heading in _HEADING.findall(path.read_text(encoding="utf-8")):
            entries.setdefault(heading, f"references/{path.name}#{slug(f'`{heading}`')}")
    return entries


def entry_for(check_id: str) -> str | None:
    """The playbook entry of `check_id`: its own heading, else its family's pattern."""
    entries = _entries()
    if check_id in entries:
        return entries[check_id]
    family = check_id.split(".", 1)[0]
    return next(
        (
            link
            for key, link in entries.items()
            if re.fullmatch(rf"{re.escape(family)}\.<\w+>", key)
        ),
        None,
    )
