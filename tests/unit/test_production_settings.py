"""``MEDREC_ENV=production`` refuses the embedded demo defaults, one message per problem
saying what to set; the cli and the app module refuse to start on them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from medrec_app.settings import PROJECT_ROOT, Settings

SOUND = {
    "env": "production",
    "demo_data": False,
    "secret_key": "k" * 32,
    "allowed_origins": ["https://medrec.example.org", "https://records.example.org"],
    "DATABASE_URL": "postgresql://medrec_app@db.example.org/medrec",
    "trusted_proxies": ["10.0.0.5"],
}


def settings(**changes: Any) -> Settings:
    return Settings(**{**SOUND, **changes})


def test_sound_production_settings_have_no_problem() -> None:
    assert settings().production_problems() == []


def test_development_accepts_the_embedded_defaults() -> None:
    defaults = Settings(env="development", DATABASE_URL="", secret_key="", demo_data=True)
    assert defaults.production_problems() == []


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"demo_data": True}, "MEDREC_DEMO_DATA must be false"),
        ({"secret_key": ""}, "MEDREC_SECRET_KEY must be set"),
        ({"secret_key": "k" * 31}, "at least 32 characters"),
        ({"allowed_origins": []}, "MEDREC_ALLOWED_ORIGINS must list"),
        ({"allowed_origins": ["*"]}, "MEDREC_ALLOWED_ORIGINS must list"),
        ({"allowed_origins": ["https://medrec.example.org", "*"]}, "MEDREC_ALLOWED_ORIGINS"),
        ({"allowed_origins": ["http://medrec.example.org"]}, "MEDREC_ALLOWED_ORIGINS"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must point at the production PostgreSQL"),
        ({"trusted_proxies": []}, "MEDREC_TRUSTED_PROXIES must list the TLS proxy"),
    ],
)
def test_each_demo_default_is_one_problem_naming_what_to_set(
    change: dict[str, Any], variable: str
) -> None:
    problems = settings(**change).production_problems()
    assert len(problems) == 1
    assert variable in problems[0]


def test_production_on_all_defaults_lists_every_problem() -> None:
    problems = Settings(env="production", DATABASE_URL="").production_problems()
    assert len(problems) == 5


def test_the_environment_is_read_from_medrec_env_and_a_typo_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEDREC_ENV", "production")
    assert Settings().env == "production"
    monkeypatch.setenv("MEDREC_ENV", "prod")
    with pytest.raises(ValidationError, match="production"):
        Settings()


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDREC_", "DATABASE"))}
    return {**env, "MEDREC_ENV": "production", "MEDREC_DATA_DIR": str(tmp_path)}


@pytest.mark.parametrize("command", ["serve", "prepare"])
def test_the_cli_refuses_to_start_production_on_demo_defaults(command: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "medrec_app.cli", command],
        cwd=PROJECT_ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    for variable in ("MEDREC_DEMO_DATA", "MEDREC_SECRET_KEY", "MEDREC_ALLOWED_ORIGINS"):
        assert variable in result.stderr
    assert "DATABASE_URL must" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no embedded database, no generated key


def test_the_app_module_refuses_to_load_in_production_on_demo_defaults(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import medrec_app.medrec_app"],
        cwd=PROJECT_ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "MEDREC_ENV=production" in result.stderr
    assert "MEDREC_SECRET_KEY must be set" in result.stderr
