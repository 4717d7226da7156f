"""The Content-Security-Policy the app runs under.

Scripts come only from the app's own origin, plus the few inline scripts the prerendered
pages carry (React Router's context, React's streaming helpers, Radix's colour-mode
switch), each allowed by its SHA-256, read from the build itself so a rebuild that
changes them cannot silently break the pages. No ``unsafe-eval``: nothing in the app
evaluates strings (pdf.js is told not to try). ``'wasm-unsafe-eval'`` lets pages and
workers compile WebAssembly, which pdf.js needs for JBIG2, CCITT fax and JPEG 2000
pictures (its decoders come from our own origin); it permits no JavaScript eval. Styles
allow inline: Radix and Emotion write their style elements at run time; a style cannot
run code.

File links on S3 are fetched by the canvas (images, pdf.js) straight from the bucket, so
its origin is allowed for images and fetches; the local store serves them from 'self'.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL | re.I)


def script_hashes(html: str) -> set[str]:
    """``'sha256-...'`` sources for the inline scripts of one HTML page."""
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
        if script.strip()
    }


def inline_script_hashes(build_dir: Path) -> list[str]:
    """The script sources for every inline script of the built HTML pages."""
    hashes: set[str] = set()
    for page in build_dir.rglob("*.html"):
        hashes |= script_hashes(page.read_text(encoding="utf-8"))
    return sorted(hashes)


def link_origin(url: str) -> str | None:
    """The origin of an absolute file link (an S3 bucket), None for the app's own."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(script_hashes: list[str], file_origin: str | None) -> str:
    files = f" {file_origin}" if file_origin else ""
    directives = {
        "default-src": "'self'",
        # WebAssembly compilation only (pdf.js's image decoders), not eval of JavaScript.
        "script-src": " ".join(["'self'", "'wasm-unsafe-eval'", *script_hashes]),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: blob:{files}",
        "font-src": "'self' data:",
        "connect-src": f"'self'{files}",
        "worker-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())
