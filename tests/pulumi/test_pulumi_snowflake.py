"""SnowflakeWarehouse: database and schemas, capped compute, roles and their exact grants, users, PII masking."""

from __future__ import annotations

import re

import duckdb
import pytest

SF = "snowflake:index/"
GRANT = f"{SF}grantPrivilegesToAccountRole:GrantPrivilegesToAccountRole"
GRANT_ROLE = f"{SF}grantAccountRole:GrantAccountRole"
DB = '"CORETELECOMS"'


def schema(name: str) -> str:
    return f'{DB}."{name}"'


def grants(program) -> set[tuple]:
    """Every privilege grant as (role, target, privilege) — one tuple per privilege, so extras show up."""
    found = set()
    for g in program.of_type(GRANT):
        inputs = g.inputs
        assert not inputs.get("allPrivileges"), g.name
        assert not inputs.get("withGrantOption"), g.name
        assert not inputs.get("onAccount"), g.name
        if "onAccountObject" in inputs:
            target = (
                "object",
                inputs["onAccountObject"]["objectType"],
                inputs["onAccountObject"]["objectName"],
            )
        elif "onSchema" in inputs:
            assert set(inputs["onSchema"]) == {"schemaName"}, (
                g.name
            )  # never all/future schemas in the database
            target = ("schema", inputs["onSchema"]["schemaName"])
        else:
            on = inputs["onSchemaObject"]
            if "objectName" in on:
                target = ("schema object", on["objectType"], on["objectName"])
            else:
                ((when, spec),) = on.items()
                assert "inDatabase" not in spec, g.name
                target = (when, spec["objectTypePlural"], spec["inSchema"])
        for privilege in inputs["privileges"]:
            found.add((inputs["accountRoleName"], target, privilege))
    return found


def _usage(role):
    return {
        (role, ("object", "WAREHOUSE", "CORETELECOMS_WH"), "USAGE"),
        (role, ("object", "DATABASE", "CORETELECOMS"), "USAGE"),
    }


EXPECTED_GRANTS = {
    *_usage("LOADER"),
    ("LOADER", ("schema", schema("RAW")), "USAGE"),
    ("LOADER", ("schema", schema("RAW")), "CREATE TABLE"),
    ("LOADER", ("schema object", "STAGE", f'{schema("RAW")}."LAKE_STAGE"'), "USAGE"),
    ("LOADER", ("schema object", "FILE FORMAT", f'{schema("RAW")}."PARQUET"'), "USAGE"),
    *_usage("TRANSFORMER"),
    ("TRANSFORMER", ("schema", schema("RAW")), "USAGE"),
    ("TRANSFORMER", ("all", "TABLES", schema("RAW")), "SELECT"),
    ("TRANSFORMER", ("future", "TABLES", schema("RAW")), "SELECT"),
    *{
        ("TRANSFORMER", ("schema", schema(s)), p)
        for s in ("STAGING", "INTERMEDIATE", "MARTS")
        for p in ("USAGE", "CREATE TABLE", "CREATE VIEW")
    },
    ("TRANSFORMER", ("schema", schema("GOVERNANCE")), "USAGE"),
    ("TRANSFORMER", ("schema object", "TAG", f'{schema("GOVERNANCE")}."PII"'), "APPLY"),
    *_usage("REPORTER"),
    ("REPORTER", ("schema", schema("MARTS")), "USAGE"),
    *{
        ("REPORTER", (when, plural, schema("MARTS")), "SELECT")
        for when in ("all", "future")
        for plural in ("TABLES", "VIEWS")
    },
}


def test_database_and_schemas(program):
    database = program.one(f"{SF}database:Database")
    assert database.inputs["name"] == "CORETELECOMS"
    schemas = {s.inputs["name"]: s for s in program.of_type(f"{SF}schema:Schema")}
    assert set(schemas) == {"RAW", "STAGING", "INTERMEDIATE", "MARTS", "GOVERNANCE"}
    assert {s.inputs["database"] for s in schemas.values()} == {"CORETELECOMS"}
    assert all(database.urn in s.dependencies for s in schemas.values())


def test_xsmall_warehouse_suspends_resumes_and_is_capped(program):
    warehouse = program.one(f"{SF}warehouse:Warehouse")
    monitor = program.one(f"{SF}resourceMonitor:ResourceMonitor")
    assert warehouse.inputs["warehouseSize"] in ("XSMALL", "X-SMALL")
    assert warehouse.inputs["autoSuspend"] == 60
    assert warehouse.inputs["autoResume"] == "true"
    assert warehouse.inputs["initiallySuspended"] is True
    assert warehouse.inputs["resourceMonitor"] == monitor.inputs["name"]
    assert monitor.urn in warehouse.dependencies
    assert monitor.inputs["creditQuota"] == 10
    assert monitor.inputs["frequency"] == "MONTHLY"
    assert monitor.inputs["suspendTrigger"] == 100
    assert monitor.inputs["suspendImmediateTrigger"] > 100


def test_warehouse_settings_come_from_config(variant):
    assert variant.one(f"{SF}warehouse:Warehouse").inputs["autoSuspend"] == 120
    assert variant.one(f"{SF}resourceMonitor:ResourceMonitor").inputs["creditQuota"] == 42


def test_three_roles_under_sysadmin(program):
    roles = {r.inputs["name"] for r in program.of_type(f"{SF}accountRole:AccountRole")}
    assert roles == {"LOADER", "TRANSFORMER", "REPORTER"}
    parents = {(g.inputs["roleName"], g.inputs.get("parentRoleName")) for g in program.of_type(GRANT_ROLE)}
    assert {(r, "SYSADMIN") for r in roles} <= parents


def test_grants_are_exactly_the_least_privilege_set(program):
    actual = grants(program)
    assert actual - EXPECTED_GRANTS == set(), "extra grants"
    assert EXPECTED_GRANTS - actual == set(), "missing grants"


def test_reporter_sees_only_marts_and_never_raw(program):
    for role, target, _ in grants(program):
        if role == "REPORTER" and target[0] != "object":
            assert target[-1] == schema("MARTS"), target


def test_no_role_may_write_outside_its_schemas(program):
    writes = {
        (role, target[-1])
        for role, target, p in grants(program)
        if p.startswith("CREATE") or p in ("INSERT", "UPDATE", "DELETE")
    }
    assert writes == {("LOADER", schema("RAW"))} | {
        ("TRANSFORMER", schema(s)) for s in ("STAGING", "INTERMEDIATE", "MARTS")
    }


@pytest.mark.parametrize(
    ("key", "user", "role", "namespace"),
    [
        ("loader", "LOADER", "LOADER", "CORETELECOMS.RAW"),
        ("transformer", "TRANSFORMER", "TRANSFORMER", "CORETELECOMS.MARTS"),
    ],
)
def test_service_users_use_key_pairs_from_config(program, key_pairs, key, user, role, namespace):
    registration = program.one(f"{SF}serviceUser:ServiceUser", f"snowflake-user-{key}")
    pem = key_pairs[key][0]
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    assert registration.inputs["name"] == user
    assert registration.inputs["rsaPublicKey"] == body
    assert "password" not in registration.inputs
    assert registration.inputs["defaultRole"] == role
    assert registration.inputs["defaultWarehouse"] == "CORETELECOMS_WH"
    assert registration.inputs["defaultNamespace"] == namespace
    assert registration.inputs["defaultSecondaryRolesOption"] == "NONE"
    grants_to_user = [g.inputs for g in program.of_type(GRANT_ROLE) if g.inputs.get("userName") == user]
    assert grants_to_user == [{"roleName": role, "userName": user}]


def test_only_pipeline_service_users_are_created(program):
    assert (
        program.of_type(f"{SF}user:User") == []
        and program.of_type(f"{SF}legacyServiceUser:LegacyServiceUser") == []
    )
    assert len(program.of_type(f"{SF}serviceUser:ServiceUser")) == 2


@pytest.fixture(scope="module")
def masking(program):
    policies = {p.inputs["returnDataType"]: p for p in program.of_type(f"{SF}maskingPolicy:MaskingPolicy")}
    tag = program.one(f"{SF}tag:Tag")
    return policies, tag


def test_pii_tag_covers_the_pii_columns_and_carries_both_policies(masking):
    policies, tag = masking
    assert set(tag.inputs["allowedValues"]) == {"email", "address", "date_of_birth", "name"}
    assert tag.inputs["schema"] == "GOVERNANCE"
    assert sorted(tag.inputs["maskingPolicies"]) == sorted(
        p.outputs["fullyQualifiedName"] for p in policies.values()
    )
    assert set(policies) == {"VARCHAR", "DATE"}
    for policy in policies.values():
        assert policy.inputs["arguments"] == [{"name": "VAL", "type": policy.inputs["returnDataType"]}]


def _evaluate(body: str, role: str, literal: str):
    """Run the policy body in DuckDB with CURRENT_ROLE() and VAL replaced by literals."""
    assert "CURRENT_ROLE()" in body
    sql = re.sub(r"\bVAL\b", literal, body.replace("CURRENT_ROLE()", f"'{role}'"))
    return duckdb.sql(f"SELECT {sql}").fetchone()[0]


@pytest.mark.parametrize(
    ("data_type", "literal", "clear"),
    [
        ("VARCHAR", "'jane@example.com'", "jane@example.com"),
        ("DATE", "DATE '1990-04-01'", "1990-04-01"),
    ],
)
def test_masking_hides_pii_from_reporter_and_shows_it_to_transformer(masking, data_type, literal, clear):
    body = masking[0][data_type].inputs["body"]
    assert str(_evaluate(body, "TRANSFORMER", literal)) == clear
    for role in ("REPORTER", "LOADER", "ACCOUNTADMIN", "PUBLIC"):
        masked = _evaluate(body, role, literal)
        assert masked is None or clear not in str(masked), role


def test_masking_objects_live_outside_dbt_schemas(program):
    for registration in [*program.of_type(f"{SF}maskingPolicy:MaskingPolicy"), program.one(f"{SF}tag:Tag")]:
        assert registration.inputs["schema"] == "GOVERNANCE"
