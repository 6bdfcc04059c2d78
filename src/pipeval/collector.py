"""The cyclic garbage collector paused for a block of work that makes no cyclic garbage of note
(lint's parsed trees, a validation suite's rows): its passes would walk every object alive."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(pause: bool = True) -> Iterator[None]:
    """Collector off for the block (when `pause`), back on after only if it was on before."""
    was_enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
