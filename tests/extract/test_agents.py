"""Agents roster from the spreadsheet stand-ins (.xlsx and .csv)."""

from __future__ import annotations

import openpyxl
from extract_helpers import read_partition

from coretelecoms.extract.sources import extract


def test_xlsx_first_worksheet(settings, ctx):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "CORETELECOMMS AGENTS"
    sheet.append(["iD", "NamE", "experience", "state"])
    sheet.append([1000, "Ada Obi", "Senior", "TX"])
    sheet.append([1001.0, "Ben Cho", "mid-level", "CA"])
    sheet.append([None, None, None, None])  # blank padding row
    sheet.append(["x7", "Bad Id", "intern", "NY"])
    path = settings.home / "sources" / "agents.xlsx"
    path.parent.mkdir(parents=True)
    workbook.save(path)
    summary = extract("agents", settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (3, 2, 1)
    rows = read_partition(settings, "raw", "agents").to_pylist()
    assert [(r["agent_id"], r["experience"]) for r in rows] == [(1000, "Senior"), (1001, "mid-level")]
    assert rows[0]["_source"].endswith("agents.xlsx#CORETELECOMMS AGENTS")
    quarantine = read_partition(settings, "quarantine", "agents").to_pylist()
    assert [(q["location"], q["reason"]) for q in quarantine] == [
        ("row 5", "agent_id 'x7' is not an integer")
    ]


def test_csv_stand_in(settings, ctx):
    path = settings.home / "agents.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("iD,NamE,experience,state\n1000,Ada,Mid,TX\n")
    settings.agents_sheet = str(path)
    assert extract("agents", settings, ctx).rows_written == 1
