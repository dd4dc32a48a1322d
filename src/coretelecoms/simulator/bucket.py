"""Publishing objects into the source bucket (a local folder or S3), each whole or not at all.

A reader (or a killed `sources generate`) must never meet a truncated file. Locally a file is written
under a hidden temporary name beside its target and renamed over it once complete (a rename within a
folder is atomic); on S3 the bytes are staged in a local temporary file and sent in one PUT, so the
object appears only complete. A run killed mid-file leaves at most a hidden `.<name>.<pid>.partial`,
which the next run sweeps away (`sweep_partials`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from coretelecoms.lake.filesystem import Location, lake_errors

_BUFFER = 1 << 20
BOM = b"\xef\xbb\xbf"
PARTIAL_SUFFIX = ".partial"


def partial_path(final: Path) -> Path:
    """The hidden name a local file is written under until it is complete."""
    return final.with_name(f".{final.name}.{os.getpid()}{PARTIAL_SUFFIX}")


@contextlib.contextmanager
def staged_file(final: Path) -> Iterator[Path]:
    """A temporary path beside `final`, renamed over it when the block succeeds, removed when it fails."""
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(final)
    try:
        yield partial
        with partial.open("rb") as written:
            os.fsync(written.fileno())  # the bytes are on disk before the name points at them
        partial.replace(final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def open_object(root: Location, key: str) -> Iterator[BinaryIO]:
    """A write stream for `key` under the bucket root; the object replaces what was there only when complete."""
    target = root.join(key)
    if not target.is_s3:
        with staged_file(Path(target.path)) as partial, partial.open("wb", buffering=_BUFFER) as out:
            yield out
        return
    from coretelecoms.lake.s3 import s3_client

    with tempfile.TemporaryFile(prefix="coretelecoms-sources-", suffix=PARTIAL_SUFFIX) as staged:
        yield staged
        staged.flush()
        staged.seek(0)
        bucket, object_key = target.bucket_and_key
        with lake_errors(target, "uploading"):
            # One PUT (up to 5 GB): the object is visible complete or not at all; the body streams from disk.
            s3_client().put_object(Bucket=bucket, Key=object_key, Body=staged)


def sweep_partials(folder: Path) -> None:
    """Remove the hidden partial files a killed run left under a local folder."""
    if not folder.is_dir():
        return
    for leftover in folder.rglob(f".*{PARTIAL_SUFFIX}"):
        leftover.unlink(missing_ok=True)


def sweep_partials_of(final: Path) -> None:
    """Remove the hidden partial files a killed run left for one local file (the agents sheet stand-in)."""
    if final.parent.is_dir():
        for leftover in final.parent.glob(f".{final.name}.*{PARTIAL_SUFFIX}"):
            leftover.unlink(missing_ok=True)


def remove_object(root: Location, key: str) -> None:
    """Delete `key` if it exists, so a day generated as missing really has no file."""
    target = root.join(key)
    if not target.exists():
        return
    if target.is_s3:
        # pyarrow's S3 delete_file leaves an empty "folder/" marker object behind; boto3 deletes only the key.
        from coretelecoms.lake.s3 import delete_object

        delete_object(target)
    else:
        target.fs.delete_file(target.path)


def line_ending(crlf: bool) -> str:
    """The line terminator of a CSV file."""
    return "\r\n" if crlf else "\n"


def header_bytes(columns: list[str], bom: bool, crlf: bool) -> bytes:
    """A CSV header line, with the byte-order mark when the file has one."""
    return (BOM if bom else b"") + (",".join(columns) + line_ending(crlf)).encode()
