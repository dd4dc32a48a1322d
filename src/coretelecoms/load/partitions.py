"""The day's published partitions: only folders with a `_manifest.json`, and only the files it lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coretelecoms.common.entities import Entity
from coretelecoms.common.errors import PipelineError
from coretelecoms.lake import layout
from coretelecoms.lake.filesystem import Location
from coretelecoms.lake.manifest import PartitionManifest, manifest_location, read_manifest
from coretelecoms.load.common import entities


@dataclass(frozen=True)
class Partition:
    """One entity's published partition for the day: its manifest and the data files it lists."""

    entity: Entity
    manifest: PartitionManifest
    files: tuple[Location, ...]  # [] for an unchanged snapshot or a day whose every row was quarantined

    @property
    def folder(self) -> str:
        """The partition folder below the raw zone, `<entity>/ingest_date=D` (what a stage over raw/ sees)."""
        return f"{self.entity.name}/ingest_date={self.manifest.date}"

    @property
    def file_names(self) -> list[str]:
        return [f.path.rsplit("/", 1)[-1] for f in self.files]


def day_partitions(lake: Location, day: date, *, check_files: bool = True) -> list[Partition]:
    """Every entity's published partition for `day`, in entity order.

    `check_files=False` reads the manifests only: for a warehouse that reads the data files itself (a
    Snowflake external stage), so the loader needs no access to the rows, only to `_manifest.json`.

    Raises:
        PipelineError: an entity has no published partition for the day (the load would be partial), a
            manifest is for another entity or date, or lists a file outside its partition or absent.
    """
    partitions, missing = [], []
    for entity in entities():
        manifest = read_manifest(lake, entity.name, day)
        if manifest is None:
            missing.append(entity.name)
            continue
        partitions.append(_checked(lake, entity, day, manifest, check_files))
    if missing:
        raise PipelineError(
            f"no published partition for {', '.join(missing)} on {day} in {lake.url} (no _manifest.json): "
            "extract them first; nothing was loaded"
        )
    return partitions


def _checked(
    lake: Location, entity: Entity, day: date, manifest: PartitionManifest, check_files: bool
) -> Partition:
    where = manifest_location(lake, entity.name, day).url
    if (manifest.entity, manifest.date) != (entity.name, day.isoformat()):
        raise PipelineError(
            f"{where} describes {manifest.entity} of {manifest.date}, not {entity.name} of {day}"
        )
    folder = layout.partition(lake, layout.RAW, entity.name, day)
    prefix = f"{layout.RAW}/{entity.name}/ingest_date={day.isoformat()}/"
    files = []
    for key in manifest.outputs:
        name = key.removeprefix(prefix)
        if name == key or "/" in name or not name.endswith(".parquet"):
            raise PipelineError(
                f"{where} lists {key!r}, which is not a Parquet file of its partition {prefix}"
            )
        location = folder.join(name)
        if check_files and not location.exists():
            raise PipelineError(
                f"{where} lists {location.url}, which is absent: re-run the extract of {entity.name}"
            )
        files.append(location)
    return Partition(entity, manifest, tuple(files))
