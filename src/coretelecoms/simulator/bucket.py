"""Writing objects into the source bucket (a local folder or S3) through the lake's filesystem layer."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pyarrow as pa

from coretelecoms.lake.filesystem import Location

_BUFFER = 1 << 20
BOM = b"\xef\xbb\xbf"


@contextlib.contextmanager
def open_object(root: Location, key: str) -> Iterator[pa.NativeFile]:
    """A write stream for `key` under the bucket root, replacing what was there."""
    target = root.join(key)
    if not target.is_s3:
        target.fs.create_dir(target.path.rsplit("/", 1)[0], recursive=True)
    # compression=None: a `.csv`/`.json` key must never be guessed into a compressed stream.
    with target.fs.open_output_stream(target.path, compression=None, buffer_size=_BUFFER) as out:
        yield out


def remove_object(root: Location, key: str) -> None:
    """Delete `key` if it exists, so a day generated as missing really has no file."""
    target = root.join(key)
    if not target.exists():
        return
    if target.is_s3:
        # pyarrow's S3 delete_file leaves an empty "folder/" marker object behind; boto3 deletes only the key.
        from coretelecoms.lake.s3 import s3_client

        bucket, _, object_key = target.path.partition("/")
        s3_client().delete_object(Bucket=bucket, Key=object_key)
    else:
        target.fs.delete_file(target.path)


def line_ending(crlf: bool) -> str:
    """The line terminator of a CSV file."""
    return "\r\n" if crlf else "\n"


def header_bytes(columns: list[str], bom: bool, crlf: bool) -> bytes:
    """A CSV header line, with the byte-order mark when the file has one."""
    return (BOM if bom else b"") + (",".join(columns) + line_ending(crlf)).encode()
