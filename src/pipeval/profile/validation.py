"""pydantic validation of the profile's data classes: only when a profile is not cached.

pydantic validates a plain data class from the markers and field metadata of
profile/constraints.py. One difference from its models needs undoing: in strict mode pydantic
takes only an *instance* of a data class, never a mapping. The schema pydantic generates is
therefore changed in one place, each data class node made lax (a mapping is read field by
field), while every field keeps the strict mode of the models' configuration ("80" is not 80).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import SchemaValidator


def validate(annotation: Any, data: Any) -> Any:
    """`data` validated as `annotation` (a model class or an `Annotated` one); raises pydantic's
    ValidationError."""
    return _validator(annotation).validate_python(data)


@functools.cache
def _validator(annotation: Any) -> SchemaValidator:
    schema = copy.deepcopy(TypeAdapter(annotation).core_schema)
    _mappings_allowed(schema)
    return SchemaValidator(schema)


def _mappings_allowed(node: Any) -> None:
    """Every data class schema in the tree accepts a mapping; their fields stay strict."""
    if isinstance(node, dict):
        if node.get("type") == "dataclass":
            node["strict"] = False
        for value in node.values():
            _mappings_allowed(value)
    elif isinstance(node, list):
        for item in node:
            _mappings_allowed(item)
