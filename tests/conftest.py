"""Shared fixtures, from the plugins: databases, factories, and the file stores with an
in-process moto S3 server reached over real HTTP.

The frontend every test builds carries the canvas's test hook (window.__medrecCanvas,
assets/canvas/test_hook.js); a production build has none.
"""

from __future__ import annotations

import os

os.environ["VITE_MEDREC_TEST_HOOKS"] = "1"

pytest_plugins = ["tests.plugins.database", "tests.plugins.factories", "tests.plugins.stores"]
