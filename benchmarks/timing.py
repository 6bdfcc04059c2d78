"""Warm-up, then repetitions interleaved across approaches, so that noise from the other work on
a shared machine falls on every approach alike. Each call returns the seconds to record."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    def to_dict(self) -> dict[str, float | int]:
        return {"median": self.median, "min": self.low, "max": self.high, "n": len(self.samples)}


def interleaved(
    approaches: dict[str, Callable[[], float]], warmup: int, reps: int
) -> dict[str, Timing]:
    samples: dict[str, list[float]] = {name: [] for name in approaches}
    for rep in range(warmup + reps):
        for name, run in approaches.items():
            seconds = run()
            if rep >= warmup:
                samples[name].append(seconds)
    return {name: Timing(tuple(values)) for name, values in samples.items()}
