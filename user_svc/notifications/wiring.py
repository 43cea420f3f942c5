"""The entry point of the notification package: its background work, wired from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cinemapb.cinema.v1 import cinema_pb2_grpc
from cinemapb.movie.v1 import movie_pb2_grpc
from svckit.clients import service_channel
from svckit.deadlines import DeadlineLoop, every
from svckit.service_identity import ServiceTokens
from svckit.vocabulary import BOOKING_TOPICS, Topic
from user_svc.notifications.consumer import GROUP, BookingEventConsumer, BookingEventHandler
from user_svc.notifications.mailer import LogMailer, Mailer, SmtpMailer
from user_svc.notifications.messages import Style
from user_svc.notifications.notifier import Notifier
from user_svc.notifications.recipients import Recipients
from user_svc.notifications.reminders import (
    BATCH_SIZE as REMINDER_BATCH_SIZE,
)
from user_svc.notifications.reminders import (
    PURGE_INTERVAL_SECONDS,
    Reminders,
)
from user_svc.notifications.settings import NotificationSettings
from user_svc.notifications.shows import ShowDirectory
from user_svc.notifications.vapid import VapidKeyPair
from user_svc.notifications.webpush import PushSender

PUSH_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
Tasks = dict[str, Callable[[], Awaitable[None]]]


def mailer_from(settings: NotificationSettings) -> Mailer:
    if not settings.smtp_host:
        return LogMailer()
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender=settings.smtp_from,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(),
        starttls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )


def style_from(settings: NotificationSettings) -> Style:
    name, _ = parseaddr(settings.smtp_from)
    return Style(
        timezone=ZoneInfo(settings.cinema_timezone),
        base_url=settings.public_base_url,
        signature=name or Style.signature,
    )


@asynccontextmanager
async def notification_tasks(
    settings: NotificationSettings,
    sessions: async_sessionmaker[AsyncSession],
    keys: VapidKeyPair,
    recipients: Recipients,
    identity: ServiceTokens,
) -> AsyncIterator[Tasks]:
    """The booking-event consumer and the reminder loop, ready for svckit.tasks.background.

    cinema_svc and movie_svc are asked about shows under the `identity` of user_svc.
    """
    cinema = service_channel(settings.cinema_svc_addr, identity)
    movies = service_channel(settings.movie_svc_addr, identity)
    try:
        async with httpx.AsyncClient(timeout=PUSH_TIMEOUT, follow_redirects=False) as http:
            notifier = Notifier(
                sessions,
                recipients=recipients,
                mailer=mailer_from(settings),
                push=PushSender(
                    keys, subject="mailto:" + parseaddr(settings.smtp_from)[1], client=http
                ),
                shows=ShowDirectory(
                    cinema_pb2_grpc.CinemaServiceStub(cinema),
                    movie_pb2_grpc.MovieServiceStub(movies),
                ),
                style=style_from(settings),
            )
            reminders = Reminders(
                sessions, notifier, lead=timedelta(seconds=settings.hold_reminder_seconds)
            )
            handler = BookingEventHandler(notifier, reminders)
            consumer = BookingEventConsumer(
                handler.notify,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                topics={
                    settings.topic(topic): topic
                    for topic in (*BOOKING_TOPICS, Topic.PAYMENT_REFUNDED)
                },
                group=settings.consumer_group(GROUP),
                bookkeep=handler.bookkeep,
            )
            loop = DeadlineLoop(
                "hold-reminders",
                reminders.send_due,
                reminders.seconds_until_next_due,
                batch_size=REMINDER_BATCH_SIZE,
            )
            reminders.on_schedule = loop.wake_for
            yield {
                "booking-notifications": consumer.run,
                "hold-reminders": loop.run,
                "notification-purge": lambda: every(PURGE_INTERVAL_SECONDS, reminders.purge),
            }
    finally:
        await cinema.close(grace=None)
        await movies.close(grace=None)
