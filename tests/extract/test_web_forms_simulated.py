"""The simulator's web-form layouts (mixed case, typed columns, two spellings) through the extractor."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.engine import RunContext
from coretelecoms.extract.sources import extract
from coretelecoms.lake.filesystem import locate
from coretelecoms.settings import Settings
from coretelecoms.simulator.generate import GenerateConfig, generate

START = date(2026, 3, 2)  # dates no other test's web-form tables use
TYPES = {"Column1": "bigint", "agent ID": "integer", "request_date": "timestamptz",
         "resolution_date": "timestamp", "webFormGenerationDate": "date"}  # fmt: skip


@pytest.mark.parametrize("case", ["lower", "mixed"])
def test_typed_tables_in_either_case_match_the_truth(case, tmp_path, pg_dsn):
    config = GenerateConfig(
        source_url=(tmp_path / "bucket").as_uri(), agents_path=tmp_path / "agents.xlsx", postgres_dsn=pg_dsn,
        start=START, days=2, scale=0.5, seed=3, web_form_table_case=case, web_form_types=TYPES,
        two_table_days={START + timedelta(days=1)},
    )  # fmt: skip
    truth = generate(config)["entities"]["web-forms"]["days"]
    settings = Settings(home=tmp_path / "home", postgres_dsn=pg_dsn)
    lake = locate(settings.lake_url)
    first = truth[START.isoformat()]
    summary = extract("web-forms", settings, RunContext(lake=lake, day=START, run_id="sim"))
    assert summary.source.replace('"', "") == first["location"]
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (
        first["rows"], first["expected_written"], first["expected_quarantined"],
    )  # fmt: skip
    second = START + timedelta(days=1)
    with pytest.raises(PipelineError, match="two web-form tables for 2026-03-03") as info:
        extract("web-forms", settings, RunContext(lake=lake, day=second, run_id="sim"))
    for table in truth[second.isoformat()]["tables"]:
        assert table.split(".")[1] in str(info.value)
