"""The profile's lineage as a graph: which phase reads which, and who writes each table."""

from __future__ import annotations

from dataclasses import dataclass

from pipeval.profile.model import Profile


@dataclass(frozen=True)
class Lineage:
    order: tuple[str, ...]
    reads: dict[str, tuple[str, ...]]
    writes: dict[str, frozenset[str]]
    services: dict[str, tuple[str, ...]]
    declared: bool

    @classmethod
    def of(cls, profile: Profile) -> Lineage:
        order = tuple(phase.name for phase in profile.phases)
        entries = profile.lineage
        return cls(
            order=order,
            reads={name: tuple(entries[name].reads) if name in entries else () for name in order},
            writes={
                phase.name: frozenset(
                    [t.table for t in phase.tables]
                    + (list(entries[phase.name].writes) if phase.name in entries else [])
                )
                for phase in profile.phases
            },
            # `services:` say which phases each deployed service runs (deploy.drift's subject).
            services={
                name: tuple(s.name for s in profile.services if name in s.phases) for name in order
            },
            declared=bool(entries),
        )

    def upstream(self, phase: str) -> set[str]:
        """Every phase `phase` reads, directly or through others."""
        found: set[str] = set()
        todo = list(self.reads.get(phase, ()))
        while todo:
            name = todo.pop()
            if name not in found:
                found.add(name)
                todo.extend(self.reads.get(name, ()))
        return found

    def downstream(self, phase: str) -> list[str]:
        """Every phase that reads `phase`'s output, directly or not, in profile order."""
        return [name for name in self.order if phase in self.upstream(name)]

    def writers(self, table: str) -> list[str]:
        """Phases whose processors write `table` (their own tables and shared ones)."""
        return [name for name in self.order if table in self.writes[name]]

    def owner(self, table: str) -> str | None:
        """The first phase that writes `table`, if any."""
        writers = self.writers(table)
        return writers[0] if writers else None

    def running(self, service: str) -> list[str]:
        """Phases whose processors the deployed `service` runs."""
        return [name for name in self.order if service in self.services.get(name, ())]

    def sorted(self, phases: set[str]) -> list[str]:
        return [name for name in self.order if name in phases]
