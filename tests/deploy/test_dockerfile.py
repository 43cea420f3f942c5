"""deploy/Dockerfile and .dockerignore, read as text (no Docker engine here)."""

from __future__ import annotations

import ast
import fnmatch
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from deploy.stack import PROCESSES
from tests.deploy.code_facts import IMAGE_UID, ROOT, default_port

DOCKERFILE = ROOT / "deploy" / "Dockerfile"
RUNTIME_PACKAGES = ("svckit", *PROCESSES)
GENERATED = "cinemapb"
"""Left out of the build context and generated in the build stage."""


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, args = line.strip().partition(" ")
            found.append((keyword.upper(), " ".join(args.split())))
    return found


def parse_stages() -> list[Stage]:
    """The stages in order, with global ARG defaults substituted in their base images."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for keyword, args in instructions(DOCKERFILE.read_text()):
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            stages.append(Stage(re.sub(r"\$\{(\w+)\}", lambda m: global_args[m[1]], base), name))
        elif stages:
            stages[-1].instructions.append((keyword, args))
        elif keyword == "ARG":
            name, _, default = args.partition("=")
            global_args[name] = default
    return stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_stages()


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str) -> bool:
    return any(
        fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative.split("/")[0], pattern)
        for pattern in dockerignore_patterns()
    )


def test_the_image_builds_in_one_stage_and_runs_from_a_fresh_slim_python(
    stages: list[Stage],
) -> None:
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    python = re.search(r">=(\d+\.\d+)", requires)
    assert python is not None
    assert [stage.name for stage in stages] == ["build", "runtime"]
    for stage in stages:
        assert stage.base == f"python:{python[1]}-slim"
    assert any("--from=build" in copy for copy in stages[1].arguments("COPY"))
    assert not any("pip install" in run or "uv " in run for run in stages[1].arguments("RUN"))


def test_protos_are_generated_from_locked_runtime_dependencies_in_the_build_stage(
    stages: list[Stage],
) -> None:
    build, runtime = stages
    runs = build.arguments("RUN")
    makefile_uv = re.search(r"^UV_VERSION := (\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert makefile_uv is not None
    assert f"UV_VERSION={makefile_uv[1]}" in build.arguments("ARG")
    assert any(re.search(r"pip install .*uv==\$\{UV_VERSION\}", run) for run in runs)
    sync = next(i for i, run in enumerate(runs) if "uv sync" in run)
    assert {"--frozen", "--no-dev"} <= set(shlex.split(runs[sync]))
    generate = next(i for i, run in enumerate(runs) if "tools/gen_protos.py" in run)
    assert sync < generate
    assert not any("gen_protos" in run for run in runtime.arguments("RUN"))


def test_the_runtime_runs_as_an_unprivileged_user_with_the_venv_on_its_path(
    stages: list[Stage],
) -> None:
    runtime = stages[-1]
    users = runtime.arguments("USER")
    assert users, "the runtime stage sets no USER"
    assert users[-1].split(":")[0] == str(IMAGE_UID)
    assert any(f"--uid {IMAGE_UID}" in run for run in runtime.arguments("RUN"))
    env = " ".join(runtime.arguments("ENV"))
    assert 'PATH="/app/.venv/bin:$PATH"' in env
    assert "PYTHONPATH=/app" in env


def test_the_image_exposes_every_process_port_and_runs_the_gateway_by_default(
    stages: list[Stage],
) -> None:
    runtime = stages[-1]
    exposed = {int(port) for args in runtime.arguments("EXPOSE") for port in args.split()}
    assert exposed == {default_port(process) for process in PROCESSES}
    assert runtime.arguments("CMD") == ['["python", "-m", "gateway"]']


def test_the_build_context_keeps_what_the_build_needs_and_drops_local_state() -> None:
    for needed in ("pyproject.toml", "uv.lock", "protos", "tools/gen_protos.py", *RUNTIME_PACKAGES):
        assert not ignored(needed), needed
    for local in (".venv", ".state", ".tools", ".git", "cinemapb", "test-artifacts", "tests"):
        assert ignored(local), local
    assert ignored("svckit/__pycache__/settings.cpython-311.pyc")


def top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_processes_import_nothing_the_build_context_leaves_out() -> None:
    local_modules = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {GENERATED}
    for package in RUNTIME_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            missing = {m for m in top_level_imports(path) & local_modules if ignored(m)}
            assert not missing, f"{path.relative_to(ROOT)} imports {missing}, not in the image"
