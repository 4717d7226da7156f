"""The Content-Security-Policy: inline scripts allowed by hash, file links by origin."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from medrec_app.api.content_policy import content_security_policy, inline_script_hashes, link_origin


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_every_inline_script_of_every_page_is_hashed_and_external_ones_are_not(tmp_path: Path):
    (tmp_path / "login").mkdir()
    (tmp_path / "index.html").write_text(
        '<script>window.a = 1;</script><script type="module" async="">import "/x.js";</script>'
        '<script src="/assets/app.js"></script>'
    )
    (tmp_path / "login" / "index.html").write_text("<SCRIPT id=r>\n$RC('B:1')\n</SCRIPT>")
    assert inline_script_hashes(tmp_path) == sorted(
        [_sha("window.a = 1;"), _sha('import "/x.js";'), _sha("\n$RC('B:1')\n")]
    )


def test_no_build_means_no_script_hashes(tmp_path: Path):
    assert inline_script_hashes(tmp_path / "missing") == []


def test_file_links_on_s3_add_the_buckets_origin():
    assert link_origin("https://b.s3.eu-west-1.amazonaws.com/k?X-Amz-Signature=1") == (
        "https://b.s3.eu-west-1.amazonaws.com"
    )
    assert link_origin("/files/patients/1/x?sig=1") is None


def test_the_policy_has_no_eval_but_webassembly_and_forbids_framing():
    policy = content_security_policy(["'sha256-abc'"], "http://127.0.0.1:9000")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    # WebAssembly (pdf.js's decoders of scanned pictures) may compile; JavaScript eval not.
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval' 'sha256-abc'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "http://127.0.0.1:9000" in directives["img-src"]
    assert "http://127.0.0.1:9000" in directives["connect-src"]
    assert "'unsafe-eval'" not in policy
