"""All configuration, read once from environment variables.

Defaults run the embedded setup (embedded PostgreSQL, local file store under the data
folder). Production sets ``DATABASE_URL``, ``MEDREC_S3_BUCKET`` and friends.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDREC_", extra="ignore")

    # Empty means: start the embedded PostgreSQL in ``data_dir / "pg"``.
    database_url: str = Field(
        "", validation_alias=AliasChoices("DATABASE_URL", "MEDREC_DATABASE_URL")
    )
    data_dir: Path = PROJECT_ROOT / "data"

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

    session_idle_minutes: int = 15
    # How often an open page asks whether its session still stands (sign-out elsewhere,
    # a disabled account, idle timeout). Read when the frontend is built.
    session_check_seconds: int = 60
    session_max_hours: int = 12
    login_max_failures: int = 5
    login_lockout_minutes: int = 15

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
        if not self.database_url:
            problems.append(
                "DATABASE_URL must point at the production PostgreSQL, as the app's role "
                "that owns nothing: the embedded database is for development."
            )
        return problems


@lru_cache
def get_settings() -> Settings:
    return Settings()
