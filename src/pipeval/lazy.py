"""Modules imported at their first use, not when pipeval's modules load.

sqlglot costs about 0.1 s to import; a run whose SQL comes from the cache (`pipeval.sqlcache`)
never touches it, so the modules that produce SQL name it through these stand-ins.
"""

from __future__ import annotations

import importlib
import types
from typing import Any


class LazyModule(types.ModuleType):
    """Stands for module `name`; the first attribute read imports it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._target = name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(importlib.import_module(self._target), attribute)
        setattr(self, attribute, value)  # later reads skip this method
        return value


sqlglot: Any = LazyModule("sqlglot")
exp: Any = LazyModule("sqlglot.expressions")
sqlglot_errors: Any = LazyModule("sqlglot.errors")
