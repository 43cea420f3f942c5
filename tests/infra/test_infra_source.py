"""Which infrastructure the tests use: containers when asked or when Docker answers, else local."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.infrastructure import infra_source


def docker(answers: bool) -> tuple[list[str], Callable[[], bool]]:
    """A fake Docker probe that records whether it was asked."""
    asked: list[str] = []

    def probe() -> bool:
        asked.append("ping")
        return answers

    return asked, probe


@pytest.mark.parametrize("answers", [True, False])
def test_local_is_used_when_asked_for_without_asking_docker(answers: bool) -> None:
    asked, probe = docker(answers)
    assert infra_source({"CINEMA_TEST_INFRA": "local"}, probe) == "local"
    assert asked == []


@pytest.mark.parametrize("answers", [True, False])
def test_containers_are_used_when_asked_for_without_asking_docker(answers: bool) -> None:
    asked, probe = docker(answers)
    assert infra_source({"CINEMA_TEST_INFRA": "containers"}, probe) == "containers"
    assert asked == []


@pytest.mark.parametrize("setting", [{}, {"CINEMA_TEST_INFRA": ""}, {"CINEMA_TEST_INFRA": "auto"}])
def test_without_a_choice_containers_are_used_when_docker_answers(setting: dict[str, str]) -> None:
    assert infra_source(setting, lambda: True) == "containers"


@pytest.mark.parametrize("setting", [{}, {"CINEMA_TEST_INFRA": ""}, {"CINEMA_TEST_INFRA": "auto"}])
def test_without_a_choice_the_local_launcher_is_used_when_docker_does_not_answer(
    setting: dict[str, str],
) -> None:
    assert infra_source(setting, lambda: False) == "local"


def test_an_unknown_choice_is_refused() -> None:
    with pytest.raises(ValueError, match="CINEMA_TEST_INFRA"):
        infra_source({"CINEMA_TEST_INFRA": "docker"}, lambda: True)
