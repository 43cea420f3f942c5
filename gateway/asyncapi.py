"""The AsyncAPI 3 document of the live seat-map feed and the Kafka topics, built from the code.

Nothing here is kept by hand: the WebSocket messages are the live feed's pydantic models
(gateway/live/protocol.py), the Kafka record values are the protobuf descriptors of
`svckit.vocabulary.MESSAGE_OF_TOPIC`, and topics, event types, keys and partitions come from
svckit/vocabulary.py. Served at /asyncapi.json (gateway/routes/docs.py).
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from gateway.live.protocol import ChangeMessage, CloseCode, SnapshotMessage
from gateway.protobuf_schema import message_schemas
from svckit.kafka import CONTENT_TYPE
from svckit.vocabulary import (
    EVENT_TYPE_OF_TOPIC,
    KEY_OF_TOPIC,
    MESSAGE_OF_TOPIC,
    TOPIC_PARTITIONS,
    Topic,
)

Document = dict[str, Any]

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
SCHEMAS = "#/components/schemas/"
LIVE_ADDRESS = "/api/sessions/{session_id}/live"
CLOUDEVENTS_HEADERS = {
    "ce_id": "the event's id: consumers drop a repeat of one they have seen",
    "ce_type": "what happened (one event type a topic)",
    "ce_source": "the service that wrote the event",
    "ce_specversion": "CloudEvents 1.0",
    "ce_time": "when the change committed, RFC 3339",
    "ce_traceparent": "the W3C trace context of the change, when it was traced",
    "content-type": f"{CONTENT_TYPE}: the value is the protobuf message, binary",
}
"""The CloudEvents Kafka binary-mode headers every record carries (svckit/kafka.py)."""


def name_of(topic: Topic) -> str:
    """A component name for a topic: booking.created -> bookingCreated."""
    pascal = topic.name.title().replace("_", "")
    return pascal[0].lower() + pascal[1:]


def asyncapi_document(
    *, title: str, version: str, live_host: str, secure: bool, kafka_hosts: str, topic_prefix: str
) -> Document:
    """The document for a gateway reached at `live_host` and a Kafka at `kafka_hosts`."""
    live_schemas = _live_schemas()
    record_schemas = message_schemas(MESSAGE_OF_TOPIC.values(), SCHEMAS)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": f"{title}: live seat map and events",
            "version": version,
            "description": (
                "The WebSocket feed of a session's seat map (a snapshot, then every change) "
                "and the Kafka topics every change of a booking, a session or a user is "
                "published to. Generated from the code: the live feed's models and the "
                "protobuf messages. The REST API is described at /openapi.json (/docs)."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "gateway": {
                "host": live_host,
                "protocol": "wss" if secure else "ws",
                "description": "the REST gateway; its live feed needs no token",
            },
            "kafka": {
                "host": kafka_hosts,
                "protocol": "kafka",
                "description": "the event bus between the services (not for browsers)",
            },
        },
        "channels": {"liveSeatMap": _live_channel(), **_topic_channels(topic_prefix)},
        "operations": {
            "sendSeatMap": {
                "action": "send",
                "summary": "The gateway sends a session's seat map, then every change",
                "channel": {"$ref": "#/channels/liveSeatMap"},
                "messages": [
                    {"$ref": "#/channels/liveSeatMap/messages/snapshot"},
                    {"$ref": "#/channels/liveSeatMap/messages/change"},
                ],
            },
            **{
                "publish" + topic.name.title().replace("_", ""): {
                    "action": "send",
                    "summary": f"A {EVENT_TYPE_OF_TOPIC[topic]} event, through the outbox",
                    "channel": {"$ref": f"#/channels/{name_of(topic)}"},
                    "messages": [{"$ref": f"#/channels/{name_of(topic)}/messages/record"}],
                }
                for topic in Topic
            },
        },
        "components": {
            "schemas": {**live_schemas, **record_schemas},
            "messages": {
                "seatMapSnapshot": {
                    "name": "snapshot",
                    "title": "Seat map snapshot",
                    "contentType": "application/json",
                    "payload": {"$ref": SCHEMAS + SnapshotMessage.__name__},
                },
                "seatMapChange": {
                    "name": "change",
                    "title": "Seat map change",
                    "contentType": "application/json",
                    "payload": {"$ref": SCHEMAS + ChangeMessage.__name__},
                },
                **{name_of(topic): _record_message(topic) for topic in Topic},
            },
        },
    }


def _live_schemas() -> dict[str, Any]:
    _, top = models_json_schema(
        [(SnapshotMessage, "serialization"), (ChangeMessage, "serialization")],
        ref_template=SCHEMAS + "{model}",
    )
    schemas: dict[str, Any] = top["$defs"]
    return schemas


def _live_channel() -> Document:
    closes = "; ".join(f"{code.value} {code.name.lower()}" for code in CloseCode)
    return {
        "address": LIVE_ADDRESS,
        "title": "Live seat map",
        "description": (
            "JSON text frames. The first is a snapshot; then a change for every booking event "
            "of the session. Apply a change only when its version is greater than the one you "
            "have; take any later snapshot as the new truth. The server closes with: "
            f"{closes}."
        ),
        "servers": [{"$ref": "#/servers/gateway"}],
        "parameters": {"session_id": {"description": "the session's id"}},
        "messages": {
            "snapshot": {"$ref": "#/components/messages/seatMapSnapshot"},
            "change": {"$ref": "#/components/messages/seatMapChange"},
        },
    }


def _topic_channels(topic_prefix: str) -> Document:
    return {
        name_of(topic): {
            "address": topic_prefix + topic,
            "title": str(topic),
            "description": f"Keyed by {KEY_OF_TOPIC[topic]}, so one key's records stay in order.",
            "servers": [{"$ref": "#/servers/kafka"}],
            "messages": {"record": {"$ref": f"#/components/messages/{name_of(topic)}"}},
            "bindings": {
                "kafka": {
                    "topic": topic_prefix + topic,
                    "partitions": TOPIC_PARTITIONS[topic],
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
        }
        for topic in Topic
    }


def _record_message(topic: Topic) -> Document:
    message = MESSAGE_OF_TOPIC[topic].DESCRIPTOR
    return {
        "name": message.name,
        "title": f"{topic} record",
        "summary": f"CloudEvents type {EVENT_TYPE_OF_TOPIC[topic]}",
        "description": (
            f"The value is a `{message.full_name}` protobuf message (binary); its schema here is "
            "the message's proto3 JSON mapping, as `make consume` prints it."
        ),
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "properties": {
                name: {"type": "string", "description": meaning}
                for name, meaning in CLOUDEVENTS_HEADERS.items()
            }
            | {
                "ce_type": {
                    "type": "string",
                    "const": str(EVENT_TYPE_OF_TOPIC[topic]),
                    "description": CLOUDEVENTS_HEADERS["ce_type"],
                }
            },
            "required": ["ce_id", "ce_type", "ce_source", "ce_specversion", "ce_time"],
        },
        "payload": {"$ref": SCHEMAS + message.full_name},
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "pattern": "^[0-9]+$",
                    "description": f"the {KEY_OF_TOPIC[topic]}, as decimal text",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }
