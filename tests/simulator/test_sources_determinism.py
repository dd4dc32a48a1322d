"""Same seed and configuration, same bytes and table contents; chunking never shows in the output."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import psycopg2
from sources_runs import Run, run_sources

from coretelecoms.common.entities import WEB_FORMS_SCHEMA


def _files(run: Run) -> dict[str, bytes]:
    found = {
        str(p.relative_to(run.bucket)): p.read_bytes() for p in sorted(run.bucket.rglob("*")) if p.is_file()
    }
    found["<agents>"] = Path(run.config.agents_path).read_bytes()
    return found


def _tables(dsn: str, run: Run) -> dict[str, list[tuple]]:
    contents = {}
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        for truth in run.days("web-forms").values():
            table = truth["location"].split(".", 1)[1]
            cursor.execute(f'SELECT * FROM "{WEB_FORMS_SCHEMA}"."{table}" ORDER BY "Column1"::int')
            contents[table] = cursor.fetchall()
    connection.close()
    return contents


def test_same_seed_same_bytes_and_tables(tmp_path, sources_pg):
    first = run_sources(tmp_path / "a", sources_pg, date(2025, 12, 1), 3)
    first_tables = _tables(sources_pg, first)
    second = run_sources(tmp_path / "b", sources_pg, date(2025, 12, 1), 3)
    assert _files(first) == _files(second)
    assert first.manifest == second.manifest
    assert _tables(sources_pg, second) == first_tables
    assert sum(len(rows) for rows in first_tables.values()) > 380  # ~140 web forms a day at scale 1


def test_chunk_size_does_not_change_the_output(tmp_path, sources_pg):
    # Tiny chunks cut every file into dozens of pieces; the bytes, tables and counts must not notice.
    whole = run_sources(tmp_path / "whole", sources_pg, date(2025, 12, 10), 2, scale=0.3)
    whole_tables = _tables(sources_pg, whole)
    pieces = run_sources(tmp_path / "pieces", sources_pg, date(2025, 12, 10), 2, scale=0.3, chunk_rows=7)
    assert _files(whole) == _files(pieces)
    assert whole.manifest == pieces.manifest
    assert _tables(sources_pg, pieces) == whole_tables


def test_another_seed_gives_other_data(tmp_path):
    first = _files(run_sources(tmp_path / "a", None, date(2025, 11, 20), 1, scale=0.2, seed=1))
    second = _files(run_sources(tmp_path / "b", None, date(2025, 11, 20), 1, scale=0.2, seed=2))
    assert first.keys() == second.keys()
    assert all(first[k] != second[k] for k in first)


def test_workbook_carries_no_save_time(tmp_path):
    # Two saves a second apart would differ if any save time leaked into the .xlsx.
    run = run_sources(tmp_path, None, date(2025, 11, 20), 1, scale=0.1)
    with zipfile.ZipFile(run.config.agents_path) as workbook:
        assert {entry.date_time for entry in workbook.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = workbook.read("docProps/core.xml").decode()
    assert core.count("2025-11-01T00:00:00Z") == 2  # created and modified, both pinned


def test_regenerating_replaces_the_tables(tmp_path, sources_pg):
    run_sources(tmp_path / "big", sources_pg, date(2025, 12, 20), 2, scale=0.6)
    small = run_sources(tmp_path / "small", sources_pg, date(2025, 12, 20), 2, scale=0.2)
    tables = _tables(sources_pg, small)
    for truth in small.days("web-forms").values():
        assert len(tables[truth["location"].split(".", 1)[1]]) == truth["rows"]
