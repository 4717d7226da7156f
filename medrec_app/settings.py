"""All configuration, read once from environment variables.

Defaults run the embedded setup (embedded PostgreSQL, local file store under the data
folder). Production sets ``DATABASE_URL``, ``MEDREC_S3_BUCKET`` and friends.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDREC_", extra="ignore")

    # Empty means: start the embedded PostgreSQL in ``data_dir / "pg"``.
    database_url: str = Field(
        "", validation_alias=AliasChoices("DATABASE_URL", "MEDREC_DATABASE_URL")
    )
    # Seconds to wait for PostgreSQL to accept a connection before answering "the
    # database cannot be reached": a firewalled or vanished server would otherwise hold a
    # request, a save or a readiness check for the operating system's TCP timeout (about
    # two minutes). A connect_timeout in DATABASE_URL takes precedence.
    db_connect_timeout_seconds: int = Field(5, ge=1, le=300)
    data_dir: Path = PROJECT_ROOT / "data"
    # Folder of the pg_dump and pg_restore that backups use; empty: the embedded server's
    # own when they are of the server's version, else those on PATH.
    pg_bin_dir: Path | None = None

    # Secret for signing local file URLs; generated once into the data folder when unset
    # so that every worker on the machine agrees on it.
    secret_key: str = ""

    storage_backend: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_endpoint_url: str = ""
    file_url_ttl_seconds: int = 300

    port: int = 3000
    # Browser origins allowed to open the websocket and call the backend. Empty means
    # the app's own origins on ``port`` (localhost and 127.0.0.1).
    allowed_origins: list[str] = []
    # Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed: the client IP in audit rows and throttling, and
    # whether the browser's connection is HTTPS (Secure cookie, HSTS). Empty: none.
    trusted_proxies: list[str] = []

    session_idle_minutes: int = 15
    # How often an open page asks whether its session still stands (sign-out elsewhere,
    # a disabled account, idle timeout). Read when the frontend is built.
    session_check_seconds: int = 60
    session_max_hours: int = 12
    # Sign-in throttling (README, "Security notes"). Per account and client address:
    # the first login_free_failures failures are free, then each failure doubles the wait
    # before the next attempt (1 s, 2 s, 4 s ...) up to login_max_delay_minutes. Per
    # address: login_source_max_failures failures in login_window_minutes, across all
    # accounts, refuse it for the rest of that window. Per account: after
    # login_account_max_failures failures in the window from addresses that never signed
    # in to it, such addresses are refused for the rest of the window. An address that
    # signed in to the account before is held only by its own per-pair waits.
    login_free_failures: int = 3
    login_max_delay_minutes: int = 15
    login_source_max_failures: int = 50
    login_account_max_failures: int = 20
    login_window_minutes: int = 15

    max_upload_bytes: int = 100 * 1024 * 1024
    # Images with more pixels are refused before decoding (decompression bombs): 50 MP
    # covers large x-ray and scanner output; decoding one takes up to ~200 MB.
    max_image_pixels: int = 50_000_000

    # REST API: requests per minute and API token (a token may carry its own limit), and
    # the largest JSON body (a drawing is at most 5 MB as JSON, plus the form and framing).
    api_rate_limit_per_minute: int = 600
    api_max_json_bytes: int = 7 * 1024 * 1024

    # Load the demo clinics into an empty database at start-up. Off in production.
    demo_data: bool = True

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def pg_dir(self) -> Path:
        return self.data_dir / "pg"

    @property
    def cors_origins(self) -> list[str]:
        if self.allowed_origins:
            return self.allowed_origins
        return [f"http://localhost:{self.port}", f"http://127.0.0.1:{self.port}"]

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"MEDREC_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
                ) from exc
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in self.trusted_proxies)

    def signing_key(self) -> bytes:
        """The secret for signed URLs, creating and persisting one if none is configured."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret_key"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip().encode()
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()

    # ``production`` refuses to start on the embedded defaults: see production_problems().
    env: Literal["development", "production"] = "development"

    def production_problems(self) -> list[str]:
        """What stops a production start, one message per problem, each saying what to
        set; empty outside production. The cli and every app worker check it."""
        if self.env != "production":
            return []
        problems, min_key_length = [], 32
        if self.demo_data:
            problems.append(
                "MEDREC_DEMO_DATA must be false in production: the demo clinics share a "
                "published password."
            )
        if len(self.secret_key) < min_key_length:
            problems.append(
                f"MEDREC_SECRET_KEY must be set to a random secret of at least "
                f"{min_key_length} characters, the same on every worker (for example "
                "the output of: python -c 'import secrets; print(secrets.token_urlsafe(48))'); "
                "a key generated into the data folder is not accepted in production."
            )
        if not self.allowed_origins or any(
            not origin.startswith("https://") for origin in self.allowed_origins
        ):
            problems.append(
                "MEDREC_ALLOWED_ORIGINS must list the https origins the app is served at, "
                'as JSON, for example ["https://medrec.example.org"]; "*", http:// '
                "origins and an empty list are refused in production."
            )
        if not self.trusted_proxies:
            problems.append(
                "MEDREC_TRUSTED_PROXIES must list the TLS proxy in front of the app (its "
                'address or network, as JSON, for example ["10.0.0.5"]): without it the app '
                "cannot tell that browsers connect over HTTPS (Secure cookie, HSTS) nor "
                "which address a request comes from (audit, sign-in throttling)."
            )
        if not self.database_url:
            problems.append(
                "DATABASE_URL must point at the production PostgreSQL, as the app's role "
                "that owns nothing: the embedded database is for development."
            )
        return problems


@lru_cache
def get_settings() -> Settings:
    return Settings()
