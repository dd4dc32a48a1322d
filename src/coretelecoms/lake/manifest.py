"""The partition manifest: `raw/<entity>/ingest_date=D/_manifest.json`, the commit marker of one extract.

A partition exists for a reader only once its manifest does. Publishing removes the old manifest first
(the partition turns invisible, never half-visible), writes the data, quarantine and drift files, and
writes the manifest last; a kill anywhere in between leaves a partition that no reader trusts.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.fs as pafs

from coretelecoms.common.errors import PipelineError, first_line
from coretelecoms.lake import layout
from coretelecoms.lake.filesystem import Location, private_dir, private_file

MANIFEST_FILE = "_manifest.json"
PARTITION_PREFIX = "ingest_date="


@dataclass
class PartitionManifest:
    """What one published partition holds; rows_read = rows_written + rows_quarantined."""

    entity: str
    date: str
    run_id: str = ""
    source: str = ""
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    drift_columns: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # lake-relative keys; [] when nothing stored
    quarantine: list[str] = field(default_factory=list)  # lake-relative keys
    fingerprint: str | None = None  # "sha256:<hex>" for snapshot deliveries (customers, agents)
    unchanged_since: str | None = None  # the stored delivery this snapshot repeats
    published_at: str = ""

    @property
    def day(self) -> date:
        return date.fromisoformat(self.date)

    @property
    def stored_date(self) -> str:
        """The ingest date whose files hold this delivery's rows (itself unless unchanged)."""
        return self.unchanged_since or self.date

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=False)

    @classmethod
    def from_json(cls, text: str, where: str = "manifest") -> PartitionManifest:
        try:
            data = json.loads(text)
            known = {f.name for f in fields(cls)}
            return cls(**{k: v for k, v in data.items() if k in known})
        except (ValueError, TypeError) as exc:
            raise PipelineError(f"{where}: not a partition manifest ({first_line(exc)})") from exc


def manifest_location(lake: Location, entity: str, day: date) -> Location:
    return layout.partition(lake, layout.RAW, entity, day).join(MANIFEST_FILE)


def relative_key(lake: Location, target: Location) -> str:
    """A lake-relative key (`raw/<entity>/ingest_date=D/part-00000.parquet`) of a location in the lake."""
    root = lake.path.rstrip("/") + "/"
    if not target.path.startswith(root):
        raise ValueError(f"{target.url} is not inside the lake {lake.url}")
    return target.path[len(root) :]


def read_manifest(lake: Location, entity: str, day: date) -> PartitionManifest | None:
    """The published manifest of one partition, or None when the partition is not published."""
    target = manifest_location(lake, entity, day)
    try:
        with target.fs.open_input_stream(target.path) as stream:
            text = stream.read().decode("utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        if target.exists():
            raise PipelineError(f"cannot read {target.url}: {first_line(exc)}") from exc
        return None
    return PartitionManifest.from_json(text, target.url)


def write_manifest(lake: Location, manifest: PartitionManifest, *, kms_key_id: str | None = None) -> str:
    """Write the manifest atomically (the commit of the partition); returns its URL."""
    if not manifest.published_at:
        manifest.published_at = datetime.now(UTC).isoformat(timespec="seconds")
    target = manifest_location(lake, manifest.entity, manifest.day)
    body = (manifest.to_json() + "\n").encode("utf-8")
    if target.is_s3:
        from coretelecoms.lake.s3 import upload_file

        fd, name = tempfile.mkstemp(prefix="coretelecoms-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body)
            upload_file(Path(name), target, kms_key_id=kms_key_id)  # one object: visible only when whole
        finally:
            Path(name).unlink(missing_ok=True)
    else:
        tmp_dir = Path(lake.join(layout.TMP_DIR).path)
        private_dir(tmp_dir)  # the lake holds PII: owner only (issue 11.12)
        tmp = tmp_dir / f"{uuid.uuid4().hex}.json"
        tmp.write_bytes(body)
        private_dir(Path(target.path).parent)
        private_file(tmp).replace(target.path)  # atomic rename on one filesystem
    return target.url


def remove_manifest(lake: Location, entity: str, day: date) -> None:
    """Unpublish a partition (its files may stay; without a manifest no reader looks at them)."""
    from coretelecoms.lake.writer import remove_if_exists

    remove_if_exists(manifest_location(lake, entity, day))


def published_dates(lake: Location, entity: str) -> list[date]:
    """Every ingest date with a partition folder for the entity, sorted (published or not)."""
    folder = lake.join(layout.RAW, entity)
    try:
        infos = folder.fs.get_file_info(pafs.FileSelector(folder.path, allow_not_found=True))
    except OSError:
        return []
    days = []
    for info in infos:
        if info.type == pafs.FileType.Directory and info.base_name.startswith(PARTITION_PREFIX):
            try:
                days.append(date.fromisoformat(info.base_name.removeprefix(PARTITION_PREFIX)))
            except ValueError:
                continue  # not a partition of ours
    return sorted(days)


def latest_manifest_before(lake: Location, entity: str, day: date) -> PartitionManifest | None:
    """The newest published manifest of a date before `day` (snapshot fingerprint and shrink checks)."""
    for earlier in reversed([d for d in published_dates(lake, entity) if d < day]):
        manifest = read_manifest(lake, entity, earlier)
        if manifest is not None:
            return manifest
    return None
