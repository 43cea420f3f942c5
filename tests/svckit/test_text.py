"""Services refuse control characters in any string of a request, however deeply nested."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import struct_pb2

from cinemapb.movie.v1 import movie_pb2
from cinemapb.user.v1 import user_pb2
from svckit.errors import InvalidArgument
from svckit.text import control_character_error, fields_with_control_characters


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f"])
def test_a_control_character_in_a_string_field_is_invalid_argument(control: str) -> None:
    request = user_pb2.LoginRequest(email=f"ada{control}@example.com", password="secret")
    error = control_character_error(request)
    assert isinstance(error, InvalidArgument)
    assert error.status == grpc.StatusCode.INVALID_ARGUMENT
    assert error.code == "validation_error"
    assert error.details == {"fields": ["email"]}
    assert "email" in error.message


def test_fields_of_nested_messages_are_named_by_their_path() -> None:
    movie = movie_pb2.MovieInput(title="Arrival", description="Linguists\x00", age_rating="PG")
    request = movie_pb2.UpdateMovieRequest(id=5, movie=movie)
    assert fields_with_control_characters(request) == ["movie.description"]


def test_repeated_strings_and_maps_are_searched() -> None:
    value = struct_pb2.Struct()
    value.update({"ok": "fine", "bad\x00key": "x", "nested": {"deep": "a\x01b"}})
    found = fields_with_control_characters(value)
    assert sorted(found) == [
        "fields[bad\\x00key]",
        "fields[nested].struct_value.fields[deep].string_value",
    ]
    listed = struct_pb2.ListValue()
    listed.extend(["a", "b\x02"])
    assert fields_with_control_characters(listed) == ["values[1].string_value"]


def test_tabs_and_line_breaks_and_ordinary_unicode_pass() -> None:
    movie = movie_pb2.MovieInput(title="Amélie ☃ 東京", description="one\n\ttwo\r\n")
    assert control_character_error(movie_pb2.CreateMovieRequest(movie=movie)) is None
    assert control_character_error(user_pb2.GetUserRequest(id=1)) is None


def test_a_request_that_is_not_a_message_has_nothing_to_refuse() -> None:
    assert control_character_error(b"raw\x00bytes") is None
