"""S3 uploads with server-side encryption (SSE-KMS) through boto3, retried by botocore's standard mode."""

from __future__ import annotations

import functools
from pathlib import Path

from coretelecoms.lake.filesystem import Location


@functools.cache
def s3_client():
    """A boto3 S3 client from the standard AWS configuration (AWS_ENDPOINT_URL honoured by botocore)."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 10}))


def upload_file(local: Path, target: Location, *, kms_key_id: str | None) -> None:
    """Upload one file as one object; multipart uploads become visible only when complete."""
    bucket, _, key = target.path.partition("/")
    extra = {"ServerSideEncryption": "aws:kms"}
    if kms_key_id:
        extra["SSEKMSKeyId"] = kms_key_id
    s3_client().upload_file(str(local), bucket, key, ExtraArgs=extra)
