"""Print every record of a topic as one JSON line: `python -m deploy.consume <topic>`.

Values of booking.* topics are decoded as BookingEvent, cinema.session-changed as
SessionChanged, user.changed as UserChanged, ticket.checked-in as TicketCheckedIn, payment.* as
PaymentEvent; other topics print the value as text. Ctrl-C stops.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import uuid
from types import FrameType

from confluent_kafka import Message
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import DecodeError

from deploy import kafka_broker
from svckit.kafka import headers_dict, make_consumer
from svckit.vocabulary import MESSAGE_OF_TOPIC, Topic


def _decode_value(topic: str, value: bytes | None) -> object:
    if value is None:
        return None
    message_type = MESSAGE_OF_TOPIC.get(Topic(topic)) if topic in set(Topic) else None
    if message_type is None:
        return value.decode(errors="replace")
    try:
        return MessageToDict(message_type.FromString(value))
    except DecodeError as exc:
        return {"undecodable": str(exc), "hex": value.hex()}


def record_json(msg: Message) -> str:
    """One consumed record as a JSON line."""
    topic = msg.topic() or ""
    key = msg.key()
    return json.dumps(
        {
            "topic": topic,
            "partition": msg.partition(),
            "offset": msg.offset(),
            "key": key.decode(errors="replace") if key is not None else None,
            "headers": headers_dict(msg),
            "value": _decode_value(topic, msg.value()),
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.consume", description=__doc__)
    parser.add_argument("topic")
    topic = parser.parse_args(argv).topic
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or kafka_broker.bootstrap()
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    consumer = make_consumer(bootstrap, f"consume-{uuid.uuid4()}")
    consumer.subscribe([topic])
    try:
        while not stopping:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error() is not None:
                print(f"error: {msg.error()}", file=sys.stderr, flush=True)
                continue
            print(record_json(msg), flush=True)
    finally:
        consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
