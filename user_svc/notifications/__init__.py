"""Booking notifications: email and web push on confirmation and cancellation, and a reminder
before an unpaid hold expires; driven by the booking topics, each message sent once.

A room of its own inside user_svc: the rest of user_svc uses only the names below, and this
package reaches user accounts only through the `Recipients` port that user_svc provides
(tests/user_svc/test_notify_boundary.py holds both sides to it).
"""

from user_svc.notifications.models import Base
from user_svc.notifications.recipients import Recipient, Recipients, Subscription
from user_svc.notifications.settings import NotificationSettings
from user_svc.notifications.vapid import VapidKeyPair, ensure_vapid_keys
from user_svc.notifications.wiring import notification_tasks

metadata = Base.metadata
"""The notification tables, for the alembic history of user_svc's database."""

__all__ = [
    "NotificationSettings",
    "Recipient",
    "Recipients",
    "Subscription",
    "VapidKeyPair",
    "ensure_vapid_keys",
    "metadata",
    "notification_tasks",
]
