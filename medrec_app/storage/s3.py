"""Blob store on an S3 bucket (or an S3-compatible store via ``endpoint_url``)."""

from __future__ import annotations

from typing import BinaryIO, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from medrec_app.storage.base import (
    BlobNotFound,
    content_disposition,
    generic_download_name,
    validate_content_type,
    validate_expires_in,
    validate_key,
)

MB = 1024 * 1024
# SigV4 presigned URLs cannot live longer than seven days.
MAX_URL_TTL_SECONDS = 7 * 24 * 3600
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def browser_cors_configuration(origins: list[str]) -> dict:
    """The bucket CORS rule the record canvas needs in S3 mode (``put_bucket_cors``).

    The browser loads backgrounds straight from presigned URLs: images with GET, PDFs with
    pdf.js, which reads ``Accept-Ranges`` and ``Content-Length`` to fetch only the byte
    ranges a page needs (``Range`` requests answered with ``Content-Range``). Those
    headers must be readable cross-origin, and a ``Range`` request header allowed.
    """
    return {
        "CORSRules": [
            {
                "AllowedOrigins": list(origins),
                "AllowedMethods": ["GET", "HEAD"],
                "AllowedHeaders": ["Range"],
                "ExposeHeaders": ["Accept-Ranges", "Content-Range", "Content-Length", "ETag"],
                "MaxAgeSeconds": 3600,
            }
        ]
    }


def default_transfer_config() -> TransferConfig:
    """8 MB parts, 4 at a time; at most 4 parts buffered, so memory stays ~32 MB per put.

    Streams are passed to S3 non-seekable, so s3transfer reads them part by part instead of
    seeking around in them; ``max_in_memory_upload_chunks`` bounds how far it reads ahead.
    """
    config = TransferConfig(
        multipart_threshold=8 * MB,
        multipart_chunksize=8 * MB,
        max_concurrency=4,
        use_threads=True,
        # The CRT client has its own buffering rules; keep the documented classic one.
        preferred_transfer_client="classic",
    )
    # An s3transfer setting that boto3's constructor does not expose (default 10 parts).
    config.max_in_memory_upload_chunks = 4
    return config


def make_s3_client(region: str, endpoint_url: str | None = None) -> BaseClient:
    """A SigV4 client; path-style addressing for custom endpoints (moto, MinIO, ...).

    Credentials come from the standard AWS chain (environment, config files, instance role).
    """
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        retries={"mode": "standard", "max_attempts": 3},
    )
    # A session of its own: boto3's shared default session is not safe to use from
    # several threads at once, and the process's one client is made in whichever
    # thread asks first.
    session = boto3.session.Session()
    return session.client("s3", region_name=region, endpoint_url=endpoint_url, config=config)


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING_CODES


class _CountingReader:
    """Read-only, deliberately non-seekable view of a stream that counts bytes read."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.bytes_read += len(data)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


class S3BlobStore:
    """Objects in one bucket; URLs are S3 presigned GET URLs."""

    def __init__(
        self,
        bucket: str,
        region: str,
        endpoint_url: str | None = None,
        client: BaseClient | None = None,
        transfer_config: TransferConfig | None = None,
    ) -> None:
        if not bucket:
            raise ValueError("S3BlobStore needs a bucket name")
        self._bucket = bucket
        self._client = client or make_s3_client(region, endpoint_url or None)
        self._transfer_config = transfer_config or default_transfer_config()

    @property
    def bucket(self) -> str:
        return self._bucket

    @property
    def client(self) -> BaseClient:
        return self._client

    def put(self, key: str, stream: BinaryIO, content_type: str) -> int:
        """Upload via ``upload_fileobj``: one PUT below 8 MB, else a multipart upload.

        Both are atomic: a PUT that fails stores nothing, and s3transfer aborts a
        multipart upload whose stream or part fails, so no object appears.
        """
        validate_key(key)
        validate_content_type(content_type)
        reader = _CountingReader(stream)
        self._client.upload_fileobj(
            reader,
            self._bucket,
            key,
            ExtraArgs={"ContentType": content_type},
            Config=self._transfer_config,
        )
        return reader.bytes_read

    def open(self, key: str) -> BinaryIO:
        validate_key(key)
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                raise BlobNotFound(key) from None
            raise
        return cast(BinaryIO, response["Body"])

    def delete(self, key: str) -> None:
        validate_key(key)
        self._client.delete_object(Bucket=self._bucket, Key=key)

    def exists(self, key: str) -> bool:
        validate_key(key)
        try:
            self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                return False
            raise
        return True

    def size(self, key: str) -> int:
        validate_key(key)
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                raise BlobNotFound(key) from None
            raise
        return int(head["ContentLength"])

    def url_for(
        self,
        key: str,
        *,
        expires_in: int,
        content_type: str,
        as_attachment: bool = False,
    ) -> str:
        """A presigned GET whose response headers are fixed by the signed query.

        Everything in ``Params`` lands in the URL's query string, the disposition too, so
        the download is named ``generic_download_name(key)``, never by the file's name.
        """
        validate_key(key)
        validate_content_type(content_type)
        validate_expires_in(expires_in, MAX_URL_TTL_SECONDS)
        params = {
            "Bucket": self._bucket,
            "Key": key,
            "ResponseContentType": content_type,
            "ResponseCacheControl": "private, no-store",
            "ResponseContentDisposition": content_disposition(
                as_attachment=as_attachment, download_name=generic_download_name(key)
            ),
        }
        return self._client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expires_in
        )
