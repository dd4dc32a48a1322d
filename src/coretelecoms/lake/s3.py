"""S3 uploads with server-side encryption (SSE-KMS) through boto3, retried by botocore's standard mode."""

from __future__ import annotations

import functools
from pathlib import Path

from coretelecoms.lake.filesystem import (
    S3_CONNECT_TIMEOUT,
    S3_MAX_ATTEMPTS,
    S3_READ_TIMEOUT,
    Location,
    lake_errors,
)


@functools.cache
def s3_client():
    """A boto3 S3 client from the standard AWS configuration (AWS_ENDPOINT_URL honoured by botocore).

    Bounded like pyarrow's client (see lake.filesystem): a frozen endpoint fails fast, not after minutes.
    """
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        config=Config(
            retries={"mode": "standard", "total_max_attempts": S3_MAX_ATTEMPTS},
            connect_timeout=S3_CONNECT_TIMEOUT,
            read_timeout=S3_READ_TIMEOUT,
        ),
    )


def upload_file(local: Path, target: Location, *, kms_key_id: str | None) -> None:
    """Upload one file as one object; multipart uploads become visible only when complete."""
    bucket, key = target.bucket_and_key
    extra = {"ServerSideEncryption": "aws:kms"}
    if kms_key_id:
        extra["SSEKMSKeyId"] = kms_key_id
    with lake_errors(target, "uploading"):
        s3_client().upload_file(str(local), bucket, key, ExtraArgs=extra)


def delete_object(target: Location) -> None:
    """Delete one object (absent is fine, as S3 itself treats it)."""
    bucket, key = target.bucket_and_key
    with lake_errors(target, "deleting"):
        s3_client().delete_object(Bucket=bucket, Key=key)
