"""GET /api/config: what a client needs to show prices and times as the cinema means them."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gateway.deps import Settings
from gateway.settings import GatewaySettings

router = APIRouter(prefix="/api", tags=["config"])


class PublicConfig(BaseModel):
    """The cinema's public settings; the booking page gets the same values in its meta tags."""

    currency: str = Field(description="ISO 4217 code of every price (CURRENCY)")
    timezone: str = Field(
        description="IANA zone showtimes are shown in (CINEMA_TIMEZONE)", examples=["Europe/Berlin"]
    )
    booking_max_seats: int = Field(description="most seats in one booking")
    hold_seconds: int = Field(description="how long an unpaid hold keeps its seats")


def public_config(settings: GatewaySettings) -> PublicConfig:
    return PublicConfig(
        currency=settings.currency,
        timezone=settings.cinema_timezone,
        booking_max_seats=settings.booking_max_seats,
        hold_seconds=settings.booking_hold_seconds,
    )


@router.get("/config", response_model=PublicConfig, summary="Currency, time zone, booking limits")
async def get_config(settings: Settings) -> PublicConfig:
    return public_config(settings)
