"""FastAPI dependencies: service stubs, the caller from the JWT, pagination.

They are coroutines although none of them waits for anything: FastAPI runs a plain function
dependency in a worker thread, and those thread hops cost more than the work itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.cache import CatalogueCache
from gateway.clients import ServiceClients
from gateway.errors import ApiError
from gateway.revocation import TokenVersions
from gateway.schemas import PageParams
from gateway.settings import GatewaySettings
from svckit.identity import Caller, call_metadata
from svckit.tokens import InvalidToken, verify_access_claims

bearer = HTTPBearer(auto_error=False, description="The access_token from POST /api/auth/login")


async def get_clients(request: Request) -> ServiceClients:
    clients: ServiceClients = request.app.state.clients
    return clients


async def get_settings(request: Request) -> GatewaySettings:
    return settings_of(request)


def settings_of(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


async def get_cache(request: Request) -> CatalogueCache:
    cache: CatalogueCache = request.app.state.cache
    return cache


Clients = Annotated[ServiceClients, Depends(get_clients)]
Cache = Annotated[CatalogueCache, Depends(get_cache)]
Settings = Annotated[GatewaySettings, Depends(get_settings)]


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
"""The request's bearer token as sent (FastAPI reads it once per request)."""

# The caller's dependencies below take only the request and its token, and call one another
# as functions: FastAPI walks the whole tree under a dependency at every place it is named
# (only the call itself is cached), and a hold's tree of settings, token versions and callers
# nested three deep cost it half of the app's time (tests/gateway/test_dependency_tree.py).

_CALLER_STATE = "caller"
"""Where a request keeps its verified caller: its token is checked once per request."""


async def optional_caller(request: Request, credentials: Credentials) -> Caller | None:
    """The caller a valid, unrevoked bearer token names; None without a token."""
    if credentials is None:
        return None
    known: Caller | None = getattr(request.state, _CALLER_STATE, None)
    if known is not None:
        return known
    settings = settings_of(request)
    try:
        token = verify_access_claims(
            credentials.credentials,
            secret=settings.jwt_secret.get_secret_value(),
            algorithm=settings.jwt_algorithm,
        )
    except InvalidToken as error:
        raise ApiError(
            401, "invalid or expired token", "invalid_token", headers={"WWW-Authenticate": "Bearer"}
        ) from error
    versions: TokenVersions = request.app.state.token_versions
    if await versions.voids(token.caller.user_id, token.version):
        raise ApiError(
            401,
            "this sign-in has ended (password, role or account changed); sign in again",
            "token_revoked",
            headers={"WWW-Authenticate": "Bearer"},
        )
    setattr(request.state, _CALLER_STATE, token.caller)
    return token.caller


async def current_caller(request: Request, credentials: Credentials) -> Caller:
    caller = await optional_caller(request, credentials)
    if caller is None:
        raise ApiError(
            401,
            "authentication required",
            "unauthenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


async def admin_caller(request: Request, credentials: Credentials) -> Caller:
    caller = await current_caller(request, credentials)
    if not caller.is_admin:
        raise ApiError(403, "admin role required", "forbidden")
    return caller


async def staff_caller(request: Request, credentials: Credentials) -> Caller:
    caller = await current_caller(request, credentials)
    if not caller.is_staff:
        raise ApiError(403, "staff or admin role required", "forbidden")
    return caller


OptionalUser = Annotated[Caller | None, Depends(optional_caller)]
CurrentUser = Annotated[Caller, Depends(current_caller)]
AdminUser = Annotated[Caller, Depends(admin_caller)]
StaffUser = Annotated[Caller, Depends(staff_caller)]


Metadata = tuple[tuple[str, str], ...]


def grpc_metadata(credentials: HTTPAuthorizationCredentials | None, request: Request) -> Metadata:
    """Metadata for a service call on behalf of this request: its verified token, if any.

    Services verify the token themselves; they trust no other identity metadata.
    """
    request_id: str = request.state.request_id
    return call_metadata(credentials.credentials if credentials else None, request_id)


async def anyone_metadata(request: Request) -> Metadata:
    return grpc_metadata(None, request)


async def user_metadata(request: Request, credentials: Credentials) -> Metadata:
    await current_caller(request, credentials)
    return grpc_metadata(credentials, request)


async def admin_metadata(request: Request, credentials: Credentials) -> Metadata:
    await admin_caller(request, credentials)
    return grpc_metadata(credentials, request)


async def staff_metadata(request: Request, credentials: Credentials) -> Metadata:
    await staff_caller(request, credentials)
    return grpc_metadata(credentials, request)


AsAnyone = Annotated[Metadata, Depends(anyone_metadata)]
"""Metadata for a service call on behalf of whoever asks (no token needed)."""
AsUser = Annotated[Metadata, Depends(user_metadata)]
"""Metadata for a service call on behalf of the signed-in caller (401 without a token)."""
AsAdmin = Annotated[Metadata, Depends(admin_metadata)]
"""Metadata for a service call on behalf of an admin (401 without a token, 403 for a user)."""
AsStaff = Annotated[Metadata, Depends(staff_metadata)]
"""Metadata for a service call on behalf of staff or an admin (401 without a token, 403 for a
user)."""


async def page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=100, description="items per page")] = 20,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


Page = Annotated[PageParams, Depends(page_params)]
