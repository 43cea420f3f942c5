"""Wires user_svc: its database, its servicer and its background work."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta

import grpc

from cinemapb.user.v1 import user_pb2, user_pb2_grpc
from svckit.db import make_sessionmaker
from svckit.errors import ServiceError
from svckit.outbox import OutboxRelay
from svckit.service import migrated_database, run_service, service_names
from svckit.service_identity import ServiceTokens
from svckit.tasks import background
from svckit.vocabulary import Topic
from user_svc.accounts import Accounts
from user_svc.grpc_api import UserServiceServicer
from user_svc.models import outbox
from user_svc.notifications import NotificationSettings, ensure_vapid_keys, notification_tasks
from user_svc.passwords import PasswordHasher
from user_svc.recipients import AccountRecipients
from user_svc.settings import Settings
from user_svc.sign_ins import SignIns


async def ensure_configured_admin(accounts: Accounts, settings: Settings) -> None:
    """Ensures the ADMIN_EMAIL / ADMIN_PASSWORD account when both are set; refuses a weak one."""
    password = settings.admin_password.get_secret_value()
    if not settings.admin_email or not password:
        return
    try:
        await accounts.ensure_admin(
            email=settings.admin_email, password=password, name=settings.admin_name
        )
    except ServiceError as error:
        raise SystemExit(f"cannot ensure the admin account from ADMIN_EMAIL: {error}") from None


def main() -> None:
    settings = Settings()
    notification_settings = NotificationSettings()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs push endpoints: secrets

    @asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[Sequence[str]]:
        async with migrated_database("user_svc", settings.user_database_url) as engine:
            sessions = make_sessionmaker(engine)
            relay = OutboxRelay(
                engine,
                settings.user_database_url,
                outbox,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                source="user_svc",
            )
            vapid_keys = await ensure_vapid_keys(sessions)
            accounts = Accounts(
                sessions,
                PasswordHasher(settings.bcrypt_rounds),
                user_changed_topic=settings.topic(Topic.USER_CHANGED),
                vapid_public_key=vapid_keys.public_key,
                allow_insecure_push_endpoints=settings.push_allow_insecure_endpoints,
            )
            sign_ins = SignIns(
                sessions,
                accounts.hasher,
                settings,
                refresh_ttl=timedelta(seconds=settings.jwt_refresh_ttl_seconds),
            )
            await ensure_configured_admin(accounts, settings)
            user_pb2_grpc.add_UserServiceServicer_to_server(
                UserServiceServicer(accounts, sign_ins), server
            )
            try:
                async with (
                    notification_tasks(
                        notification_settings,
                        sessions,
                        vapid_keys,
                        AccountRecipients(sessions),
                        ServiceTokens("user_svc", settings),
                    ) as tasks,
                    background(
                        {
                            **tasks,
                            "outbox-relay": relay.run,
                            "refresh-token-purge": sign_ins.keep_purging,
                        }
                    ),
                ):
                    yield service_names(user_pb2)
            finally:
                await asyncio.to_thread(relay.close)

    run_service("user_svc", settings, setup)
