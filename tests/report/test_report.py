"""`coretelecoms report`: one self-contained HTML page from the marts, which a real browser opens offline."""

from __future__ import annotations

import re

import browser
import png
import pytest
from click.testing import CliRunner
from dbt_warehouse import make_settings, query

from coretelecoms.cli import cli
from coretelecoms.common.errors import PipelineError
from coretelecoms.report import default_report_path, write_report
from coretelecoms.report.page import pseudonym

SECTIONS = (
    "Complaints per day and channel",
    "Backlog and SLA breaches",
    "Resolution time by category",
    "Agent workload against resolution rate",
    "Repeat contacts",
    "Customers at highest risk",
    "Data quality per source",
)


@pytest.fixture(scope="module")
def page(marts, tmp_path_factory):
    path = write_report(marts.settings, tmp_path_factory.mktemp("report") / "nested" / "report.html")
    return path, path.read_text(encoding="utf-8")


def test_page_has_every_section_with_a_chart(page):
    path, html = page
    assert path.is_file() and html.startswith("<!DOCTYPE html>")
    for title in SECTIONS:
        assert f"<h2>{title}</h2>" in html
    assert html.count("<svg") >= 6


def test_page_is_self_contained(page):
    _, html = page
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "http://" not in html and "https://" not in html
    assert "@import" not in html and "url(" not in html  # no CSS fetches either


def test_page_figures_come_from_the_marts(page, marts):
    _, html = page
    [head] = query(marts.settings, "select count(*) as n from marts.fct_complaints")
    assert f"<b>{head['n']}</b><span>complaints</span>" in html
    [backlog] = query(
        marts.settings,
        "select sum(open_complaints) as n from marts.backlog_daily "
        "where snapshot_date = (select max(snapshot_date) from marts.backlog_daily)",
    )
    assert f"<b>{backlog['n']}</b><span>open at latest delivery</span>" in html


def test_customers_appear_only_as_hashes(page, marts):
    _, html = page
    customers = query(marts.settings, "select * from marts.dim_customers where not is_unknown_member")
    top = query(
        marts.settings, "select customer_id from marts.customer_health_weekly where churn_risk_score > 0"
    )
    assert top
    for row in top:
        assert pseudonym(row["customer_id"]) in html
    for customer in customers:
        for value in (
            customer["customer_id"],
            customer["customer_name"],
            customer["email"],
            customer["address"],
        ):
            if value:
                assert value not in html, value


def test_cli_writes_the_report_and_prints_where(marts, tmp_path):
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        cli,
        ["--home", str(marts.settings.home), "report", "--out", str(out)],
        obj={"settings": marts.settings},
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"report: {out}"
    assert "<h2>Backlog and SLA breaches</h2>" in out.read_text()
    assert default_report_path(marts.settings) == marts.settings.home / "report" / "index.html"


def test_no_warehouse_is_one_clear_error(tmp_path):
    with pytest.raises(PipelineError, match=r"no warehouse at .*run `coretelecoms run`"):
        write_report(make_settings(tmp_path), tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_unbuilt_marts_are_one_clear_error(tmp_path):
    import duckdb

    settings = make_settings(tmp_path)
    duckdb.connect(str(settings.duckdb_path)).close()  # a warehouse with nothing in it
    with pytest.raises(PipelineError, match="are the marts built"):
        write_report(settings, tmp_path / "r.html")


@pytest.mark.skipif(
    not browser.available(), reason=f"no Chromium at {browser.CHROMIUM} (apt-get install chromium)"
)
def test_headless_chromium_renders_the_page_without_errors_or_fetches(page):
    path, _ = page
    seen = browser.open_page(path.as_uri())
    assert seen.console_errors == []
    assert seen.requests == [path.as_uri()]  # the page itself, and nothing else
    share, colours = png.ink_share(seen.screenshot)
    assert share > 0.05 and colours > 20, (share, colours)


@pytest.mark.skipif(
    not browser.available(), reason=f"no Chromium at {browser.CHROMIUM} (apt-get install chromium)"
)
def test_the_browser_check_sees_errors_fetches_and_blank_pages(tmp_path):
    """The check above can fail: a console error, a fetch and an empty page are all noticed."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<html><body><script>console.error('boom'); fetch('http://127.0.0.1:9/x');</script></body></html>"
    )
    seen = browser.open_page(bad.as_uri())
    assert any("boom" in e for e in seen.console_errors)
    assert "http://127.0.0.1:9/x" in seen.requests
    assert png.ink_share(seen.screenshot)[0] < 0.01
