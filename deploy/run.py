"""`make run`: local infrastructure, the four services and the gateway, demo data, one Ctrl-C.

The demo catalogue is loaded through the services' gRPC APIs before the gateway starts; a
starting gateway drops the catalogue reads it cached earlier, so none predates the demo.
Everything runs in the foreground with log lines prefixed by process name. A process that
dies is restarted (also while the demo loads). Ctrl-C (or SIGTERM) stops the application
processes and the parts of the infrastructure this run started; infrastructure that was
already running (for example from `make infra-up`) is left alone.

Without JWT_SECRET in the environment, the first run generates a random one and keeps it in
the state folder (`jwt_secret`, readable by its owner only); later runs reuse it, so tokens
stay valid across restarts. Every process this run starts is given it. PAYMENTS_WEBHOOK_SECRET
(used only with PAYMENTS_PROVIDER=demo) is kept the same way, in `payments_webhook_secret`.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from deploy import infra, kafka_broker, postgres, redis_server
from deploy._proc import state_root
from deploy.demo import DemoSettings, load_demo_catalogue
from deploy.stack import SERVICES, Stack

RESTART_DELAY_SECONDS = 2.0
JWT_SECRET_FILE = "jwt_secret"  # noqa: S105 (a file name)
WEBHOOK_SECRET_FILE = "payments_webhook_secret"  # noqa: S105 (a file name)


def _components_to_stop() -> list[Callable[[], None]]:
    """The infrastructure parts that are not running yet, so this run owns them."""
    owned: list[Callable[[], None]] = []
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and not kafka_broker.answers():
        owned.append(kafka_broker.stop)
    if not os.environ.get("REDIS_URL") and not redis_server.answers():
        owned.append(redis_server.stop)
    if not any(os.environ.get(var) for var in infra.DATABASE_URL_VARS) and not postgres.ready():
        owned.append(postgres.stop)
    return owned


def local_jwt_secret(env: Mapping[str, str], state: Path) -> str:
    """JWT_SECRET from `env`, else the one kept in `state`, generated there on first use."""
    return kept_secret(env, state, "JWT_SECRET", JWT_SECRET_FILE)


def kept_secret(env: Mapping[str, str], state: Path, variable: str, file_name: str) -> str:
    """`variable` from `env`, else the secret kept in `state`/`file_name` (mode 0600),
    generated there on first use."""
    given = env.get(variable)
    if given:
        return given
    path = state / file_name
    if not path.exists():
        state.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
    return path.read_text().strip()


def say(message: str) -> None:
    print(f"{'run':<12}| {message}", flush=True)


def gateway_url() -> str:
    """Where the gateway this run starts listens (its GATEWAY_HOST and GATEWAY_PORT)."""
    host = os.environ.get("GATEWAY_HOST", "127.0.0.1")
    port = os.environ.get("GATEWAY_PORT", "8000")
    return f"http://{host}:{port}"


def say_restarting(name: str, code: int) -> None:
    say(f"{name} exited (status {code}); restarting it in {RESTART_DELAY_SECONDS:.0f}s")


async def load_demo_keeping_services_up(stack: Stack, settings: DemoSettings) -> bool:
    """Loads the demo catalogue, restarting a service that exits meanwhile, as the run does
    later: the load waits for the services to answer, and would otherwise wait out its
    timeout (minutes) for one that is gone. Processes are started from this (the main)
    thread: a child's parent-death signal follows the thread that started it."""
    loading = asyncio.ensure_future(load_demo_catalogue(settings))
    while not loading.done():
        await asyncio.wait([loading], timeout=0.5)
        for name, code in stack.exited().items():
            say_restarting(name, code)
            await asyncio.sleep(RESTART_DELAY_SECONDS)
            stack.restart(name)
    return loading.result()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    started = time.monotonic()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)  # also when started with SIGINT ignored (`cmd &`)
    owned = _components_to_stop()
    jwt_secret = local_jwt_secret(os.environ, state_root())
    webhook_secret = kept_secret(
        os.environ, state_root(), "PAYMENTS_WEBHOOK_SECRET", WEBHOOK_SECRET_FILE
    )
    stack = Stack({"JWT_SECRET": jwt_secret, "PAYMENTS_WEBHOOK_SECRET": webhook_secret})
    try:
        say("starting PostgreSQL, Kafka and Redis (the first run downloads Kafka)")
        infra.ensure_up()
        for name in SERVICES:
            stack.start(name)
        if asyncio.run(load_demo_keeping_services_up(stack, DemoSettings(jwt_secret=jwt_secret))):
            say("loaded the demo catalogue into the empty databases")
        stack.start("gateway")
        url = gateway_url()
        stack.wait_healthy(url, timeout=180)
        say(f"ready in {time.monotonic() - started:.0f}s: {url}  (API docs: {url}/docs)")
        say("press Ctrl-C to stop")
        while True:
            time.sleep(0.5)
            for name, code in stack.exited().items():
                say_restarting(name, code)
                time.sleep(RESTART_DELAY_SECONDS)
                stack.restart(name)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say("stopping")
        stack.stop_all()
        for stop in owned:
            stop()
        say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
