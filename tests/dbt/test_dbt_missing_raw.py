"""A RAW table missing or empty for a day: the build still succeeds from the rest, and freshness warns."""

from __future__ import annotations

from dbt_raw import DAY1, base_raw, delivery, web_day1, write_raw
from dbt_warehouse import complaints, make_settings, query

from coretelecoms.common.entities import WEB_FORMS
from coretelecoms.transform import dbt_build


def test_missing_and_empty_raw_tables_build_with_freshness_warnings(tmp_path):
    settings = make_settings(tmp_path)
    raw = base_raw()
    raw["call_logs"] = None  # the table never arrived
    raw["social_media_complaints"] = raw["social_media_complaints"].slice(0, 0)  # arrived empty
    # Web forms only delivered on the first day, which is more than 36 hours ago.
    raw["web_form_requests"] = delivery(WEB_FORMS, web_day1(), day=DAY1)
    write_raw(settings.duckdb_path, raw)

    result = dbt_build(settings, progress=False)

    assert result.success and result.tests_failed == 0  # the reconciliation test included
    assert sorted(result.stale_sources) == [
        "raw.call_logs: missing or empty",
        "raw.social_media_complaints: missing or empty",
        # a real timestamp: the table is there, only late
        next(s for s in result.stale_sources if s.startswith("raw.web_form_requests: last loaded 20")),
    ]
    assert {channel for channel, _ in complaints(settings)} == {"web_form"}
    # The models over the missing table exist, empty, so that BI queries keep working.
    assert query(settings, "select count(*) as n from staging.stg_raw__call_logs") == [{"n": 0}]
