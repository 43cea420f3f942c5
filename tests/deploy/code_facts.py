"""What the code says about its processes: packages, ports and settings, read without running it.

The deployment tests compare docker-compose.yml, deploy/Dockerfile and deploy/k8s/ with these.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from deploy.stack import SERVICES
from svckit.tracing import ENDPOINT_VARIABLE

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "cinema-hall:latest"
IMAGE_UID = 10001
CONTRACT_SETTINGS = frozenset(
    {
        "GATEWAY_HOST",
        "GATEWAY_PORT",
        "BOOKING_HOLD_SECONDS",
        "BOOKING_MAX_SEATS",
        "ADMIN_EMAIL",
        "ADMIN_PASSWORD",
        "KAFKA_BOOTSTRAP_SERVERS",
        "USER_DATABASE_URL",
        "MOVIE_DATABASE_URL",
        "CINEMA_DATABASE_URL",
        "BOOKING_DATABASE_URL",
    }
)
"""The settings table of the README."""
LOCAL_ONLY = ("127.0.0.1", "localhost")
SECRET_WORDS = ("secret", "password", "key")


def command(process: str) -> list[str]:
    return ["python", "-m", process]


def host_name(process: str) -> str:
    """The DNS name of a process in compose and Kubernetes: user_svc -> user-svc."""
    return process.replace("_", "-")


def addr_setting(service: str) -> str:
    """The setting holding where a gRPC service is: user_svc -> USER_SVC_ADDR."""
    return f"{service.upper()}_ADDR"


def default_port(process: str) -> int:
    """The port the code listens on by default: from its own *_SVC_ADDR or GATEWAY_PORT default."""
    if process == "gateway":
        port = settings_defaults("gateway")["GATEWAY_PORT"]
        assert isinstance(port, int)
        return port
    addr = settings_defaults(process)[addr_setting(process)]
    assert isinstance(addr, str)
    return int(addr.rsplit(":", 1)[1])


def metrics_port(process: str) -> int:
    """Where the code serves Prometheus metrics by default: a port of its own, not the API's."""
    port = settings_defaults(process)[f"{process.upper()}_METRICS_PORT"]
    assert isinstance(port, int)
    return port


def gateway_get_status(path: str) -> int:
    """What the gateway answers GET `path` with, in this process, before its lifespan ran."""
    import asyncio

    import httpx

    from gateway.app import create_app
    from gateway.settings import GatewaySettings

    app = create_app(GatewaySettings(jwt_secret=SecretStr("deployment-tests-" + "x" * 32)))

    async def get() -> int:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            return (await client.get(path)).status_code

    return asyncio.run(get())


def peers(process: str) -> frozenset[str]:
    """The services a process calls: those whose *_SVC_ADDR it reads, but for itself."""
    return frozenset(s for s in SERVICES if s != process and addr_setting(s) in reads(process))


def settings_classes(package: str) -> list[type[BaseSettings]]:
    """Every pydantic-settings class defined in a process's package (migrations left out)."""
    found: dict[str, type[BaseSettings]] = {}
    root = importlib.import_module(package)
    modules = [root] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")
        if "migrations" not in info.name and not info.name.endswith("__main__")
    ]
    for module in modules:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseSettings)
                and value.__module__.startswith(package)
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    assert found, f"{package} defines no settings class"
    return list(found.values())


def env_name(cls: type[BaseSettings], field: str) -> str:
    alias = cls.model_fields[field].validation_alias or cls.model_fields[field].alias
    name = alias if isinstance(alias, str) else field
    return (str(cls.model_config.get("env_prefix", "")) + name).upper()


@cache
def settings_defaults(process: str) -> Mapping[str, object]:
    """Every environment variable the process reads, with its default."""
    defaults: dict[str, object] = {}
    for cls in settings_classes(process):
        for field, info in cls.model_fields.items():
            default = info.default
            if isinstance(default, SecretStr):
                default = default.get_secret_value()
            defaults[env_name(cls, field)] = default
    return defaults


def reads(process: str) -> frozenset[str]:
    """Its settings classes' variables, and the tracing endpoint every process reads."""
    return frozenset(settings_defaults(process)) | {ENDPOINT_VARIABLE}


def needs_in_container(process: str) -> frozenset[str]:
    """Settings without a safe default in a container, plus the contract's ones it reads.

    Unsafe: a default that points at this machine (127.0.0.1: databases, Kafka, Redis, the other
    services, where the gateway listens) or a built-in development secret.
    """
    needed = set(CONTRACT_SETTINGS & reads(process))
    for name, default in settings_defaults(process).items():
        text = str(default)
        if any(host in text for host in LOCAL_ONLY):
            needed.add(name)
        if default and any(word in name.lower() for word in SECRET_WORDS):
            needed.add(name)
    return frozenset(needed)


def topics_created_by(script: str) -> dict[str, int]:
    """Topic -> partitions from a `for topic in ...; do kafka-topics.sh --create ...` script."""
    listed = re.search(r'topics="([^"]+)"', script) or re.search(r"for topic in ([^;]+);", script)
    partitions = re.search(r"--partitions (\d+)", script)
    assert listed is not None, script
    assert partitions is not None, script
    assert "--create --if-not-exists" in " ".join(script.replace("\\\n", " ").split()), script
    return {name: int(partitions.group(1)) for name in listed.group(1).split()}
