"""Static files under content-hashed URLs, without a build step.

When the gateway starts it hashes every file of a static folder; a page then names each file as
`<path>?v=<hash>`, which browsers may keep for a year (the name changes with the content). A
module's own imports (`import "./api.js"`) reach their hashed URLs through an import map that
the page carries, and `<link rel=modulepreload>` fetches the whole import chain at once instead
of one level after another.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
"""For a URL whose content never changes: its hash is in it."""
REVALIDATE = "no-cache"
"""For anything else: the browser asks again every time (ETag), so an edit shows at once."""
VERSION_PARAMETER = "v"
ASSET_MAP_MARK = "<!-- asset map -->"
"""Where a page template gets its import map and module preloads."""
STATIC_REFERENCE = re.compile(r'(?P<attr>src|href)="(?P<url>/static/[^"?#]+)"')


def content_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@dataclass(frozen=True)
class AssetVersions:
    """The content hash of every file of a folder served under `prefix`, taken once."""

    prefix: str
    hashes: dict[str, str]
    """By path relative to the folder, with forward slashes: "js/app.js"."""

    @classmethod
    def of(cls, folder: Path, prefix: str) -> AssetVersions:
        hashes = {
            path.relative_to(folder).as_posix(): content_hash(path)
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }
        return cls(prefix.rstrip("/"), hashes)

    def url(self, relative: str) -> str:
        """The hashed URL of a file of the folder (the plain URL for one it does not have)."""
        plain = f"{self.prefix}/{relative}"
        version = self.hashes.get(relative)
        return f"{plain}?{VERSION_PARAMETER}={version}" if version else plain

    def modules(self) -> list[str]:
        """Every JavaScript module of the folder, by relative path."""
        return [relative for relative in self.hashes if relative.endswith(".js")]

    def import_map(self) -> str:
        """An import map sending each module's plain URL to its hashed one."""
        imports = {f"{self.prefix}/{module}": self.url(module) for module in self.modules()}
        return json.dumps({"imports": imports}, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class VersionedPage:
    """A page template with hashed static URLs, its import map and module preloads."""

    html: str
    script_hashes: tuple[str, ...]
    """CSP sources ('sha256-...') of the page's inline import map."""

    @classmethod
    def render(cls, template: str, assets: AssetVersions) -> VersionedPage:
        import_map = assets.import_map()
        preloads = "".join(
            f'\n    <link rel="modulepreload" href="{assets.url(module)}" />'
            for module in assets.modules()
        )
        block = f'<script type="importmap">{import_map}</script>{preloads}'
        html = STATIC_REFERENCE.sub(
            lambda found: f'{found["attr"]}="{cls._hashed(found["url"], assets)}"', template
        ).replace(ASSET_MAP_MARK, block)
        digest = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
        return cls(html, (f"'sha256-{digest}'",))

    @staticmethod
    def _hashed(url: str, assets: AssetVersions) -> str:
        return assets.url(url.removeprefix(assets.prefix + "/"))


class VersionedStaticFiles(StaticFiles):
    """Static files kept a year under their current hashed URL, revalidated under any other."""

    def __init__(self, *, directory: Path, versions: AssetVersions) -> None:
        super().__init__(directory=directory)
        self.versions = versions

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        relative = Path(full_path).resolve().relative_to(Path(self.directory or "").resolve())
        asked = QueryParams(scope.get("query_string", b"")).get(VERSION_PARAMETER)
        current = self.versions.hashes.get(relative.as_posix())
        fresh = asked is not None and asked == current
        response.headers["Cache-Control"] = IMMUTABLE if fresh else REVALIDATE
        return response
