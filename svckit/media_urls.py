"""Where a picture or a video of the catalogue may live: an https URL or a path on this site.

A poster or trailer URL ends up in an `<img src>` or a link on the booking page, so anything a
browser could run (`javascript:`, `data:`), fetch in the clear (`http:`), or read as another
host (`//host`, `/\\host`) is refused; so are credentials and spaces.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MEDIA_URL_MAX = 2000
UNSAFE_CHARACTER = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
"""Controls, spaces and backslashes (which browsers read as slashes)."""


def media_url(raw: str) -> str:
    """`raw` if it is "" (none), an https URL with a host, or a path starting with one "/";
    raises ValueError saying why not."""
    if raw == "":
        return raw
    if len(raw) > MEDIA_URL_MAX:
        raise ValueError(f"must be at most {MEDIA_URL_MAX} characters")
    if UNSAFE_CHARACTER.search(raw):
        raise ValueError("must not hold spaces, control characters or backslashes")
    if raw.startswith("/"):
        if raw.startswith("//"):
            raise ValueError("must start with a single '/' to be a path on this site")
        return raw
    parts = urlsplit(raw)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise ValueError("must be an https URL or a path on this site starting with '/'")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry a user name or password")
    return raw
