"""Resolve a `file://` or `s3://` URL to a pyarrow filesystem and path, so both run the same code.

S3 clients follow the standard AWS configuration (region, credential chain, `AWS_ENDPOINT_URL` /
`AWS_ENDPOINT_URL_S3` for S3-compatible endpoints) and retry transient errors with AWS's standard
retry strategy; nothing project-specific to learn. Every S3 call is bounded (S3_CONNECT_TIMEOUT,
S3_READ_TIMEOUT, S3_MAX_ATTEMPTS): a frozen endpoint fails in well under half a minute instead of hanging.
Local lake and warehouse files are private to their owner (`private_dir`, `private_file`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyarrow.fs as pafs

from coretelecoms.common.errors import PipelineError, first_line

# Both S3 clients (pyarrow's and boto3's) use these. The read timeout is a socket idle time (curl's
# low-speed time, botocore's socket timeout), not a cap on a transfer, so big objects are unaffected;
# attempts x (read timeout + botocore's 1 s wait for 100-continue) bounds a frozen endpoint at ~21 s. Three attempts is AWS's standard default.
S3_CONNECT_TIMEOUT = 5
S3_READ_TIMEOUT = 6
S3_MAX_ATTEMPTS = 3
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


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
        with lake_errors(self, "looking up"):
            return self.fs.get_file_info(self.path).type != pafs.FileType.NotFound

    @property
    def is_s3(self) -> bool:
        return self.url.startswith("s3://")

    @property
    def bucket_and_key(self) -> tuple[str, str]:
        """For an S3 location: its bucket and object key."""
        bucket, _, key = self.path.partition("/")
        return bucket, key


@functools.cache
def s3_filesystem(endpoint: str | None, region: str | None) -> pafs.S3FileSystem:
    """One S3 filesystem per endpoint; credentials come from the standard AWS chain."""
    kwargs: dict = {
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=S3_MAX_ATTEMPTS),
        "connect_timeout": S3_CONNECT_TIMEOUT,
        "request_timeout": S3_READ_TIMEOUT,
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
    """Resolve `file:///abs/path` (or `file://localhost/abs/path`) or `s3://bucket/prefix` to a Location.

    A `file://` URL naming another host is refused: `file://lake/x` is a typo for `file:///lake/x` far
    more often than a wish to write `/x`, and writing somewhere the summary does not name is worse.
    """
    parsed = urlparse(url)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise PipelineError(
                f"file URL {url!r} names host {parsed.netloc!r}: use file:///absolute/path "
                "(three slashes) or file://localhost/absolute/path"
            )
        path = unquote(parsed.path)
        if not path.startswith("/"):
            raise PipelineError(f"file URL {url!r} has no absolute path: use file:///absolute/path")
        return Location(pafs.LocalFileSystem(), path, url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise PipelineError(f"S3 URL {url!r} has no bucket: use s3://BUCKET[/prefix]")
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        fs = s3_filesystem(endpoint, region)
        return Location(fs, f"{parsed.netloc}/{unquote(parsed.path).strip('/')}".rstrip("/"), url)
    raise PipelineError(f"unsupported URL scheme in {url!r}: use file:// or s3://")


# ------------------------------------------------------------------ S3 errors as one line

# pyarrow's S3 errors read "When <doing> key 'K' in bucket 'B': AWS Error <CODE> during <Op> operation: …".
_ARROW_TARGET = re.compile(r"(?:key '(?P<key>[^']*)' in )?bucket '(?P<bucket>[^']*)'")
_ARROW_REASON = re.compile(r"AWS Error (?P<code>[A-Z_]+)(?: during \w+ operation)?:?\s*(?P<text>.*)")
_HINTS = {
    "NoSuchBucket": "the bucket does not exist: check the URL and the account",
    "NO_SUCH_BUCKET": "the bucket does not exist: check the URL and the account",
    "InvalidAccessKeyId": "the access key is not known: check AWS credentials (the pod's IAM role, AWS_PROFILE)",
    "SignatureDoesNotMatch": "the secret key is wrong: check AWS credentials",
    "AccessDenied": "the credentials may not do this: check the IAM policy (and the KMS key policy)",
    # pyarrow reports a 403 on HEAD (no body: unknown key or a denying policy alike) as ACCESS_DENIED.
    "ACCESS_DENIED": "check AWS credentials and the IAM policy (and the KMS key policy)",
    "NETWORK_CONNECTION": "the endpoint did not answer: check AWS_ENDPOINT_URL and the network path",
}


def s3_failure(exc: BaseException, location: Location | None = None, action: str = "") -> str | None:
    """One line for an S3 error from boto3 or pyarrow (naming bucket and key), or None if `exc` is not one."""
    bucket, key = location.bucket_and_key if location is not None and location.is_s3 else ("", "")
    code, reason = _botocore_reason(exc)
    if code is None:
        text = " ".join(str(exc).split())
        match = _ARROW_REASON.search(text)
        if not isinstance(exc, OSError) or match is None:
            return None
        target = _ARROW_TARGET.search(text)
        if target is not None and not bucket:
            bucket, key = target["bucket"], target["key"] or ""
        code = match["code"]
        reason = f"{code} ({first_line(match['text'], 200)})" if match["text"] else code
    where = f"s3://{bucket}/{key}" if bucket else "S3"
    hint = _HINTS.get(code or "") or (
        "check AWS_ENDPOINT_URL and the network path" if code == "endpoint" else ""
    )
    what = f"{action} {where}".strip()
    return f"S3 error {what}: {reason}" + (f"; {hint}" if hint else "")


def _botocore_reason(exc: BaseException) -> tuple[str | None, str]:
    """(code, one-line reason) of a botocore/boto3 error, following boto3's wrappers to the cause."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError
    except ImportError:  # boto3 is not installed in every image
        return None, ""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ClientError):
            error = seen.response.get("Error", {})
            code = str(error.get("Code") or "ClientError")
            return code, f"{code} ({first_line(error.get('Message') or seen, 160)})"
        if isinstance(seen, ConnectionError | HTTPClientError):
            return "endpoint", first_line(seen, 200)
        if isinstance(seen, BotoCoreError):
            return "botocore", first_line(seen, 200)
        # boto3 raises S3UploadFailedError inside `except ClientError`: the cause is its context.
        seen = seen.__cause__ or seen.__context__
    return None, ""


@contextlib.contextmanager
def lake_errors(location: Location, action: str) -> Iterator[None]:
    """Turn an S3 failure inside the block into a one-line PipelineError naming bucket and key."""
    try:
        yield
    except PipelineError:
        raise
    except Exception as exc:
        line = s3_failure(exc, location, action) if location.is_s3 else None
        if line is None:
            raise
        raise PipelineError(line) from exc


# ------------------------------------------------------------------ private local files


def private_dir(path: Path) -> Path:
    """Create `path` and any missing parents readable by their owner only (0700); returns `path`.

    Folders that already exist are left as they are: the user chose their modes.
    """
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # a concurrent step made it first
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        folder.chmod(PRIVATE_DIR_MODE)  # mkdir's mode passes through the umask
    return path


def private_file(path: Path) -> Path:
    """Make a local file readable and writable by its owner only (0600); returns `path`."""
    path.chmod(PRIVATE_FILE_MODE)
    return path
