"""Social-media JSON: pandas' column-oriented layout, empty resolution dates, truncated files, drift."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from extract_helpers import read_partition, write_source

from coretelecoms.common.errors import PipelineError
from coretelecoms.extract import json_columns, json_scan
from coretelecoms.extract.sources import extract

KEY = "social_medias/media_complaint_day_2025-11-20.json"


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "complaint_id": [f"SM{i}" for i in range(n)],
            "customeR iD": [f"cust-{i % 7}" for i in range(n)],
            "COMPLAINT_catego ry": ["Network Failure"] * n,
            "agent ID": [1000 + i % 90 for i in range(n)],
            "resolutionstatus": ["Resolved" if i % 2 else "Backlog" for i in range(n)],
            "request_date": ["2025-11-19 08:00:00"] * n,
            "resolution_date": ["2025-11-19 09:30:00" if i % 2 else "" for i in range(n)],
            "media_channel": ["twitter"] * n,
            "MediaComplaintGenerationDate": ["2025-11-20"] * n,
        }
    )


def test_column_oriented_json_lands_as_rows(settings, ctx, monkeypatch):
    monkeypatch.setattr(json_scan, "BLOCK_SIZE", 97)  # many blocks: entries and strings cut at every place
    monkeypatch.setattr(json_columns, "CHUNK_ROWS", 11)
    frame = _frame(40)
    frame.loc[3, "request_date"] = "2025-13-45 10:00:00"
    frame["agent ID"] = frame["agent ID"].astype(object)
    frame.loc[5, "agent ID"] = "A12"
    write_source(settings, KEY, frame.to_json())
    summary = extract("social-media", settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (40, 38, 2)
    rows = read_partition(settings, "raw", "social-media").to_pylist()
    assert [r["complaint_id"] for r in rows] == [f"SM{i}" for i in range(40) if i not in (3, 5)]
    assert rows[0]["resolution_date"] is None and rows[0]["agent_id"] == 1000
    assert rows[1]["resolution_date"].isoformat() == "2025-11-19T09:30:00"
    quarantine = {
        r["location"]: r["reason"] for r in read_partition(settings, "quarantine", "social-media").to_pylist()
    }
    assert set(quarantine) == {"index 3", "index 5"}


def test_truncated_json_fails_naming_the_file_and_writes_nothing(settings, ctx):
    text = _frame(5).to_json()
    write_source(settings, KEY, text[: len(text) // 2])
    with pytest.raises(
        PipelineError, match=r"media_complaint_day_2025-11-20\.json: invalid or truncated JSON"
    ):
        extract("social-media", settings, ctx)
    assert not (settings.home / "lake" / "raw").exists()


def test_records_layout_is_rejected_clearly(settings, ctx):
    write_source(settings, KEY, json.dumps([{"complaint_id": "x"}]))
    with pytest.raises(PipelineError, match="expected column-oriented JSON"):
        extract("social-media", settings, ctx)


def test_new_column_mid_series_is_reported_as_drift(settings, ctx):
    frame = _frame(3)
    frame["sentiment"] = ["neg", "pos", "neg"]
    write_source(settings, KEY, frame.to_json())
    summary = extract("social-media", settings, ctx)
    assert summary.drift_columns == ["sentiment"] and summary.rows_written == 3
    drift = read_partition(settings, "quarantine", "social-media", "drift-00000.parquet").to_pylist()
    assert [d["sentiment"] for d in drift] == ["neg", "pos", "neg"]
    assert [d["location"] for d in drift] == ["index 0", "index 1", "index 2"]


def test_quarantine_names_the_rows_own_index_label(settings, ctx):
    frame = _frame(3)
    frame.index = [10, 20, 30]
    frame.loc[20, "request_date"] = "N/A"
    write_source(settings, KEY, frame.to_json())
    extract("social-media", settings, ctx)
    quarantine = read_partition(settings, "quarantine", "social-media").to_pylist()
    assert [q["location"] for q in quarantine] == ["index 20"]
