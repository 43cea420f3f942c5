"""`listener_pid` finds the process listening on a port, even one whose files come and go."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from deploy._proc import listener_pid


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


def test_the_listening_process_is_found(listening_port: int) -> None:
    assert listener_pid(listening_port) == os.getpid()


def test_a_file_closed_during_the_lookup_does_not_hide_the_process(
    listening_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_readlink = os.readlink
    own_files = f"/proc/{os.getpid()}/fd/"
    vanished: list[str] = []

    def one_file_just_closed(path: os.PathLike[str] | str) -> str:
        link = real_readlink(path)
        if str(path).startswith(own_files) and not link.startswith("socket:") and not vanished:
            vanished.append(str(path))
            raise FileNotFoundError(path)
        return link

    monkeypatch.setattr(os, "readlink", one_file_just_closed)

    assert listener_pid(listening_port) == os.getpid()
    assert vanished, "the lookup met no file to lose"


def test_a_port_nobody_listens_on_has_no_pid() -> None:
    with socket.socket() as unbound:
        unbound.bind(("127.0.0.1", 0))
        port = unbound.getsockname()[1]
    assert listener_pid(port) is None
