"""The dbt project agrees with the Python contracts (RAW columns, value domains) and keeps its own rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from dbt_raw import ENTITIES_BY_TABLE, raw_schema

from coretelecoms.common.entities import COMPLAINT_CATEGORIES, MEDIA_CHANNELS, RESOLUTION_STATUSES
from coretelecoms.load.common import column_types
from coretelecoms.transform import default_project_dir

PROJECT = default_project_dir()
# The dbt sources declare the types the DuckDB loader creates its RAW tables with.
_SQL_TYPES = {arrow: sql.lower() for arrow, sql in column_types("duckdb").items()}


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _sources() -> dict[str, dict]:
    [source] = _yaml(PROJECT / "models/staging/raw/_raw__sources.yml")["sources"]
    return {table["name"]: table for table in source["tables"]}


@pytest.mark.parametrize("table", sorted(ENTITIES_BY_TABLE))
def test_source_columns_are_the_raw_contract(table):
    """Column names, order and types of each source = the entity's Arrow schema + `_loaded_at`."""
    declared = [(c["name"], c["data_type"]) for c in _sources()[table]["columns"]]
    expected = [(f.name, _SQL_TYPES[f.type]) for f in raw_schema(ENTITIES_BY_TABLE[table])]
    assert declared == expected


def test_sources_have_freshness_on_loaded_at():
    [source] = _yaml(PROJECT / "models/staging/raw/_raw__sources.yml")["sources"]
    assert source["config"]["loaded_at_field"] == "_loaded_at"
    assert "warn_after" in source["config"]["freshness"]
    assert "error_after" not in source["config"]["freshness"]  # stale RAW must never stop the build


def test_value_domains_match_the_entities_module():
    variables = _yaml(PROJECT / "dbt_project.yml")["vars"]
    assert tuple(variables["complaint_categories"]) == COMPLAINT_CATEGORIES
    assert tuple(variables["resolution_statuses"]) == RESOLUTION_STATUSES
    # Brand-cased as delivered (SOURCES.md); staging matches them case-insensitively.
    assert variables["media_channels"] == ["Instagram", "Twitter", "Facebook", "LinkedIn"]
    assert [c.lower() for c in variables["media_channels"]] == [c.lower() for c in MEDIA_CHANNELS]
    assert variables["channels"] == ["call_center", "social_media", "web_form"]


def test_profiles_read_only_environment_variables():
    text = (PROJECT / "profiles.yml").read_text()
    templates = re.findall(r"\{\{(.*?)\}\}", text)
    assert templates
    for template in templates:
        assert "env_var(" in template, template
    outputs = _yaml(PROJECT / "profiles.yml")["coretelecoms"]["outputs"]
    assert {name: o["type"] for name, o in outputs.items()} == {"local": "duckdb", "snowflake": "snowflake"}


def test_source_is_only_read_in_staging():
    for path in (PROJECT / "models").rglob("*.sql"):
        if "staging" not in path.parts:
            assert "source(" not in path.read_text(), path


def test_every_model_is_documented():
    documented = {}
    for path in (PROJECT / "models").rglob("_*__*.yml"):  # models and customer_success files
        documented |= {m["name"]: m for m in _yaml(path).get("models", [])}
    models = {p.stem for p in (PROJECT / "models").rglob("*.sql")}
    assert models == set(documented)
    assert all(m.get("description") for m in documented.values())


def test_warehouse_specific_sql_lives_in_dispatch_macros():
    """Functions whose spelling differs between DuckDB and Snowflake never appear in a model."""
    specific = re.compile(
        r"\b(regexp_\w+|sha2|sha256|isodow|dayofweekiso|epoch|date_diff|string_agg|listagg)\s*\("
    )
    for path in (PROJECT / "models").rglob("*.sql"):
        assert not specific.search(path.read_text().lower()), path
