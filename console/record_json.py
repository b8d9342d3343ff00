"""Records (named tuples) to plain JSON values and back, led by their fields' types: a field added to a
record later is carried both ways without a line here. Times are ISO 8601 text with their offset."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from console.i18n import _

T = TypeVar("T")


def to_plain(value: Any) -> Any:
    """`value` as JSON values: a record as an object of its fields (in their order), a mapping with its
    keys sorted, a time as ISO text."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {name: to_plain(item) for name, item in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(key): to_plain(value[key]) for key in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    return value


@cache
def _fields(record: type) -> dict[str, Any]:
    return typing.get_type_hints(record)


def _is_record(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, tuple) and hasattr(kind, "_fields")


def from_plain(kind: type[T], data: Any, where: str, problems: list[str]) -> T | None:
    """A `kind` record from `data`, or None with every problem found added to `problems` ("where: what")."""
    value = _value(kind, data, where, problems)
    return value  # type: ignore[no-any-return]


def _value(kind: Any, data: Any, where: str, problems: list[str]) -> Any:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        if data is None and type(None) in args:
            return None
        (kind,) = [arg for arg in args if arg is not type(None)]
        return _value(kind, data, where, problems)
    if _is_record(kind):
        return _record(kind, data, where, problems)
    if origin is tuple:
        if not isinstance(data, list):
            problems.append(_("{where}: is not a list").format(where=where))
            return None
        return tuple(_value(args[0], item, f"{where}[{index}]", problems) for index, item in enumerate(data))
    if origin in (Mapping, typing.Mapping, dict):
        if not isinstance(data, dict):
            problems.append(_("{where}: is not an object").format(where=where))
            return None
        return types.MappingProxyType(
            {key: _value(args[1], item, f"{where}.{key}", problems) for key, item in data.items()}
        )
    if kind is datetime:
        return _time(data, where, problems)
    if kind is bool:
        problem = None if isinstance(data, bool) else _("{where}: is not true or false")
    elif kind is int:
        problem = None if isinstance(data, int) and not isinstance(data, bool) else _("{where}: is not a whole number")
    else:
        problem = None if isinstance(data, str) else _("{where}: is not text")
    if problem is not None:
        problems.append(problem.format(where=where))
    return data


def _time(data: Any, where: str, problems: list[str]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(data) if isinstance(data, str) else None
        if moment is not None and moment.tzinfo is not None and 1 < moment.astimezone(UTC).year < 9999:
            return moment
    except (ValueError, OverflowError):
        pass
    problems.append(_("{where}: {value} is not an ISO 8601 time with an offset").format(where=where, value=repr(data)))
    return None


def _record(kind: type, data: Any, where: str, problems: list[str]) -> Any:
    if not isinstance(data, dict):
        problems.append(_("{where}: is not an object").format(where=where))
        return None
    hints = _fields(kind)
    defaults: dict[str, Any] = kind._field_defaults  # type: ignore[attr-defined]
    unknown = sorted(set(data) - set(hints))
    if unknown:
        problems.append(_("{where}: unknown fields {names}").format(where=where, names=", ".join(unknown)))
    values = {}
    for name, field_kind in hints.items():
        if name in data:
            values[name] = _value(field_kind, data[name], f"{where}.{name}", problems)
        elif name in defaults:
            values[name] = defaults[name]
        else:
            problems.append(_("{where}: lacks {name}").format(where=where, name=name))
    return kind(**values) if len(values) == len(hints) else None
