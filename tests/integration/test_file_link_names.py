"""Signed file links name the file by id only, on disk and on S3 (moto).

File names often hold a patient's name, and links end up in browser history and proxy
logs. The local route takes the download name from the database when the link is used;
S3 answers with a generic name made from the file id and its type.
"""

from __future__ import annotations

import io
from urllib.parse import unquote_plus

from sqlalchemy import text

from medrec_app.api import build_api
from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.services import files, uploads
from medrec_app.settings import get_settings
from medrec_app.storage import content_disposition
from tests import samples
from tests.plugins.database import app_database
from tests.plugins.stores import both_stores, only_local, only_s3
from tests.support import http_request, serve_asgi

PATIENT_LIKE_NAME = "Jane Doe x-ray.jpg"
NAME_PARTS = ("jane", "doe", "x-ray")


def decoded(url: str) -> str:
    """The URL as a log reader could read it: percent-decoded twice, lower case.

    Twice, because S3's ``response-content-disposition`` parameter carries an RFC 5987
    ``filename*`` that is itself percent-encoded inside the query string.
    """
    return unquote_plus(unquote_plus(url)).lower()


def upload_jane(clinic) -> tuple[int, list[str]]:
    """Upload a JPEG named like a patient; the file id and every link issued for it."""
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    with session_scope() as session:
        answer = uploads.upload_patient_file(
            session,
            desk,
            patient_id,
            file_name=PATIENT_LIKE_NAME,
            source=io.BytesIO(samples.jpeg((300, 200))),
        )
    with session_scope() as session:
        detail = files.issue_file_link(session, desk, answer.file_id)
        listed = files.list_files_with_preview_links(session, desk, patient_id)
    thumbnails = [f.thumbnail_url for f in listed if f.thumbnail_url]
    assert detail.file_name == PATIENT_LIKE_NAME and len(thumbnails) == 1
    return answer.file_id, [answer.s3_url, detail.s3_url, *thumbnails]


@both_stores
def test_links_carry_no_part_of_the_file_name(store_env: str, clinic_factory) -> None:
    _, links = upload_jane(clinic_factory())
    for link in links:
        assert not [part for part in NAME_PARTS if part in decoded(link)], link


@only_local
def test_local_download_is_named_from_the_database_when_used(
    store_env: str, clinic_factory
) -> None:
    file_id, (upload_link, detail_link, thumbnail_link) = upload_jane(clinic_factory())
    # Renamed after the links were issued: the name served is the one stored now.
    with session_scope() as session:
        session.execute(
            text("UPDATE patient_files SET file_name = :n WHERE id = :f"),
            {"n": "Jane Doe x-ray (left knee).jpg", "f": file_id},
        )
    with serve_asgi(build_api()) as base:
        download = http_request(base + detail_link)
        ranged = http_request(base + upload_link, headers={"Range": "bytes=0-9"})
        thumbnail = http_request(base + thumbnail_link)
    assert download.status == 200 and download.body.startswith(b"\xff\xd8")
    assert download.headers["content-disposition"] == content_disposition(
        as_attachment=False, download_name="Jane Doe x-ray (left knee).jpg"
    )
    assert download.headers["content-type"] == "image/jpeg"
    assert ranged.status == 206 and len(ranged.body) == 10
    assert ranged.headers["content-disposition"] == download.headers["content-disposition"]
    # A preview has no name of its own in the database: it gets the generic one.
    assert thumbnail.status == 200 and thumbnail.headers["content-type"] == "image/webp"
    assert thumbnail.headers["content-disposition"] == content_disposition(
        as_attachment=False, download_name=f"medrec-file-{file_id}.thumb.webp"
    )


@only_s3
def test_s3_download_has_a_generic_name(store_env: str, clinic_factory) -> None:
    file_id, (_, detail_link, _) = upload_jane(clinic_factory())
    download = http_request(detail_link)
    assert download.status == 200 and download.body.startswith(b"\xff\xd8")
    assert download.headers["content-type"] == "image/jpeg"
    generic = f"medrec-file-{file_id}.jpg"
    assert download.headers["content-disposition"] == (
        f"inline; filename=\"{generic}\"; filename*=UTF-8''{generic}"
    )


@only_local
def test_local_download_with_the_database_down_has_the_generic_name(
    store_env: str, clinic_factory
) -> None:
    file_id, (_, detail_link, _) = upload_jane(clinic_factory())
    app = build_api()
    # Nothing listens on port 1: every connection is refused at once.
    down = "postgresql://medrec@127.0.0.1:1/medrec"
    with app_database(down, get_settings().data_dir), serve_asgi(app) as base:
        download = http_request(base + detail_link)
    assert download.status == 200 and download.body.startswith(b"\xff\xd8")
    assert download.headers["content-disposition"] == content_disposition(
        as_attachment=False, download_name=f"medrec-file-{file_id}.jpg"
    )
