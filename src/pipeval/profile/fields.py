"""Field types shared by the profile's models (profile/model.py, profile/declarative.py).

Each validator is one function: doctor reads a field's kind from the validator's name
(`_table`, `_identifier`, `_expression`, `_aggregate_expression`; schema/references.py).
"""

from __future__ import annotations

from typing import Annotated

from pipeval.errors import ConfigError
from pipeval.identifiers import IDENTIFIER_RE, TableName
from pipeval.profile.constraints import After


def _identifier(value: str) -> str:
    if not IDENTIFIER_RE.match(value):
        raise ValueError(f"{value!r} is not a plain name (letters, digits, _ or -)")
    return value


def _table(value: str) -> str:
    try:
        TableName.parse(value)
    except ConfigError as err:
        raise ValueError(str(err)) from None
    return value


def _expression(value: str) -> str:
    # sqlkit (and its logging) only when a profile is validated, not when a stored one is read
    from pipeval.sqlkit import vet_expression

    try:
        vet_expression(value, "SQL expression")
    except ConfigError as err:
        raise ValueError(str(err)) from None
    return value


def _aggregate_expression(value: str) -> str:
    from pipeval.sqlkit import vet_aggregate

    try:
        vet_aggregate(value, "aggregate expression")
    except ConfigError as err:
        raise ValueError(str(err)) from None
    return value


Identifier = Annotated[str, After(_identifier)]
Table = Annotated[str, After(_table)]
Expression = Annotated[str, After(_expression)]
AggregateExpression = Annotated[str, After(_aggregate_expression)]
