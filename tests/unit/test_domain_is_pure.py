"""The domain layer must stay importable without the web, ORM or cloud stacks, so the
importer, REST API and tests can use it alone (ARCHITECTURE: layers)."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("reflex", "sqlmodel", "sqlalchemy", "boto3", "botocore")


def test_domain_imports_no_framework() -> None:
    code = (
        "import sys\n"
        "import medrec_app.domain.drawing, medrec_app.domain.forms, medrec_app.domain.edits\n"
        "import medrec_app.domain.permissions, medrec_app.domain.geometry\n"
        "import medrec_app.domain.uploads, medrec_app.domain.pdf_content\n"
        f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
