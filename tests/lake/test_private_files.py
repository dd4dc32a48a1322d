"""Local lake and warehouse folders and files are readable by their owner only, whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from coretelecoms.lake.filesystem import private_dir, private_file


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_dir_creates_every_missing_parent_0700_and_leaves_existing_ones(tmp_path):
    tmp_path.chmod(0o755)
    previous = os.umask(0o022)  # a typical, permissive umask
    try:
        target = private_dir(tmp_path / "home" / "lake" / "raw")
        again = private_dir(target)  # idempotent
    finally:
        os.umask(previous)
    assert again == target and target.is_dir()
    assert [_mode(p) for p in (tmp_path / "home", tmp_path / "home" / "lake", target)] == [0o700] * 3
    assert _mode(tmp_path) == 0o755  # not ours to change


def test_private_file_is_0600(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"x")
    path.chmod(0o644)
    assert _mode(private_file(path)) == 0o600


def test_published_lake_files_and_folders_are_private(tmp_path):
    from datetime import date

    import pyarrow as pa

    from coretelecoms.lake import layout
    from coretelecoms.lake.filesystem import locate
    from coretelecoms.lake.manifest import PartitionManifest, manifest_location, write_manifest
    from coretelecoms.lake.writer import ParquetPublisher

    previous = os.umask(0o022)
    try:
        lake = locate((tmp_path / "lake").as_uri())
        day = date(2025, 11, 20)
        target = layout.data_file(lake, "call-logs", day)
        with ParquetPublisher(lake, target, pa.schema([("a", pa.int64())])) as writer:
            writer.write(pa.table({"a": [1]}))
            writer.publish()
        write_manifest(lake, PartitionManifest(entity="call-logs", date=day.isoformat()))
    finally:
        os.umask(previous)
    for path in (tmp_path / "lake", Path(target.path).parent):
        assert _mode(path) == 0o700, path
    for path in (Path(target.path), Path(manifest_location(lake, "call-logs", day).path)):
        assert _mode(path) == 0o600, path
