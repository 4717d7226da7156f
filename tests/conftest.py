"""Shared fixtures, from the plugins: databases, factories, and the file stores with an
in-process moto S3 server reached over real HTTP."""

from __future__ import annotations

pytest_plugins = ["tests.plugins.database", "tests.plugins.factories", "tests.plugins.stores"]
