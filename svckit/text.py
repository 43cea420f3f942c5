"""Text no service stores: control characters in any string of a request (PostgreSQL refuses NUL).

The gateway refuses them field by field (422); this is the services' own defence for callers
that reach them directly. Tabs and line breaks pass: free text such as a description may hold them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from svckit.errors import InvalidArgument

CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 controls but tab, line feed and carriage return; DEL; C1 controls."""


def fields_with_control_characters(message: Message) -> list[str]:
    """The paths (`movie.description`, `values[1]`) of every string holding a control character."""
    return list(_search(message, ""))


def control_character_error(message: object) -> InvalidArgument | None:
    """The error a request with control characters in its strings is refused with, if it has any
    (a request that is not a protobuf message, such as raw bytes, has no strings to look at)."""
    if not isinstance(message, Message):
        return None
    fields = fields_with_control_characters(message)
    if not fields:
        return None
    return InvalidArgument(
        f"{fields[0]}: control characters are not allowed",
        code="validation_error",
        details={"fields": fields},
    )


def _search(message: Message, prefix: str) -> Iterator[str]:
    for field, value in message.ListFields():
        path = prefix + field.name
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            for key, item in value.items():
                item_path = f"{path}[{_shown(key)}]"
                if _has_control(key):
                    yield item_path
                yield from _search_value(value_field, item, item_path)
        elif field.is_repeated:
            for index, item in enumerate(value):
                yield from _search_value(field, item, f"{path}[{index}]")
        else:
            yield from _search_value(field, value, path)


def _search_value(field: FieldDescriptor, value: object, path: str) -> Iterator[str]:
    if field.type == FieldDescriptor.TYPE_MESSAGE and isinstance(value, Message):
        yield from _search(value, path + ".")
    elif field.type == FieldDescriptor.TYPE_STRING and _has_control(value):
        yield path


def _has_control(value: object) -> bool:
    return isinstance(value, str) and CONTROL_CHARACTER.search(value) is not None


def _shown(key: object) -> str:
    """A map key as it appears in a path, its control characters escaped."""
    text = str(key)
    return CONTROL_CHARACTER.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
