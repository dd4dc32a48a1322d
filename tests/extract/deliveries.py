"""Hand-made deliveries of all five sources in their exact real layouts (SOURCES.md), from rows of raw text.

Each `SourceKit` writes a day's delivery where its extractor looks for it: a CSV or column-oriented
JSON in the source bucket, a first worksheet of an .xlsx, or a PostgreSQL table in
`customer_complaints`. The contract suite runs the same tests over all five through these kits.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import psycopg2

from coretelecoms.common.entities import ENTITIES, Entity
from coretelecoms.lake.filesystem import locate
from coretelecoms.settings import Settings

Row = dict[str, str]


def good_row(entity: Entity, i: int, day: date) -> Row:
    """A record that fits the contract, keyed by the raw headers."""
    complaint = {
        "customeR iD": f"u{i}", "COMPLAINT_catego ry": "Payments", "agent ID": str(1000 + i % 7),
        "resolutionstatus": "Resolved",
    }  # fmt: skip
    generated = day.isoformat()
    rows = {
        "customers": {
            "customer_id": f"c{i}", "name": f"Name {i}", "Gender": "F", "DATE of biRTH": "1990-01-02",
            "signup_date": "2015-03-04", "email": f"2772n{i}@GmaiL.om", "address": f"{i} Oak St\nDover, DE 19901",
        },
        "agents": {"iD": str(1000 + i), "NamE": f"Agent {i}", "experience": "Senior", "state": "Rhode Island"},
        "call-logs": {
            "": str(2 * i), "call ID": f"C{i}", **complaint, "call_start_time": "2025-11-19 10:00:00",
            "call_end_time": "2025-11-19 10:05:00", "callLogsGenerationDate": generated,
        },
        "social-media": {
            "complaint_id": f"S{i}", **complaint, "request_date": "2025-11-19 10:00:00",
            "resolution_date": "2025-11-19 12:00:00", "media_channel": "Instagram",
            "MediaComplaintGenerationDate": generated,
        },
        "web-forms": {
            "Column1": str(i), "request_id": f"W{i}", **complaint, "request_date": "2025-11-19 10:00:00",
            "resolution_date": "", "webFormGenerationDate": generated,
        },
    }  # fmt: skip
    return rows[entity.name]


def bad_row(entity: Entity, i: int, day: date) -> Row:
    """A record with an empty source id: quarantined by every extractor with the reason `empty <key>`."""
    row = good_row(entity, i, day)
    row[next(c.source for c in entity.columns if c.name == entity.key)] = ""
    return row


@dataclass
class SourceKit:
    entity: Entity
    settings: Settings

    def write(self, day: date, rows: list[Row]) -> None:
        getattr(self, "_" + self.entity.name.replace("-", "_"))(day, rows)

    def _bucket_file(self, day: date) -> Path:
        path = Path(locate(self.settings.source_url).path) / self.entity.location.format(date=day.isoformat())
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _csv(self, day: date, rows: list[Row]) -> None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.entity_headers(rows))
        writer.writerows([list(r.values()) for r in rows])
        self._bucket_file(day).write_text(out.getvalue(), encoding="utf-8")

    _customers = _call_logs = _csv

    def _social_media(self, day: date, rows: list[Row]) -> None:
        columns = {h: {str(k): r[h] for k, r in enumerate(rows)} for h in self.entity_headers(rows)}
        for k, r in enumerate(rows):  # pandas writes the integer column as numbers
            if r["agent ID"].isdigit():
                columns["agent ID"][str(k)] = int(r["agent ID"])
        self._bucket_file(day).write_text(json.dumps(columns), encoding="utf-8")

    def _agents(self, day: date, rows: list[Row]) -> None:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "CORETELECOMMS AGENTS"
        sheet.append(self.entity_headers(rows))
        for r in rows:
            sheet.append([int(v) if k == "iD" and v.isdigit() else v for k, v in r.items()])
        path = Path(self.settings.agents_sheet)
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(path)

    def _web_forms(self, day: date, rows: list[Row]) -> None:
        table = f"customer_complaints.web_form_request_{day.strftime('%Y_%m_%d')}"
        headers = self.entity_headers(rows)
        with psycopg2.connect(self.settings.dsn) as conn, conn.cursor() as cur:
            cur.execute("CREATE SCHEMA IF NOT EXISTS customer_complaints")
            cur.execute(f"DROP TABLE IF EXISTS {table}")
            cur.execute(f"CREATE TABLE {table} ({', '.join(f'{json.dumps(h)} text' for h in headers)})")
            for r in rows:
                cur.execute(f"INSERT INTO {table} VALUES ({', '.join(['%s'] * len(r))})", list(r.values()))

    def remove(self, day: date) -> None:
        """Take the day's delivery away (a missing file, sheet or table)."""
        if self.entity.name == "web-forms":
            with psycopg2.connect(self.settings.dsn) as conn, conn.cursor() as cur:
                cur.execute(
                    f"DROP TABLE IF EXISTS customer_complaints.web_form_request_{day.strftime('%Y_%m_%d')}"
                )
        elif self.entity.name == "agents":
            Path(self.settings.agents_sheet).unlink(missing_ok=True)
        else:
            self._bucket_file(day).unlink(missing_ok=True)

    def entity_headers(self, rows: list[Row]) -> list[str]:
        return list(rows[0]) if rows else list(good_row(self.entity, 0, date(2025, 11, 20)))


def kit(name: str, settings: Settings) -> SourceKit:
    return SourceKit(ENTITIES[name], settings)
