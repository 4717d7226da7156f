"""The route serving pdf.js's data files: its four folders of the pinned release, no more."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from medrec_app.api.pdfjs_assets import PDFJS_VERSION, pdfjs_data_route
from medrec_app.components.canvas import MedrecCanvas

BASE = f"/pdfjs/{PDFJS_VERSION}"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    """The route over a package laid out as pdfjs-dist is."""
    for folder, name, data in (
        ("wasm", "jbig2.wasm", b"\0asm\1\0\0\0"),
        ("wasm", "jbig2_nowasm_fallback.js", b"export default () => 0;"),
        ("cmaps", "UniJIS-UCS2-H.bcmap", b"\xe0cmap"),
        ("standard_fonts", "FoxitSerif.pfb", b"\x80\x01font"),
        ("build", "pdf.mjs", b"code"),
    ):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / name).write_bytes(data)
    (tmp_path / "package.json").write_text("{}")
    return TestClient(Starlette(routes=[pdfjs_data_route(tmp_path)]))


def test_the_decoders_cmaps_and_fonts_are_served_with_their_types(client: TestClient):
    for path, media_type in (
        ("wasm/jbig2.wasm", "application/wasm"),  # WebAssembly.instantiateStreaming needs it
        ("wasm/jbig2_nowasm_fallback.js", "text/javascript"),  # imported as a module
        ("cmaps/UniJIS-UCS2-H.bcmap", "application/octet-stream"),
    ):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 200, path
        assert response.headers["content-type"].split(";")[0] == media_type
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get(f"{BASE}/standard_fonts/FoxitSerif.pfb").content == b"\x80\x01font"
    assert client.head(f"{BASE}/wasm/jbig2.wasm").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/build/pdf.mjs",  # the library itself is the build's business
        f"{BASE}/wasm/missing.wasm",
        f"{BASE}/wasm/.hidden",
        f"{BASE}/wasm/%2e%2e",
        f"{BASE}/wasm/..%2fpackage.json",
        f"{BASE}/wasm",
        "/pdfjs/1.0.0/wasm/jbig2.wasm",  # another release's pdf.js gets nothing of ours
    ],
)
def test_nothing_else_is_served(client: TestClient, path: str):
    assert client.get(path).status_code == 404


def test_the_route_serves_the_release_the_canvas_is_built_with():
    assert f"pdfjs-dist@{PDFJS_VERSION}" in MedrecCanvas.lib_dependencies
