"""The hash that a signature stands for: SHA-256 of the signed documents' canonical JSON.

Canonical JSON here is UTF-8 with object keys sorted, no whitespace and numbers as the
shortest text that reads back as the same value (RFC 8785's form for the values a
record holds: strings, integers, finite floats, booleans, null, lists and objects). The
signed value is ``{"drawing_data": ..., "form_data": ...}``, so anyone holding a record's
JSON can recompute the hash and see that it is what was signed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson


def canonical_json(value: Any) -> bytes:
    """``value`` as canonical JSON bytes."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def signature_hash(drawing_data: Mapping[str, Any], form_data: Mapping[str, Any]) -> str:
    """The hex SHA-256 of the record's signed content."""
    signed = {"drawing_data": dict(drawing_data), "form_data": dict(form_data)}
    return hashlib.sha256(canonical_json(signed)).hexdigest()


def amendment_hash(
    record_sha256: str | None, reason: str, text: str, drawing: dict[str, Any] | None = None
) -> str:
    """The hex SHA-256 of an amendment: the signature of the record it amends, its reason,
    its text and, when it drew anything, its drawing, so the amendment names what it
    amends. (Without a drawing the hash is the one amendments had before they could draw.)"""
    signed: dict[str, Any] = {"record": record_sha256, "reason": reason, "text": text}
    if drawing and (drawing.get("lines") or drawing.get("shapes")):
        signed["drawing"] = drawing
    return hashlib.sha256(canonical_json(signed)).hexdigest()
