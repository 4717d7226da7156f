"""Reading the app server's log: what must never be in it, and its request lines."""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from medrec_app.services.demo import CLINICS

PATIENT_NAMES = [
    name
    for clinic in CLINICS
    for first, last, _ in clinic["patients"]
    for name in (last, f"{first} {last}", f"{last}, {first}")
]
DEMO_FILE_NAMES = ["knee-xray-right", "imaging-report"]
LINK_SIGNATURES = re.compile(r"[?&](?:sig|X-Amz-Signature|X-Amz-Credential)=|\bmr[pst]_[\w-]{8}")
"""A signed file link's signature, or a phone link, set-password link or API token secret."""


def unwrapped(log: str) -> str:
    """The log with its line breaks taken out: the console renderer wraps long lines."""
    return re.sub(r"\s*\n\s*", "", log)


def leaked(log: str, secrets_by_name: dict[str, str]) -> dict[str, list[str]]:
    """Which of the values the log shows, anywhere, with the lines that show them."""
    joined = unwrapped(log)
    found = {}
    for label, value in secrets_by_name.items():
        if value in log or value in joined:
            lines = [line for line in log.splitlines() if value[:12] in line]
            found[label] = lines[:3] or ["(across a line break)"]
    return found


def patient_data_and_links(log: str) -> dict[str, list[str]]:
    """Demo patients' names, demo file names and signed or secret links the log shows."""
    found = leaked(
        log,
        {
            **{f"patient name {name}": name for name in PATIENT_NAMES},
            **{f"file name {name}": name for name in DEMO_FILE_NAMES},
        },
    )
    links = [line for line in log.splitlines() if LINK_SIGNATURES.search(line)]
    if links:
        found["signed or secret link"] = links[:3]
    return found


def request_lines(path: Path) -> list[dict]:
    """The request log's JSON lines, in order."""
    lines = []
    for text in path.read_text(errors="replace").splitlines():
        if text.startswith('{"time":'):
            lines.append(orjson.loads(text))
    return lines
