"""deploy/observability/: the dashboard, alert rules and Prometheus config agree with the code."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from deploy.stack import PROCESSES
from tests.conftest import RunningStack
from tests.deploy.code_facts import ROOT, host_name, metrics_port
from tests.deploy.test_compose import TEST_SECRET, base_env, run_docker_compose
from tests.e2e.test_bookings import hold, make_show
from tests.helpers import admin_token, bearer, new_user_token

OBSERVABILITY = ROOT / "deploy" / "observability"
DASHBOARD = OBSERVABILITY / "grafana" / "dashboards" / "cinema-hall.json"
PROVISIONING = OBSERVABILITY / "grafana" / "provisioning"
ALERTS = OBSERVABILITY / "prometheus" / "alerts.yml"
PROMETHEUS_CONFIG = OBSERVABILITY / "prometheus" / "prometheus.yml"
PROFILE = "observability"
MADE_BY_PROMETHEUS = frozenset({"up"})
"""Series Prometheus writes itself about each scrape, never found in a process's exposition."""
PROMQL_WORDS = frozenset({"and", "or", "unless", "bool", "offset"})
DASHBOARD_ROWS = (
    "Processes",
    "Gateway: HTTP per route",
    "gRPC services: per method",
    "Bookings: holds and conflicts",
    "Outbox: backlog and relay lag",
    "Kafka consumers and the live seat map",
)
ALERT_METRICS = {
    "ExpiryLagHigh": "booking_expiry_lag_seconds_bucket",
    "OutboxBacklogGrowing": "outbox_backlog",
    "ConsumerLagHigh": "kafka_consumer_lag",
    "GatewayServerErrors": "http_requests_total",
    "ProcessDown": "up",
}


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression reads (not functions, labels, keywords or ranges)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    found = re.findall(r"(?<![\w:.])([A-Za-z_:][\w:]*)\b(?!\s*\()", expr)
    return set(found) - PROMQL_WORDS


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    loaded = json.loads(DASHBOARD.read_text())
    assert isinstance(loaded, dict)
    return loaded


def dashboard_queries(dashboard: dict[str, Any]) -> list[str]:
    return [
        target["expr"]
        for panel in dashboard["panels"]
        if panel["type"] != "row"
        for target in panel["targets"]
    ]


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml(ALERTS)["groups"] for rule in group["rules"]]


def test_the_dashboard_has_a_row_per_concern_and_queries_the_provisioned_prometheus(
    dashboard: dict[str, Any],
) -> None:
    rows = [panel["title"] for panel in dashboard["panels"] if panel["type"] == "row"]
    assert tuple(rows) == DASHBOARD_ROWS
    source = load_yaml(PROVISIONING / "datasources" / "datasources.yml")["datasources"][0]
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["targets"], panel["title"]
            assert panel["datasource"] == {"type": source["type"], "uid": source["uid"]}
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_metric_names_are_read_from_promql() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (route, le) (rate(a_bucket{status=~"5.."}[5m])))'
        " / ignoring (le) b_total > 2 and up == 0"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "up"}


def test_the_alert_rules_cover_what_hurts_customers() -> None:
    rules = {rule["alert"]: rule for rule in alert_rules()}
    assert rules.keys() == ALERT_METRICS.keys()
    for name, metric in ALERT_METRICS.items():
        rule = rules[name]
        assert metric in metric_names(rule["expr"]), name
        assert re.fullmatch(r"\d+[smh]", rule["for"]), name
        assert rule["labels"]["severity"]
        assert rule["annotations"]["summary"]
        assert rule["annotations"]["description"]
    assert rules["ExpiryLagHigh"]["expr"].startswith("histogram_quantile(0.99,")
    assert rules["ExpiryLagHigh"]["expr"].endswith("> 2")
    assert rules["ConsumerLagHigh"]["expr"].endswith("> 1000")
    assert rules["GatewayServerErrors"]["expr"].endswith("> 0.01")
    assert rules["OutboxBacklogGrowing"]["for"] == "1m"
    assert rules["ProcessDown"]["expr"] == "up == 0"


def test_the_rule_file_is_a_prometheus_rule_file() -> None:
    """A schema check that needs no promtool: groups of named rules, each alert or record."""
    groups = load_yaml(ALERTS)["groups"]
    names = [group["name"] for group in groups]
    assert len(names) == len(set(names))
    for rule in (rule for group in groups for rule in group["rules"]):
        assert set(rule) <= {"alert", "record", "expr", "for", "labels", "annotations"}
        assert ("alert" in rule) != ("record" in rule)
        assert isinstance(rule["expr"], str)
        assert rule["expr"].strip()
        for mapping in (rule.get("labels", {}), rule.get("annotations", {})):
            assert all(isinstance(v, str) for v in mapping.values())


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.skip("promtool is missing (Debian package prometheus); the schema check stands")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60, check=False)


def test_promtool_accepts_the_rules() -> None:
    result = promtool("check", "rules", str(ALERTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_prometheus_config_and_its_rule_file() -> None:
    result = promtool("check", "config", str(PROMETHEUS_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_scrapes_every_process_on_its_metrics_port() -> None:
    jobs = {
        job["job_name"]: [t for c in job["static_configs"] for t in c["targets"]]
        for job in load_yaml(PROMETHEUS_CONFIG)["scrape_configs"]
    }
    assert jobs == {host_name(p): [f"{host_name(p)}:{metrics_port(p)}"] for p in PROCESSES}


@pytest.fixture(scope="module")
def compose_services() -> dict[str, Any]:
    services = load_yaml(ROOT / "docker-compose.yml")["services"]
    assert isinstance(services, dict)
    return services


def test_only_the_observability_services_have_a_profile(
    compose_services: dict[str, Any],
) -> None:
    profiled = {name for name, s in compose_services.items() if "profiles" in s}
    assert profiled == {"prometheus", "grafana", "jaeger"}
    assert all(compose_services[name]["profiles"] == [PROFILE] for name in profiled)
    jaeger = compose_services["jaeger"]
    assert jaeger["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"
    assert {"4317", "4318"} <= set(jaeger["expose"])


def test_observability_services_mount_files_that_exist(compose_services: dict[str, Any]) -> None:
    for name in ("prometheus", "grafana"):
        for volume in compose_services[name]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).is_dir(), f"{name} mounts {source}"


@pytest.mark.parametrize("profile", [(), ("--profile", PROFILE)], ids=["default", PROFILE])
def test_docker_compose_accepts_the_file_with_and_without_the_profile(
    tmp_path: Path, profile: tuple[str, ...]
) -> None:
    env = base_env() | {"JWT_SECRET": TEST_SECRET}
    result = run_docker_compose(*profile, "config", "-q", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def scraped_names(running_stack: RunningStack) -> set[str]:
    """Every sample name the stack's processes expose on their metrics ports."""
    names: set[str] = set()
    for setting, port in running_stack.env.items():
        if setting.endswith("_METRICS_PORT"):
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10.0).text
            names |= {s.name for f in text_string_to_metric_families(text) for s in f.samples}
    return names


@pytest.fixture
def after_a_hold(running_stack: RunningStack) -> None:
    """A hold and a refused one, so labelled series (routes, methods, relay, consumers) exist."""
    with httpx.Client(base_url=running_stack.base_url, timeout=30.0) as api:
        show = make_show(api, bearer(admin_token(api)))
        buyer = bearer(new_user_token(api))
        assert hold(api, buyer, show.session_id, show.seat_ids[:1]).status_code == 201
        assert hold(api, buyer, show.session_id, show.seat_ids[:1]).status_code == 409


@pytest.mark.usefixtures("after_a_hold")
def test_every_metric_the_dashboard_and_alerts_query_is_exposed(
    running_stack: RunningStack, dashboard: dict[str, Any]
) -> None:
    queries = dashboard_queries(dashboard) + [rule["expr"] for rule in alert_rules()]
    wanted = set().union(*map(metric_names, queries)) - MADE_BY_PROMETHEUS
    deadline = time.monotonic() + 30.0
    while (missing := wanted - scraped_names(running_stack)) and time.monotonic() < deadline:
        time.sleep(1.0)
    assert not missing, f"no process exposes {sorted(missing)}"
