"""Conversions between Python values and google.protobuf.Struct / Value."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from google.protobuf import struct_pb2

_MAX_EXACT_INT = 2**53


def to_struct(values: Optional[Mapping[str, Any]], what: str) -> Optional[struct_pb2.Struct]:
    """A Struct from a JSON-like mapping (None stays None).

    Raises:
        TypeError: ``values`` is not a mapping with string keys or holds a
            value JSON cannot represent; the message names ``what``.
    """
    if values is None:
        return None
    if not isinstance(values, Mapping):
        raise TypeError(f"{what}: must be a mapping, got {type(values).__name__}")
    struct = struct_pb2.Struct()
    try:
        struct.update(_plain(values, what))
    except (ValueError, TypeError, AttributeError) as e:
        raise TypeError(f"{what}: {e}") from None
    return struct


def _plain(value: Any, path: str) -> Any:
    """Mappings to dicts and tuples to lists, checking keys and leaf types."""
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{path}: keys must be strings, got {k!r}")
            out[k] = _plain(v, f"{path}.{k}")
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"{path}: {type(value).__name__} is not a JSON value")


def from_value(value: struct_pb2.Value) -> Any:
    """The Python value of a google.protobuf.Value.

    Numbers that are whole and exactly representable come back as ``int``
    (JSON does not tell 3 from 3.0), others as ``float``.
    """
    kind = value.WhichOneof("kind")
    if kind is None or kind == "null_value":
        return None
    if kind == "number_value":
        n = value.number_value
        if n.is_integer() and abs(n) <= _MAX_EXACT_INT:
            return int(n)
        return n
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return {k: from_value(v) for k, v in value.struct_value.fields.items()}
    return [from_value(v) for v in value.list_value.values]
