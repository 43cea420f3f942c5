"""The benchmark's reading of vegeta's answers, and the overload verdict built on it."""

from __future__ import annotations

from bench import overload
from bench.loadgen import Answer, Load, Target, _parsed

CSV = (
    "1795717189747214576,200,7648093,0,0,,,,0,GET,http://h/api/sessions/1/seats,\n"
    "1795717189747301028,503,1000000,0,0,,,,1,GET,http://h/api/sessions/1/seats,\n"
    "1795717189747301029,0,30000000000,0,0,"
    '"Get ""http://h"": dial tcp: connection refused",,,2,POST,http://h/api/bookings,\n'
)


def test_vegeta_csv_becomes_answers_with_milliseconds() -> None:
    load = _parsed(CSV, seconds=2.0)

    assert [(a.code, a.latency_ms) for a in load.answers] == [
        (200, 7.648093),
        (503, 1.0),
        (0, 30000.0),
    ]
    assert load.answers[2].error.startswith('Get "http://h"')
    assert load.answers[2].target == "POST http://h/api/bookings"
    assert load.socket_errors() == 1
    assert load.figures([200])["requests_per_second"] == 0.5
    assert load.figures()["requests"] == 3


def test_target_line_carries_headers_and_base64_body() -> None:
    line = Target("POST", "http://h/x", {"A": "b"}, b"{}").line()

    assert line == '{"method": "POST", "url": "http://h/x", "header": {"A": ["b"]}, "body": "e30="}'


def answers(*codes_and_ms: tuple[int, float]) -> Load:
    return Load(10.0, [Answer(code, ms, "", "GET http://h/") for code, ms in codes_and_ms])


def test_overload_is_met_only_without_socket_errors_5xx_or_slow_admitted_answers() -> None:
    fast = answers((200, 100.0), (201, 200.0), (503, 2.0))
    assert overload._figures(fast, clients=3, doubles=0)["target_met"]

    slow = answers((200, 100.0), (200, 900.0), (503, 2.0))
    assert not overload._figures(slow, clients=3, doubles=0)["target_met"]

    failing = answers((200, 100.0), (500, 5.0))
    figures = overload._figures(failing, clients=2, doubles=0)
    assert figures["server_errors_other_than_503"] == 1
    assert not figures["target_met"]

    refused = answers((200, 100.0), (0, 5.0))
    assert not overload._figures(refused, clients=2, doubles=0)["target_met"]


def test_overload_reports_admitted_holds_and_seat_maps_apart() -> None:
    load = Load(
        10.0,
        [
            Answer(201, 900.0, "", "POST http://h/api/bookings"),
            Answer(409, 700.0, "", "POST http://h/api/bookings"),
            Answer(503, 1.0, "", "POST http://h/api/bookings"),
            Answer(200, 50.0, "", "GET http://h/api/sessions/1/seats"),
        ],
    )

    figures = overload._figures(load, clients=4, doubles=0)

    assert figures["admitted_holds"]["requests"] == 2
    assert figures["admitted_holds"]["latency_ms"]["max"] == 900.0
    assert figures["admitted_seat_maps"]["requests"] == 1
    assert figures["admitted_seat_maps"]["latency_ms"]["max"] == 50.0
