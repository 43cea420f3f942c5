"""Reports for staff and admins: one session's seats and revenue, and sales by day, movie or
session, as JSON or CSV. booking_svc computes the figures; labels (movie titles, session
times) are added here with one movie_svc call per page."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from cinemapb.booking.v1 import booking_pb2
from cinemapb.movie.v1 import movie_pb2
from gateway.convert import money, paginated
from gateway.deps import AsStaff, Clients, Metadata, Page, Settings
from gateway.openapi import STAFF_ONLY, error_responses
from gateway.routes.sessions import Day
from gateway.schemas import Paginated, SessionId
from svckit.paging import MAX_PAGE_SIZE
from svckit.protoconv import from_timestamp
from svckit.vocabulary import SALES_GROUPING, SalesGrouping

router = APIRouter(prefix="/api/reports", tags=["reports"])

CSV_MEDIA_TYPE = "text/csv"
Format = Annotated[
    Literal["json", "csv"] | None,
    Query(alias="format", description="csv answers CSV, as does `Accept: text/csv`"),
]


class SessionReportOut(BaseModel):
    session_id: int
    seats_total: int
    sold: int
    held: int
    free: int
    revenue: float


class SalesRowOut(BaseModel):
    key: str
    label: str
    bookings: int
    seats_sold: int
    revenue: float


def wants_csv(request: Request, format: str | None) -> bool:
    """CSV when asked by ?format=csv, or by an Accept header naming text/csv (without format)."""
    if format is not None:
        return format == "csv"
    return CSV_MEDIA_TYPE in request.headers.get("accept", "")


def csv_response(header: list[str], rows: list[list[object]], filename: str) -> Response:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        text.getvalue(),
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/sessions/{session_id}",
    response_model=SessionReportOut,
    summary="Seats sold (confirmed), held (pending) and free, and revenue, of a session "
    "(staff, admin); CSV with ?format=csv or Accept: text/csv",
    responses=error_responses(*STAFF_ONLY, "session_not_found")
    | {200: {"content": {CSV_MEDIA_TYPE: {}}}},
)
async def session_report(
    session_id: SessionId,
    request: Request,
    metadata: AsStaff,
    clients: Clients,
    format: Format = None,
) -> SessionReportOut | Response:
    reply = await clients.booking.GetSessionReport(
        booking_pb2.GetSessionReportRequest(session_id=session_id), metadata=metadata
    )
    report = SessionReportOut(
        session_id=reply.session_id,
        seats_total=reply.seats_total,
        sold=reply.sold,
        held=reply.held,
        free=reply.free,
        revenue=money(reply.revenue_cents),
    )
    if not wants_csv(request, format):
        return report
    fields = list(SessionReportOut.model_fields)
    values = report.model_dump() | {"revenue": f"{reply.revenue_cents / 100:.2f}"}
    return csv_response(fields, [[values[f] for f in fields]], f"session-{session_id}.csv")


class SalesLabels:
    """Labels of a page of sales rows: a day's name, a movie's title, a session's time and
    movie (titles from one movie_svc call per page)."""

    def __init__(self, clients: Clients, metadata: Metadata, zone: ZoneInfo) -> None:
        self.clients = clients
        self.metadata = metadata
        self.zone = zone

    async def rows(
        self, group_by: SalesGrouping, items: list[booking_pb2.SalesRow]
    ) -> list[SalesRowOut]:
        titles = await self._titles(
            sorted({row.movie_id for row in items if row.movie_id}) if group_by != "day" else []
        )
        return [
            SalesRowOut(
                key=row.key,
                label=self._label(group_by, row, titles),
                bookings=row.bookings,
                seats_sold=row.seats_sold,
                revenue=money(row.revenue_cents),
            )
            for row in items
        ]

    def _label(
        self, group_by: SalesGrouping, row: booking_pb2.SalesRow, titles: dict[int, str]
    ) -> str:
        if group_by == "day":
            return date.fromisoformat(row.key).strftime("%a %d %b %Y")
        title = titles.get(row.movie_id, f"movie {row.movie_id} (deleted)")
        if group_by == "movie":
            return title
        starts = from_timestamp(row.starts_at).astimezone(self.zone)
        return f"{starts:%Y-%m-%d %H:%M} · {title}"

    async def _titles(self, movie_ids: list[int]) -> dict[int, str]:
        if not movie_ids:
            return {}
        reply = await self.clients.movies.ListMovies(
            movie_pb2.ListMoviesRequest(ids=movie_ids, page_size=MAX_PAGE_SIZE),
            metadata=self.metadata,
        )
        return {movie.id: movie.title for movie in reply.items}


@router.get(
    "/sales",
    response_model=Paginated[SalesRowOut],
    summary="Sales of sessions starting from..to (days in CINEMA_TIMEZONE, both included), by "
    "day, movie or session (staff, admin); CSV of every row with ?format=csv or Accept: text/csv",
    responses=error_responses(*STAFF_ONLY, "invalid_date")
    | {200: {"content": {CSV_MEDIA_TYPE: {}}}},
)
async def sales_report(
    request: Request,
    metadata: AsStaff,
    clients: Clients,
    settings: Settings,
    page: Page,
    first: Annotated[Day, Query(alias="from", description="first day, YYYY-MM-DD")],
    last: Annotated[Day, Query(alias="to", description="last day, YYYY-MM-DD (included)")],
    group_by: SalesGrouping = "day",
    format: Format = None,
) -> Paginated[SalesRowOut] | Response:
    labels = SalesLabels(clients, metadata, ZoneInfo(settings.cinema_timezone))

    async def fetch(number: int, size: int) -> tuple[list[SalesRowOut], int]:
        reply = await clients.booking.GetSalesReport(
            booking_pb2.GetSalesReportRequest(
                from_day=first.isoformat(),
                to_day=last.isoformat(),
                group_by=SALES_GROUPING.number(group_by),
                page=number,
                page_size=size,
            ),
            metadata=metadata,
        )
        return await labels.rows(group_by, list(reply.items)), reply.total

    if not wants_csv(request, format):
        items, total = await fetch(page.page, page.page_size)
        return paginated(items, total, page)
    rows, total = await fetch(1, MAX_PAGE_SIZE)
    while len(rows) < total:
        more, total = await fetch(len(rows) // MAX_PAGE_SIZE + 1, MAX_PAGE_SIZE)
        if not more:
            break
        rows += more
    fields = list(SalesRowOut.model_fields)
    return csv_response(
        fields,
        [[*(row.model_dump()[f] for f in fields[:-1]), f"{row.revenue:.2f}"] for row in rows],
        f"sales-by-{group_by}-{first}-{last}.csv",
    )
