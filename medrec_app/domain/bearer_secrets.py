"""Secrets handed to a client once (session tokens, API tokens, phone upload links).

The client keeps the secret; the database keeps only its SHA-256, so a leaked table
cannot be replayed. A secret has 256 random bits, so a plain hash (no salt, no stretching)
is enough: nothing about it can be guessed.
"""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str = "") -> str:
    """``prefix`` (which says what the secret is for, e.g. ``mrt_``) and 256 random bits."""
    return prefix + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """What the database stores and looks a secret up by."""
    return hashlib.sha256(secret.encode()).hexdigest()
