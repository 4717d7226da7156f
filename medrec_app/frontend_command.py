"""``python -m medrec_app.cli frontend DIR``: the static frontend for several workers.

Builds the frontend once for the public origin the browser uses (Reflex writes the
origin's event socket and routes into the build), and writes, into ``DIR``:

- ``site/``: the build, which the balancer serves itself;
- ``backend-paths.caddy``: the ``@backend`` matcher of every path a worker answers;
- ``static-headers.caddy``: the headers the workers give their answers, for the static
  ones (the content policy lists the build's own inline scripts).

The Caddyfile (``deploy/caddy/Caddyfile``) imports the two. The new build replaces the
old one only once it is complete, so a balancer serving ``DIR`` never sees half a build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from reflex.constants import Dirs
from reflex.utils.prerequisites import get_web_dir

from medrec_app.api import build_api
from medrec_app.api.balancer import backend_matcher, backend_paths, static_headers
from medrec_app.api.security_headers import current_policy
from medrec_app.settings import PROJECT_ROOT


def export_frontend(directory: Path, origin: str) -> int:
    """Build for ``origin`` and write ``directory`` (see the module doc); exit status."""
    if not origin.startswith(("https://", "http://")):
        print(f"The origin must be an http(s) URL, not {origin!r}.", file=sys.stderr)
        return 2
    built = subprocess.run(
        [sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip", "--env", "prod"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "REFLEX_API_URL": origin.rstrip("/")},
        check=False,
    )
    if built.returncode:
        print("The frontend build failed (its output is above).", file=sys.stderr)
        return 1
    directory.mkdir(parents=True, exist_ok=True)
    _replace_site(directory, get_web_dir() / Dirs.STATIC)
    paths = backend_paths(build_api().routes)
    (directory / "backend-paths.caddy").write_text(backend_matcher(paths))
    (directory / "static-headers.caddy").write_text(static_headers(current_policy()))
    print(f"The frontend for {origin} is in {directory / 'site'}.")
    return 0


def _replace_site(directory: Path, build: Path) -> None:
    staged = Path(tempfile.mkdtemp(prefix=".site-", dir=directory))
    shutil.copytree(build, staged, dirs_exist_ok=True)
    old = directory / "site"
    if old.exists():
        retired = Path(tempfile.mkdtemp(prefix=".old-", dir=directory))
        old.rename(retired / "site")
        staged.rename(old)
        shutil.rmtree(retired)
    else:
        staged.rename(old)
