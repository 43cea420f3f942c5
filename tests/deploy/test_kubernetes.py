"""deploy/k8s/: valid Kubernetes objects (offline schemas), a complete kustomize layout, and
images, commands, ports, probes and settings that agree with the code."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from deploy.infra import TOPICS
from deploy.stack import PROCESSES, SERVICES
from gateway.routes.live import CLOSE_GRACE_SECONDS
from svckit.grpc_server import GRACE_SECONDS
from tests.deploy.code_facts import (
    IMAGE,
    IMAGE_UID,
    ROOT,
    addr_setting,
    command,
    default_port,
    gateway_get_status,
    host_name,
    metrics_port,
    needs_in_container,
    peers,
    reads,
    topics_created_by,
)

K8S = ROOT / "deploy" / "k8s"
JWT_SECRET_NAME = "cinema-hall-jwt"
"""The Secret holding JWT_SECRET: created by the operator, never in the manifests."""
BASE = K8S / "base"
KUSTOMIZATIONS = sorted(K8S.rglob("kustomization.yaml"))
VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
"""The oldest Kubernetes we support (native gRPC probes are GA since 1.27) and the newest."""
Doc = dict[str, Any]


def load_all(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def kustomization(path: Path) -> Doc:
    (doc,) = load_all(path)
    return doc


def resource_files(kustomization_file: Path) -> Iterator[Path]:
    """The manifest files a kustomization includes, following directories to their bases."""
    for entry in kustomization(kustomization_file).get("resources", []):
        target = (kustomization_file.parent / entry).resolve()
        if target.is_dir():
            yield from resource_files(target / "kustomization.yaml")
        else:
            yield target


@cache
def base_objects() -> tuple[Doc, ...]:
    """The base's objects, parsed once; tests only read them."""
    return tuple(
        doc for path in resource_files(BASE / "kustomization.yaml") for doc in load_all(path)
    )


def objects_of(kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in base_objects() if doc["kind"] == kind}


def container(deployment: Doc) -> Doc:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    assert isinstance(only, dict)
    return only


def deployment_of(process: str) -> Doc:
    return objects_of("Deployment")[host_name(process)]


def config_data() -> dict[str, str]:
    (config,) = objects_of("ConfigMap").values()
    return {k: str(v) for k, v in config["data"].items()}


def secret_data() -> dict[str, str]:
    (secret,) = objects_of("Secret").values()
    return {k: str(v) for k, v in secret["stringData"].items()}


def container_env(deployment: Doc) -> dict[str, str]:
    """Name -> value of what the container sees: ConfigMap keys, then its own env (which wins)."""
    env: dict[str, str] = {}
    config_name = next(iter(objects_of("ConfigMap")))
    for source in container(deployment).get("envFrom", []):
        assert source["configMapRef"]["name"] == config_name
        env |= config_data()
    secret_name = next(iter(objects_of("Secret")))
    for entry in container(deployment).get("env", []):
        if "value" in entry:
            env[entry["name"]] = str(entry["value"])
            continue
        ref = entry["valueFrom"]["secretKeyRef"]
        if ref["name"] == JWT_SECRET_NAME:
            env[entry["name"]] = f"<{JWT_SECRET_NAME}/{ref['key']}>"
            continue
        assert ref["name"] == secret_name
        if ref["key"] in secret_data():
            env[entry["name"]] = secret_data()[ref["key"]]
        else:
            assert ref.get("optional") is True, f"the Secret has no {ref['key']}"
    return env


def all_manifests() -> list[tuple[str, Doc]]:
    return [
        (f"{path.relative_to(K8S)}:{doc['kind']}/{doc['metadata']['name']}", doc)
        for kustomization_file in KUSTOMIZATIONS
        for path in resource_files(kustomization_file)
        for doc in load_all(path)
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_a_valid_kubernetes_object(version: str) -> None:
    manifests = all_manifests()
    assert len(manifests) > 10
    for where, doc in manifests:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            pytest.fail(f"{where} (Kubernetes {version}) at {path}: {error.message}")


def test_kustomize_layout_lists_every_file_and_every_listed_file_exists() -> None:
    used: set[Path] = set(KUSTOMIZATIONS) | {K8S / "README.md"}
    for kustomization_file in KUSTOMIZATIONS:
        doc = kustomization(kustomization_file)
        assert doc["kind"] == "Kustomization"
        for entry in doc.get("resources", []):
            target = (kustomization_file.parent / entry).resolve()
            assert target.exists(), f"{kustomization_file}: {entry} is missing"
            if target.is_dir():
                assert (target / "kustomization.yaml").exists()
        used |= set(resource_files(kustomization_file))
        for patch in doc.get("patches", []):
            target = (kustomization_file.parent / patch["path"]).resolve()
            assert target.exists(), f"{kustomization_file}: patch {patch['path']} is missing"
            used.add(target)
    unused = {p for p in K8S.rglob("*") if p.is_file()} - used
    assert not unused, f"files no kustomization uses: {sorted(map(str, unused))}"


def test_overlays_build_on_the_base_and_override_the_image() -> None:
    overlays = [k for k in KUSTOMIZATIONS if k.parent != BASE]
    assert overlays
    for overlay in overlays:
        doc = kustomization(overlay)
        assert BASE in {(overlay.parent / r).resolve() for r in doc["resources"]}
        assert [image["name"] for image in doc["images"]] == [IMAGE.split(":")[0]]


@pytest.mark.parametrize("target", [BASE, *(k.parent for k in KUSTOMIZATIONS if k.parent != BASE)])
def test_kustomize_renders_valid_objects(target: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (with its built-in kustomize) is not installed")
    rendered = subprocess.run(
        [kubectl, "kustomize", str(target)], capture_output=True, text=True, timeout=60, check=False
    )
    assert rendered.returncode == 0, rendered.stderr
    docs = [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]
    kinds = {doc["kind"] for doc in docs}
    assert {"Deployment", "Service", "ConfigMap", "Secret", "HorizontalPodAutoscaler"} <= kinds
    for doc in docs:
        kubernetes_validate.validate(doc, VERSIONS[-1], strict=True)


def test_every_process_has_a_deployment_and_a_service_and_nothing_else_does() -> None:
    names = {host_name(p) for p in PROCESSES}
    assert set(objects_of("Deployment")) == names
    assert set(objects_of("Service")) == names


@pytest.mark.parametrize("process", PROCESSES)
def test_deployments_run_the_one_image_with_the_process_command(process: str) -> None:
    app = container(deployment_of(process))
    assert app["image"] == IMAGE
    assert app["command"] == command(process)


def container_ports(deployment: Doc) -> dict[str, int]:
    """Port name -> container port."""
    return {p["name"]: p["containerPort"] for p in container(deployment)["ports"]}


def serving_port_name(process: str) -> str:
    return "http" if process == "gateway" else "grpc"


@pytest.mark.parametrize("process", PROCESSES)
def test_container_and_service_ports_are_the_code_defaults(process: str) -> None:
    deployment = deployment_of(process)
    port = default_port(process)
    name = serving_port_name(process)
    assert container_ports(deployment)[name] == port
    service = objects_of("Service")[host_name(process)]
    (service_port,) = service["spec"]["ports"]
    assert service_port["port"] == port
    assert service_port["targetPort"] in (port, name)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


@pytest.mark.parametrize("process", PROCESSES)
def test_pods_announce_their_metrics_port_to_prometheus(process: str) -> None:
    template = deployment_of(process)["spec"]["template"]
    port = metrics_port(process)
    assert template["metadata"]["annotations"] == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(port),
        "prometheus.io/path": "/metrics",
    }
    ports = container_ports(deployment_of(process))
    api_port = "http" if process == "gateway" else "grpc"
    assert ports == {api_port: default_port(process), "metrics": port}


@pytest.mark.parametrize("service", SERVICES)
def test_services_use_native_grpc_probes_on_their_port(service: str) -> None:
    app = container(deployment_of(service))
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert app[probe]["grpc"] == {"port": default_port(service)}


def test_the_gateway_is_ready_on_its_own_state_and_alive_while_it_accepts_connections() -> None:
    """Readiness asks the gateway alone (/readyz), not the services behind it (/healthz)."""
    app = container(deployment_of("gateway"))
    port = default_port("gateway")
    assert app["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
    assert gateway_get_status("/readyz") == 503, "not ready before its live feed is positioned"
    assert gateway_get_status("/no-such-probe") == 404
    assert app["livenessProbe"]["tcpSocket"] == {"port": port}
    assert app["startupProbe"]["tcpSocket"] == {"port": port}


@pytest.mark.parametrize("process", PROCESSES)
def test_every_setting_a_process_needs_in_a_container_is_given(process: str) -> None:
    given = container_env(deployment_of(process))
    missing = needs_in_container(process) - given.keys()
    assert not missing, f"{process} needs {sorted(missing)} in deploy/k8s"


@pytest.mark.parametrize("process", PROCESSES)
def test_deployments_set_only_settings_their_code_reads(process: str) -> None:
    own = {entry["name"] for entry in container(deployment_of(process)).get("env", [])}
    assert not own - reads(process)


def test_the_config_map_holds_only_settings_some_process_reads() -> None:
    known = frozenset().union(*(reads(p) for p in PROCESSES))
    assert not config_data().keys() - known


@pytest.mark.parametrize("process", PROCESSES)
def test_services_listen_on_all_interfaces_and_call_their_peers_by_service_name(
    process: str,
) -> None:
    env = container_env(deployment_of(process))
    if process in SERVICES:
        assert env[addr_setting(process)] == f"0.0.0.0:{default_port(process)}"
    for peer in peers(process):
        assert env[addr_setting(peer)] == f"dns:///{host_name(peer)}:{default_port(peer)}"
    if process == "gateway":
        assert env["GATEWAY_HOST"] == "0.0.0.0"
        assert int(env["GATEWAY_PORT"]) == default_port("gateway")


@pytest.mark.parametrize("process", PROCESSES)
def test_every_process_reads_the_jwt_secret_from_its_own_secret_with_no_default(
    process: str,
) -> None:
    (entry,) = [e for e in container(deployment_of(process))["env"] if e["name"] == "JWT_SECRET"]
    assert entry["valueFrom"]["secretKeyRef"] == {"name": JWT_SECRET_NAME, "key": "JWT_SECRET"}


def test_no_manifest_carries_a_jwt_secret() -> None:
    """The JWT secret is created by the operator (deploy/k8s/README.md), never kept here."""
    for where, doc in all_manifests():
        assert doc["metadata"]["name"] != JWT_SECRET_NAME, where
        for values in (doc.get("data"), doc.get("stringData")):
            assert "JWT_SECRET" not in (values or {}), where
        for spec in doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            for entry in spec.get("env", []):
                assert entry["name"] != "JWT_SECRET" or "value" not in entry, where
    text = "\n".join(path.read_text() for path in K8S.rglob("*.yaml"))
    assert not re.search(r"JWT_SECRET\s*[:=]\s*\S", text.replace("name: JWT_SECRET", ""))
    assert f"create secret generic {JWT_SECRET_NAME}" in (K8S / "README.md").read_text()


def test_secret_placeholders_cannot_be_deployed_as_they_are() -> None:
    database_urls = {k: v for k, v in secret_data().items() if k.endswith("_DATABASE_URL")}
    assert len(database_urls) == len(SERVICES)
    assert all("replace-me" in url for url in database_urls.values())


@pytest.mark.parametrize("process", PROCESSES)
def test_pods_run_as_the_image_user_with_a_read_only_root_and_bounded_resources(
    process: str,
) -> None:
    pod = deployment_of(process)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == IMAGE_UID
    assert pod["enableServiceLinks"] is False, "GATEWAY_PORT=tcp://... would break settings"
    assert pod["automountServiceAccountToken"] is False
    app = container(deployment_of(process))
    assert app["securityContext"]["readOnlyRootFilesystem"] is True
    assert app["securityContext"]["allowPrivilegeEscalation"] is False
    assert app["securityContext"]["capabilities"]["drop"] == ["ALL"]
    for bound in ("requests", "limits"):
        assert set(app["resources"][bound]) == {"cpu", "memory"}


def test_gateway_and_booking_autoscale_on_cpu_and_fix_no_replica_count() -> None:
    autoscalers = objects_of("HorizontalPodAutoscaler")
    assert set(autoscalers) == {"gateway", "booking-svc"}
    for name, hpa in autoscalers.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
        assert hpa["spec"]["minReplicas"] >= 2
        assert "replicas" not in objects_of("Deployment")[name]["spec"]


def test_every_deployment_has_a_disruption_budget_for_its_pods() -> None:
    budgets = objects_of("PodDisruptionBudget")
    for name, deployment in objects_of("Deployment").items():
        selector = budgets[name]["spec"]["selector"]["matchLabels"]
        assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


@pytest.mark.parametrize("process", PROCESSES)
def test_grpc_services_are_headless_so_callers_balance_over_every_pod(process: str) -> None:
    spec = objects_of("Service")[host_name(process)]["spec"]
    if process in SERVICES:
        assert spec["clusterIP"] == "None"
        assert "type" not in spec
    else:
        assert spec["type"] == "ClusterIP"
    assert not spec.get("publishNotReadyAddresses", False)


def pre_stop_seconds(process: str) -> int:
    """How long the container's preStop hook waits (a sleep) before SIGTERM."""
    hook = container(deployment_of(process))["lifecycle"]["preStop"]["exec"]["command"]
    found = re.fullmatch(r"import time; time\.sleep\((\d+)\)", hook[-1])
    assert hook[:2] == ["python", "-c"], hook
    assert found is not None, hook
    return int(found.group(1))


@pytest.mark.parametrize("process", PROCESSES)
def test_pods_leave_rotation_before_sigterm_and_have_time_to_drain(process: str) -> None:
    """preStop covers the time it takes to leave endpoints and DNS; the grace covers the drain."""
    waited = pre_stop_seconds(process)
    assert waited >= 5
    drain = CLOSE_GRACE_SECONDS if process == "gateway" else GRACE_SECONDS
    grace = deployment_of(process)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace >= waited + drain + 5


def test_disruption_budgets_and_autoscalers_keep_a_pod_serving_and_let_a_drain_proceed() -> None:
    autoscalers = objects_of("HorizontalPodAutoscaler")
    for name, deployment in objects_of("Deployment").items():
        spec = deployment["spec"]
        fewest = (
            autoscalers[name]["spec"]["minReplicas"] if name in autoscalers else spec["replicas"]
        )
        budget = objects_of("PodDisruptionBudget")[name]["spec"]
        assert budget == {"maxUnavailable": 1, "selector": spec["selector"]}
        assert fewest >= 2, f"{name}: one pod down must leave one serving"
        assert spec["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}


def test_the_topics_job_creates_the_topics_of_the_local_launcher() -> None:
    (job,) = objects_of("Job").values()
    spec = job["spec"]["template"]["spec"]
    (topics,) = spec["containers"]
    assert topics_created_by(topics["command"][-1]) == TOPICS
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert topics["image"] == compose["services"]["kafka"]["image"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert topics["securityContext"]["readOnlyRootFilesystem"] is True
    bootstrap = topics["env"][0]
    assert bootstrap["name"] == "KAFKA_BOOTSTRAP_SERVERS"
    assert bootstrap["valueFrom"]["configMapKeyRef"]["key"] in config_data()
