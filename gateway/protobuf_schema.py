"""JSON Schema of protobuf messages as their proto3 JSON mapping, read from the descriptors.

The mapping is what `MessageToDict` (and so `make consume`) prints: lowerCamelCase names,
64-bit integers as decimal text, enums by name, timestamps as RFC 3339 text, bytes as base64,
and fields at their default value left out (so none is required).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

Schema = dict[str, Any]

WELL_KNOWN: dict[str, Schema] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?s$"},
    "google.protobuf.Empty": {"type": "object", "additionalProperties": False},
}
"""Messages the JSON mapping writes as something other than an object."""

SCALARS: dict[int, Schema] = {
    FieldDescriptor.TYPE_DOUBLE: {"type": "number"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number"},
    FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SINT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_UINT32: {"type": "integer", "minimum": 0, "format": "uint32"},
    FieldDescriptor.TYPE_FIXED32: {"type": "integer", "minimum": 0, "format": "uint32"},
    FieldDescriptor.TYPE_INT64: {"type": "string", "pattern": "^-?[0-9]+$", "format": "int64"},
    FieldDescriptor.TYPE_SINT64: {"type": "string", "pattern": "^-?[0-9]+$", "format": "int64"},
    FieldDescriptor.TYPE_SFIXED64: {"type": "string", "pattern": "^-?[0-9]+$", "format": "int64"},
    FieldDescriptor.TYPE_UINT64: {"type": "string", "pattern": "^[0-9]+$", "format": "uint64"},
    FieldDescriptor.TYPE_FIXED64: {"type": "string", "pattern": "^[0-9]+$", "format": "uint64"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
}


def message_schemas(roots: Iterable[type[Message]], ref_prefix: str) -> dict[str, Schema]:
    """A schema for each root message and every message it holds, by full name; a field of
    message type is a `$ref` to `ref_prefix + <full name>`."""
    schemas: dict[str, Schema] = {}
    pending: list[Any] = [root.DESCRIPTOR for root in roots]
    while pending:
        message = pending.pop()
        if message.full_name in schemas or message.full_name in WELL_KNOWN:
            continue
        schemas[message.full_name] = _message(message, ref_prefix)
        pending.extend(
            field.message_type for field in message.fields if field.message_type is not None
        )
    return schemas


def _message(message: Descriptor, ref_prefix: str) -> Schema:
    schema: Schema = {
        "type": "object",
        "title": message.name,
        "x-protobuf-message": message.full_name,
        "properties": {field.json_name: _field(field, ref_prefix) for field in message.fields},
    }
    return schema


def _field(field: FieldDescriptor, ref_prefix: str) -> Schema:
    if field.message_type is not None:
        name = field.message_type.full_name
        single = dict(WELL_KNOWN[name]) if name in WELL_KNOWN else {"$ref": ref_prefix + name}
    elif field.enum_type is not None:
        single = _enum(field.enum_type)
    else:
        single = dict(SCALARS[field.type])
    if field.is_repeated:
        return {"type": "array", "items": single}
    return single


def _enum(enum: EnumDescriptor) -> Schema:
    return {"type": "string", "enum": [value.name for value in enum.values]}
