"""What the profile's models say about their fields, written without importing pydantic.

The models (profile/model.py, profile/declarative.py) are frozen data classes. A warm run reads
the validated profile back from the cache (profile/stored.py) and never imports pydantic
(~40 ms of every command). pydantic validates the same classes when a profile is not cached
(profile/validation.py): it reads the markers here from the fields' annotations, and the limits
from each field's `metadata` (the keyword arguments of `pydantic.Field`, e.g. `ge`, `alias`).
A model's cross-field checks are its `__post_init__` (pydantic calls it after the fields).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, ClassVar

# pydantic's configuration of every model (read from the class by pydantic, a plain dict here):
# strict types (a typo in a threshold must not fall back to a default or coerce "80" to 80) and
# no unknown keys.
STRICT_CONFIG: dict[str, Any] = {"extra": "forbid", "strict": True}


class Strict:
    """The base of every profile model: the validation settings, and the methods a frozen data
    class would generate, written once here. `dataclasses.dataclass(frozen=True)` generates
    them per class (`exec` of each method's source): ~0.8 ms a class, over 20 ms for the
    profile's models at every start."""

    __pydantic_config__: ClassVar[dict[str, Any]] = STRICT_CONFIG

    def __init__(self, **values: Any) -> None:
        # What the keyword-only `__init__` of a data class does. pydantic does not call it (it
        # sets the validated fields itself), nor does a profile read back from the cache.
        cls = type(self)
        for name, default, factory in _defaults(cls):
            if name in values:
                value = values.pop(name)
            elif default is not dataclasses.MISSING:
                value = default
            elif factory is not dataclasses.MISSING:
                value = factory()
            else:
                raise TypeError(f"{cls.__name__}() missing keyword argument {name!r}")
            self.__dict__[name] = value
        if values:
            raise TypeError(
                f"{cls.__name__}() got an unexpected keyword argument {next(iter(values))!r}"
            )
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name, _, _ in _defaults(type(self)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name, _, _ in _defaults(type(self)))
        return f"{type(self).__name__}({shown})"


@functools.cache
def _defaults(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    """Each field's name, default and default factory."""
    return tuple((f.name, f.default, f.default_factory) for f in dataclasses.fields(cls))


def model(cls: type) -> type:
    """A profile model: a data class (its fields, for pydantic, the cache and doctor) whose
    methods are Strict's: keyword-only, frozen, compared and shown field by field."""
    return dataclasses.dataclass(init=False, repr=False, eq=False, kw_only=True)(cls)


def limited(default: Any = dataclasses.MISSING, **limits: Any) -> Any:
    """A field with pydantic `Field` limits (`ge`, `min_length`, `alias`, `default_factory`...)."""
    factory = limits.pop("default_factory", dataclasses.MISSING)
    return dataclasses.field(default=default, default_factory=factory, metadata=limits)


class After:
    """`pydantic.AfterValidator` without pydantic: `func` checks the value once typed. The name
    `func` is pydantic's too: doctor reads a field's kind from it (schema/references.py)."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.func, handler(source))


class Before:
    """`pydantic.BeforeValidator` without pydantic: `func` rewrites the raw value first."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_before_validator_function(self.func, handler(source))


class Bounded:
    """Numeric limits inside a type (`Annotated[int, Bounded(gt=0)]`), e.g. a dict's values,
    where a field's `metadata` cannot reach: pydantic's own `ge`/`gt`/`le` of the number."""

    def __init__(self, **limits: float) -> None:
        self.limits = limits

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return {**handler(source), **self.limits}
