""".github/workflows/ci.yml: a valid GitHub workflow that runs `.ci/run`, checked offline.

The GitHub workflow schema comes vendored in check-jsonschema (schemastore's copy), so the
check needs no network; GitHub itself cannot be reached from here.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import yaml

from tests.deploy.code_facts import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def job() -> dict[str, Any]:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    assert len(jobs) == 1
    (only,) = jobs.values()
    assert isinstance(only, dict)
    return only


def step_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if str(step.get("uses", "")).startswith(f"{action}@")]


@pytest.mark.parametrize(
    "schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"]
)
def test_the_workflow_matches_the_github_workflow_schema(schema: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_runs_the_ci_script_as_root_on_ubuntu(job: dict[str, Any]) -> None:
    assert job["runs-on"] == "ubuntu-latest"
    runs = [str(step["run"]) for step in job["steps"] if "run" in step]
    (ci,) = [run for run in runs if ".ci/run" in run]
    assert ci.startswith("sudo ")
    assert "bash .ci/run" in ci
    assert (ROOT / ".ci" / "run").is_file()
    assert job["timeout-minutes"] <= 90, "the same budget as CI has elsewhere"


def test_it_checks_out_the_code_before_anything_else(job: dict[str, Any]) -> None:
    assert str(job["steps"][0]["uses"]).startswith("actions/checkout@")


def test_every_action_is_pinned_to_a_version(job: dict[str, Any]) -> None:
    for step in job["steps"]:
        if "uses" in step:
            name, _, version = str(step["uses"]).partition("@")
            assert version, f"{name} has no version"


def test_uv_and_maven_downloads_are_cached(job: dict[str, Any]) -> None:
    cached = {str(step["with"]["path"]) for step in step_using(job, "actions/cache")}
    assert cached == {"~/.cache/uv", "~/.m2/repository"}


def test_test_artifacts_and_benchmark_results_are_uploaded_even_on_failure(
    job: dict[str, Any],
) -> None:
    (upload,) = step_using(job, "actions/upload-artifact")
    assert upload["if"] == "always()"
    assert set(upload["with"]["path"].split()) == {"test-artifacts/", "bench/results/"}
