"""/asyncapi.json: an AsyncAPI 3 document of the live feed and the Kafka topics, generated from
the code and valid against the official AsyncAPI 3.0.0 JSON schema (npm @asyncapi/specs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cinemapb.events.v1 import events_pb2
from gateway.asyncapi import name_of
from gateway.live.protocol import change
from svckit.vocabulary import EVENT_TYPE_OF_TOPIC, MESSAGE_OF_TOPIC, TOPIC_PARTITIONS, Topic

ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI_SCHEMA = ROOT / "node_modules" / "@asyncapi" / "specs" / "schemas" / "3.0.0.json"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def check(schema: Path, instance: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--schemafile", str(schema), str(instance)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
async def document(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/asyncapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_the_document_is_valid_asyncapi_3(document: dict[str, Any], tmp_path: Path) -> None:
    if not ASYNCAPI_SCHEMA.exists():
        pytest.fail(f"{ASYNCAPI_SCHEMA} is missing: `make test` installs it (npm ci)")
    assert document["asyncapi"] == "3.0.0"
    written = tmp_path / "asyncapi.json"
    written.write_text(json.dumps(document))

    result = check(ASYNCAPI_SCHEMA, written)
    assert result.returncode == 0, result.stdout + result.stderr

    document["operations"]["sendSeatMap"]["action"] = "publish"
    written.write_text(json.dumps(document))
    assert check(ASYNCAPI_SCHEMA, written).returncode == 1, "the check must be able to fail"


def test_every_topic_is_a_channel_with_its_protobuf_message(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for topic in Topic:
        channel = document["channels"][name_of(topic)]
        assert channel["address"] == topic
        assert channel["bindings"]["kafka"]["partitions"] == TOPIC_PARTITIONS[topic]
        message = document["components"]["messages"][name_of(topic)]
        assert message["headers"]["properties"]["ce_type"]["const"] == EVENT_TYPE_OF_TOPIC[topic]
        descriptor = MESSAGE_OF_TOPIC[topic].DESCRIPTOR
        assert message["payload"] == {"$ref": f"#/components/schemas/{descriptor.full_name}"}
        properties = schemas[descriptor.full_name]["properties"]
        assert set(properties) == {field.json_name for field in descriptor.fields}
    booking = schemas["cinemapb.events.v1.BookingEvent"]["properties"]
    assert booking["seatIds"] == {
        "type": "array",
        "items": {"type": "string", "pattern": "^-?[0-9]+$", "format": "int64"},
    }
    assert booking["seats"]["items"] == {
        "$ref": "#/components/schemas/cinemapb.booking.v1.BookedSeat"
    }
    assert "BOOKING_STATUS_CONFIRMED" in booking["status"]["enum"]
    assert booking["time"] == {"type": "string", "format": "date-time"}


def test_a_live_change_as_sent_matches_the_documented_schema(
    document: dict[str, Any], tmp_path: Path
) -> None:
    event = events_pb2.BookingEvent(
        session_id=7, seat_ids=[5, 6], seat_map_version=42, reason=events_pb2.CANCEL_REASON_EXPIRED
    )
    sent = tmp_path / "change.json"
    sent.write_text(change(Topic.BOOKING_CANCELLED, event).text)
    schema = tmp_path / "change-schema.json"
    live = document["channels"]["liveSeatMap"]
    assert live["address"] == "/api/sessions/{session_id}/live"
    schema.write_text(
        json.dumps(
            {"$ref": "#/components/schemas/ChangeMessage", "components": document["components"]}
        )
    )
    assert check(schema, sent).returncode == 0

    sent.write_text(json.dumps(json.loads(sent.read_text()) | {"status": "sold"}))
    assert check(schema, sent).returncode == 1


def test_the_document_names_this_gateway_and_this_kafka(
    document: dict[str, Any], app: FastAPI
) -> None:
    settings = app.state.settings
    gateway = document["servers"]["gateway"]
    assert (gateway["host"], gateway["protocol"]) == ("gateway", "ws")
    assert document["servers"]["kafka"]["host"] == settings.kafka_bootstrap_servers


def test_the_openapi_description_links_the_asyncapi_document(app: FastAPI) -> None:
    assert "(/asyncapi.json)" in app.openapi()["info"]["description"]
