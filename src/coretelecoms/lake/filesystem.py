"""Resolve a `file://` or `s3://` URL to a pyarrow filesystem and path, so both run the same code.

S3 clients follow the standard AWS configuration (region, credential chain, `AWS_ENDPOINT_URL` /
`AWS_ENDPOINT_URL_S3` for S3-compatible endpoints) and retry transient errors with AWS's standard
retry strategy; nothing project-specific to learn.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

import pyarrow.fs as pafs

from coretelecoms.common.errors import PipelineError

S3_RETRY_ATTEMPTS = 10


@dataclass(frozen=True)
class Location:
    """A filesystem and a path inside it (no scheme), addressed from a URL."""

    fs: pafs.FileSystem
    path: str
    url: str

    def join(self, *parts: str) -> Location:
        """A location below this one; parts are plain relative paths (spaces allowed)."""
        rel = "/".join(p.strip("/") for p in parts if p)
        return Location(self.fs, f"{self.path.rstrip('/')}/{rel}", f"{self.url.rstrip('/')}/{rel}")

    def exists(self) -> bool:
        return self.fs.get_file_info(self.path).type != pafs.FileType.NotFound

    @property
    def is_s3(self) -> bool:
        return self.url.startswith("s3://")


@functools.cache
def s3_filesystem(endpoint: str | None, region: str | None) -> pafs.S3FileSystem:
    """One S3 filesystem per endpoint; credentials come from the standard AWS chain."""
    kwargs: dict = {
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=S3_RETRY_ATTEMPTS),
        "connect_timeout": 10,
        "request_timeout": 60,
    }
    if region:
        kwargs["region"] = region
    if endpoint:
        parsed = urlparse(endpoint)
        kwargs["endpoint_override"] = parsed.netloc or parsed.path
        kwargs["scheme"] = parsed.scheme or "https"
        # S3-compatible endpoints (moto, MinIO) rarely support virtual-host addressing.
        kwargs["force_virtual_addressing"] = False
    return pafs.S3FileSystem(**kwargs)


def locate(url: str) -> Location:
    """Resolve `file:///abs/path` or `s3://bucket/prefix` to a Location."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Location(pafs.LocalFileSystem(), unquote(parsed.path), url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise PipelineError(f"S3 URL without a bucket: {url}")
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        fs = s3_filesystem(endpoint, region)
        return Location(fs, f"{parsed.netloc}/{unquote(parsed.path).strip('/')}".rstrip("/"), url)
    raise PipelineError(f"unsupported URL scheme in {url!r}: use file:// or s3://")
