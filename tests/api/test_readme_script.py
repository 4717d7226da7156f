"""The README's curl script runs as written against the running backend."""

from __future__ import annotations

import os
import re
import subprocess

from medrec_app.domain.permissions import Role
from medrec_app.settings import PROJECT_ROOT
from tests import samples
from tests.api.conftest import issue_token


def readme_script(heading: str = "### The API with curl") -> str:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme[readme.index(heading) :]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


def test_the_readme_curl_script_creates_patches_and_reads_back_a_record(
    api_server, api_clinic, tmp_path
):
    clinic = api_clinic(appointments=2)
    pdf = samples.pdf(pages=2)
    (tmp_path / "chart.pdf").write_bytes(pdf)
    result = subprocess.run(
        ["bash", "-c", readme_script()],
        cwd=tmp_path,
        env={
            **os.environ,
            "BASE": f"{api_server.url}/api",
            "TOKEN": issue_token(clinic.data, Role.PRACTITIONER),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "background: 200 application/pdf" in result.stdout
    assert "the background is the uploaded PDF" in result.stdout
    assert re.search(r'"lines": *\[\{"id": *"stroke-1"', result.stdout), result.stdout
    assert '"revision":1' in result.stdout


def test_the_readme_sync_script_puts_a_patient_twice_without_a_duplicate(
    api_server, api_clinic, tmp_path
):
    clinic = api_clinic(appointments=1)
    result = subprocess.run(
        ["bash", "-c", readme_script("## Syncing from a booking system")],
        cwd=tmp_path,
        env={
            **os.environ,
            "BASE": f"{api_server.url}/api",
            "TOKEN": issue_token(clinic.data, Role.FRONT_DESK),
            "PRACTITIONER": clinic.data.emails[Role.PRACTITIONER],
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        'first PUT: 201 "outcome":"created"',
        'second PUT: 200 "outcome":"unchanged"',
        "patients with BK-10042: 1",
        'first visit PUT: 201 "outcome":"created"',
        'second visit PUT: 200 "outcome":"unchanged"',
        "visits with id 770042: 1",
    ]
