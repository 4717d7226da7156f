"""The domain layer must stay importable without the web, ORM or cloud stacks, so the
importer, REST API and tests can use it alone (ARCHITECTURE: layers).

Every module of ``medrec_app/domain`` is imported, found on disk rather than listed, so
a new module is checked the day it is added. The import rules (``lint-imports``) check
what the modules import by name; this checks what importing them loads.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import medrec_app.domain

FORBIDDEN = (
    "reflex",
    "sqlmodel",
    "sqlalchemy",
    "psycopg",
    "boto3",
    "botocore",
    "fastapi",
    "starlette",
    "medrec_app.services",
    "medrec_app.models",
    "medrec_app.db",
)
MODULES = sorted(
    f"medrec_app.domain.{m.name}" for m in pkgutil.iter_modules(medrec_app.domain.__path__)
)


def test_every_domain_module_is_checked():
    assert "medrec_app.domain.ids" in MODULES and "medrec_app.domain.file_types" in MODULES
    assert len(MODULES) >= 13


def test_domain_imports_no_framework() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
