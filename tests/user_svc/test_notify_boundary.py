"""The notification package is a room of its own inside user_svc.

Inside it, nothing of user_svc outside the package is imported: what it needs of accounts
comes through its Recipients port (user_svc.notifications.recipients), which user_svc
implements. Outside it, user_svc uses only the package's public names (its `__all__`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from user_svc import notifications

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "user_svc.notifications"
PUBLIC = frozenset(notifications.__all__)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports(source: str) -> list[tuple[str, str | None]]:
    """(module, imported name or None) for each import in a module's source."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def _inside(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def crossings(module: str, source: str) -> list[str]:
    """The imports of `module` that cross the package's boundary the wrong way."""
    wrong = []
    for target, name in imports(source):
        full = f"{target}.{name}" if name else target
        if _inside(module):
            if full.split(".")[0] == "user_svc" and not _inside(full):
                wrong.append(f"{module} imports {full}, outside the package")
        elif target == PACKAGE and name is not None:
            if name not in PUBLIC:
                wrong.append(f"{module} imports {full}, not a public name of the package")
        elif _inside(target) and target != PACKAGE:
            wrong.append(f"{module} imports {full}, inside the package")
    return wrong


def test_the_package_and_the_rest_of_user_svc_meet_only_at_the_public_names() -> None:
    wrong = [
        line
        for path in sorted((ROOT / "user_svc").rglob("*.py"))
        if "migrations" not in path.parts
        for line in crossings(module_name(path), path.read_text())
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("user_svc.notifications.notifier", "from user_svc.models import User"),
        ("user_svc.notifications.notifier", "from user_svc import repository"),
        ("user_svc.notifications.wiring", "import user_svc.settings"),
        ("user_svc.app", "from user_svc.notifications.notifier import Notifier"),
        ("user_svc.app", "from user_svc.notifications import notifier"),
        ("user_svc.app", "import user_svc.notifications.models"),
    ],
)
def test_the_scan_finds_an_import_across_the_boundary(module: str, source: str) -> None:
    assert crossings(module, source) != []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("user_svc.notifications.notifier", "from user_svc.notifications.mailer import Mailer"),
        ("user_svc.notifications.notifier", "from svckit.errors import NotFound"),
        ("user_svc.app", "from user_svc.notifications import notification_tasks"),
        ("user_svc.models", "from user_svc import notifications"),
    ],
)
def test_the_scan_lets_imports_within_the_rules_pass(module: str, source: str) -> None:
    assert crossings(module, source) == []
