"""The report through the same query layer on the Snowflake target: marts built by dbt-snowflake on fakesnow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dbt_raw import EXPECTED_COMPLAINTS, base_raw
from test_dbt_snowflake import DATABASE, FAKESNOW_WITH_SHIM, NO_UNIT_TESTS, _write_raw

from coretelecoms.report import write_report
from coretelecoms.settings import Settings
from coretelecoms.transform import dbt_build
from local_servers import serve


@pytest.fixture(scope="module")
def fakesnow_port(tmp_path_factory) -> Iterator[int]:
    """fakesnow with the dbt tests' shim (schema swap, temporary objects): how the marts get published there."""
    with serve(FAKESNOW_WITH_SHIM, log=tmp_path_factory.mktemp("fakesnow") / "server.log") as port:
        yield port


@pytest.mark.slow
def test_report_reads_the_marts_on_snowflake(fakesnow_port, tmp_path, monkeypatch):
    for name, value in {"SNOWFLAKE_ACCOUNT": "fakesnow", "SNOWFLAKE_USER": "tester", "SNOWFLAKE_PASSWORD": "unused",
                        "SNOWFLAKE_HOST": "127.0.0.1", "SNOWFLAKE_PORT": str(fakesnow_port),
                        "SNOWFLAKE_PROTOCOL": "http", "SNOWFLAKE_DATABASE": DATABASE}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SNOWFLAKE_PRIVATE_KEY_PATH", raising=False)
    settings = Settings(home=tmp_path, warehouse="snowflake")
    _write_raw(fakesnow_port, base_raw())
    assert dbt_build(settings, exclude=NO_UNIT_TESTS, progress=False).success

    html = write_report(settings, tmp_path / "report.html").read_text()

    assert "warehouse snowflake" in html
    assert f"<b>{len(EXPECTED_COMPLAINTS)}</b><span>complaints</span>" in html
    assert "<h2>Customers at highest risk</h2>" in html and html.count("<svg") >= 6
