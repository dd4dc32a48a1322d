"""The lake layout of DESIGN.md: `raw/<entity>/ingest_date=YYYY-MM-DD/` and its quarantine twin."""

from __future__ import annotations

from datetime import date

from coretelecoms.lake.filesystem import Location

RAW = "raw"
QUARANTINE = "quarantine"
DATA_FILE = "part-00000.parquet"  # one deterministic name per partition: a re-run overwrites, never adds
DRIFT_FILE = "drift-00000.parquet"
TMP_DIR = "_tmp"  # unfinished files: never read, cleared by the next run of the same partition


def partition(lake: Location, zone: str, entity: str, day: date) -> Location:
    """The folder of one entity's partition for one ingest date."""
    return lake.join(zone, entity, f"ingest_date={day.isoformat()}")


def data_file(lake: Location, entity: str, day: date) -> Location:
    return partition(lake, RAW, entity, day).join(DATA_FILE)


def list_parquet(folder: Location) -> list[Location]:
    """The Parquet files of a partition folder, sorted; empty when the folder does not exist."""
    import pyarrow.fs as pafs

    if not folder.exists():
        return []
    infos = folder.fs.get_file_info(pafs.FileSelector(folder.path, recursive=False))
    names = sorted(
        i.base_name for i in infos if i.type == pafs.FileType.File and i.base_name.endswith(".parquet")
    )
    return [folder.join(n) for n in names]


def scratch(lake: Location, entity: str, day: date) -> Location:
    """Where one partition's unfinished files are written (same filesystem as the lake, so renames are atomic)."""
    return lake.join(TMP_DIR, entity, day.isoformat())
