"""Column values in an archive: how each column type is written as JSON and read back."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from app.timeutil import UTCDateTime
from app.vault.fields import EncryptedBytes, EncryptedText


class BadValue(ValueError):
    """A value in an archive that does not fit its column."""


def type_name(column: sa.Column[Any]) -> str:
    """The type of a column as the archive's schema names it."""
    kind = column.type
    if isinstance(kind, EncryptedText):
        return "string"
    if isinstance(kind, EncryptedBytes | sa.LargeBinary):
        return "file"
    if isinstance(kind, UTCDateTime):
        return "datetime"
    if isinstance(kind, sa.Date):
        return "date"
    if isinstance(kind, sa.Boolean):
        return "boolean"
    if isinstance(kind, sa.Integer):
        return "integer"
    if isinstance(kind, sa.JSON):
        return "json"
    return "string"


def is_encrypted(column: sa.Column[Any]) -> bool:
    """True for a column stored encrypted with the practice's key."""
    return isinstance(column.type, EncryptedBytes)


def is_file(column: sa.Column[Any]) -> bool:
    """True for a column whose bytes go into a file of the archive, not into the JSON."""
    return type_name(column) == "file"


def to_json(column: sa.Column[Any], value: Any) -> Any:
    """The value as the archive's JSON holds it: ISO 8601 for times and dates."""
    if value is None:
        return None
    kind = type_name(column)
    if kind == "datetime":
        # Exactly as stored, so audit hashes computed over it still match after an import.
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if kind == "date":
        return value.isoformat()
    return value


def from_json(column: sa.Column[Any], value: Any) -> Any:
    """The Python value for column from the archive's JSON; BadValue when it does not fit."""
    if value is None:
        return None
    kind = type_name(column)
    try:
        if kind == "datetime":
            parsed = datetime.fromisoformat(_text(value))
            if parsed.tzinfo is None:
                raise BadValue("a time without a time zone")
            return parsed
        if kind == "date":
            return date.fromisoformat(_text(value))
        if kind == "boolean":
            if not isinstance(value, bool):
                raise BadValue("not true or false")
            return value
        if kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise BadValue("not a whole number")
            return value
        if kind == "json":
            return value
        return _text(value)
    except ValueError as error:
        if isinstance(error, BadValue):
            raise
        raise BadValue(str(error)) from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise BadValue("not text")
    return value


def csv_cell(value: Any) -> str:
    """A JSON value as one CSV cell: empty for null, JSON for lists and objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
