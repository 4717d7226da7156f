"""The upload widget's wrapper against its JSX: props, event and library path."""

from __future__ import annotations

import re
from pathlib import Path

import reflex as rx

from medrec_app.components.upload import UPLOAD_LIBRARY, MedrecUpload, upload_widget
from medrec_app.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
JSX = ROOT / "assets" / "upload" / "medrec_upload.jsx"


class _UploadState(rx.State):
    url: str = "/api/patients/7/files"

    @rx.event
    def done(self, info: dict):
        pass


def test_library_is_the_asset_and_imports_only_react():
    assert UPLOAD_LIBRARY == "$/public/upload/medrec_upload.jsx"
    source = JSX.read_text()
    assert "export function MedrecUpload(" in source
    imports = re.findall(r'^import .* from "([^"]+)";', source, flags=re.M)
    assert imports == ["react"]
    assert MedrecUpload.create().lib_dependencies == []


def test_props_reach_the_jsx_under_the_names_it_reads():
    rendered = upload_widget(_UploadState.url, _UploadState.done).render()
    assert rendered["name"] == "MedrecUpload"
    props = dict(p.split(":", 1) for p in rendered["props"])
    assert props["maxBytes"] == str(get_settings().max_upload_bytes)
    assert props["maxConcurrent"] == "2"
    assert "url" in props["uploadUrl"]
    assert "done" in props["onUploaded"] and "_ev_0" in props["onUploaded"]
    source = JSX.read_text()
    for name in ("uploadUrl", "maxBytes", "maxConcurrent", "accept", "onUploaded"):
        assert re.search(rf"^\s+{name}\b", source, flags=re.M), name


def test_limits_can_be_overridden_for_another_use():
    rendered = upload_widget("/somewhere", _UploadState.done, max_bytes=10, max_concurrent=3)
    props = dict(p.split(":", 1) for p in rendered.render()["props"])
    assert props["maxBytes"] == "10" and props["maxConcurrent"] == "3"
