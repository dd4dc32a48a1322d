"""Snowflake warehouse objects: database, schemas, compute with a credit cap, roles, grants, users, PII masking."""

from __future__ import annotations

import pulumi
import pulumi_snowflake as snowflake

from config import SnowflakeNames

# dbt builds staging → intermediate → marts; RAW is the loader's. GOVERNANCE holds the masking policies and
# the PII tag, owned by the deploying role, so neither dbt nor the loader can alter or drop them.
SCHEMAS = ("RAW", "STAGING", "INTERMEDIATE", "MARTS", "GOVERNANCE")
DBT_SCHEMAS = ("STAGING", "INTERMEDIATE", "MARTS")

# Tag values name the kind of PII; dbt sets `GOVERNANCE.PII = '<kind>'` on the matching MARTS columns.
PII_KINDS = ("address", "date_of_birth", "email", "name")
MASKED_TEXT = "***MASKED***"


def masking_body(unmasked_roles: list[str], masked_value: str) -> str:
    """Deny by default: only the listed roles see the value; REPORTER and every other role see the mask.

    CURRENT_ROLE(), not IS_ROLE_IN_SESSION(): a reporter session holding another role as a secondary role
    must still see masked values.
    """
    roles = ", ".join(f"'{r}'" for r in unmasked_roles)
    return f"CASE WHEN CURRENT_ROLE() IN ({roles}) THEN VAL ELSE {masked_value} END"


class SnowflakeWarehouse(pulumi.ComponentResource):
    """Everything in Snowflake except the lake stage and its integration (see snowflake_lake_stage.py)."""

    def __init__(
        self,
        name: str,
        *,
        names: SnowflakeNames,
        loader_public_key: str,
        transformer_public_key: str,
        auto_suspend_seconds: int,
        credit_quota: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("coretelecoms:infra:SnowflakeWarehouse", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._name = name

        self.database = snowflake.Database(
            f"{name}-database",
            name=names.database,
            comment="Core Telecoms customer-experience platform",
            opts=child,
        )
        self.schemas = {
            schema: snowflake.Schema(
                f"{name}-schema-{schema.lower()}",
                name=schema,
                database=self.database.name,
                opts=child,
            )
            for schema in SCHEMAS
        }

        self.monitor = snowflake.ResourceMonitor(
            f"{name}-monitor",
            name=f"{names.warehouse}_MONITOR",
            credit_quota=credit_quota,
            frequency="MONTHLY",
            start_timestamp="IMMEDIATELY",
            notify_triggers=[75, 90],
            # Suspend at the quota, and cut running queries off if they overshoot it by 10%.
            suspend_trigger=100,
            suspend_immediate_trigger=110,
            opts=child,
        )
        self.warehouse = snowflake.Warehouse(
            f"{name}-warehouse",
            name=names.warehouse,
            warehouse_size="XSMALL",
            auto_suspend=auto_suspend_seconds,
            auto_resume="true",
            initially_suspended=True,
            resource_monitor=self.monitor.name,
            # A runaway query should not burn the month's quota in one go.
            statement_timeout_in_seconds=3600,
            opts=child,
        )

        self.roles = {
            key: snowflake.AccountRole(f"{name}-role-{key}", name=role, comment=comment, opts=child)
            for key, role, comment in (
                ("loader", names.loader_role, "COPY from the lake stage into RAW"),
                ("transformer", names.transformer_role, "dbt: reads RAW, builds STAGING/INTERMEDIATE/MARTS"),
                ("reporter", names.reporter_role, "BI: reads MARTS, PII masked"),
            )
        }
        for key, role in self.roles.items():
            # Custom roles under SYSADMIN so administrators keep control of the objects these roles own.
            snowflake.GrantAccountRole(
                f"{name}-role-{key}-to-parent",
                role_name=role.name,
                parent_role_name=names.parent_role,
                opts=child,
            )
            self._grant_account_object(f"{key}-warehouse", role, "WAREHOUSE", self.warehouse.name, ["USAGE"])
            self._grant_account_object(f"{key}-database", role, "DATABASE", self.database.name, ["USAGE"])

        loader, transformer, reporter = (
            self.roles["loader"],
            self.roles["transformer"],
            self.roles["reporter"],
        )

        # LOADER creates and owns the RAW tables it COPYs into; stage and file-format usage is granted
        # next to those objects (snowflake_lake_stage.py).
        self._grant_schema("loader-raw", loader, "RAW", ["USAGE", "CREATE TABLE"])

        self._grant_schema("transformer-raw", transformer, "RAW", ["USAGE"])
        self._grant_schema_objects("transformer-raw-tables", transformer, "RAW", "TABLES", ["SELECT"])
        for schema in DBT_SCHEMAS:
            self._grant_schema(
                f"transformer-{schema.lower()}", transformer, schema, ["USAGE", "CREATE TABLE", "CREATE VIEW"]
            )

        self._grant_schema("reporter-marts", reporter, "MARTS", ["USAGE"])
        for plural in ("TABLES", "VIEWS"):
            self._grant_schema_objects(
                f"reporter-marts-{plural.lower()}", reporter, "MARTS", plural, ["SELECT"]
            )

        self._masking(names, transformer)

        self.users = {
            "loader": self._service_user(
                "loader", names.loader_user, loader, names, loader_public_key, default_schema="RAW"
            ),
            "transformer": self._service_user(
                "transformer",
                names.transformer_user,
                transformer,
                names,
                transformer_public_key,
                default_schema="MARTS",
            ),
        }

        self.database_name = self.database.name
        self.warehouse_name = self.warehouse.name
        self.register_outputs(
            {
                "database": self.database_name,
                "warehouse": self.warehouse_name,
                "roles": {k: r.name for k, r in self.roles.items()},
                "users": {k: u.name for k, u in self.users.items()},
                "pii_tag": self.pii_tag.fully_qualified_name,
            }
        )

    def _opts(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self)

    def _grant_account_object(
        self,
        label: str,
        role: snowflake.AccountRole,
        object_type: str,
        object_name: pulumi.Input[str],
        privileges: list[str],
    ) -> None:
        snowflake.GrantPrivilegesToAccountRole(
            f"{self._name}-grant-{label}",
            account_role_name=role.name,
            privileges=privileges,
            on_account_object={"object_type": object_type, "object_name": object_name},
            opts=self._opts(),
        )

    def _grant_schema(
        self, label: str, role: snowflake.AccountRole, schema: str, privileges: list[str]
    ) -> None:
        snowflake.GrantPrivilegesToAccountRole(
            f"{self._name}-grant-{label}",
            account_role_name=role.name,
            privileges=privileges,
            on_schema={"schema_name": self.schemas[schema].fully_qualified_name},
            opts=self._opts(),
        )

    def _grant_schema_objects(
        self, label: str, role: snowflake.AccountRole, schema: str, plural: str, privileges: list[str]
    ) -> None:
        # Existing objects and future ones are separate grants in Snowflake; dbt recreates tables every run,
        # so without the future grant REPORTER would lose access after the next build.
        qualified = self.schemas[schema].fully_qualified_name
        for when in ("all", "future"):
            snowflake.GrantPrivilegesToAccountRole(
                f"{self._name}-grant-{label}-{when}",
                account_role_name=role.name,
                privileges=privileges,
                on_schema_object={when: {"object_type_plural": plural, "in_schema": qualified}},
                opts=self._opts(),
            )

    def _masking(self, names: SnowflakeNames, transformer: snowflake.AccountRole) -> None:
        """Tag-based masking: the tables are dbt's, so policies attach to a tag dbt puts on PII columns."""
        governance = self.schemas["GOVERNANCE"]
        unmasked = [names.transformer_role]  # dbt must read real values to build and test the marts
        self.masking_policies = {
            kind: snowflake.MaskingPolicy(
                f"{self._name}-mask-{kind.lower()}",
                name=f"PII_{kind}_MASK",
                database=self.database.name,
                schema=governance.name,
                arguments=[{"name": "VAL", "type": kind}],
                return_data_type=kind,
                body=masking_body(unmasked, masked),
                comment=f"PII ({kind}) visible only to {', '.join(unmasked)}",
                opts=self._opts(),
            )
            # One policy per data type is what a tag can carry: email/address/name are text, birth dates DATE.
            for kind, masked in (("VARCHAR", f"'{MASKED_TEXT}'"), ("DATE", "NULL"))
        }
        self.pii_tag = snowflake.Tag(
            f"{self._name}-pii-tag",
            name="PII",
            database=self.database.name,
            schema=governance.name,
            allowed_values=list(PII_KINDS),
            masking_policies=[p.fully_qualified_name for p in self.masking_policies.values()],
            comment="Set on PII columns in MARTS; the attached policies mask them for every role but TRANSFORMER",
            opts=self._opts(),
        )
        self._grant_schema("transformer-governance", transformer, "GOVERNANCE", ["USAGE"])
        snowflake.GrantPrivilegesToAccountRole(
            f"{self._name}-grant-transformer-apply-pii-tag",
            account_role_name=transformer.name,
            privileges=["APPLY"],
            on_schema_object={"object_type": "TAG", "object_name": self.pii_tag.fully_qualified_name},
            opts=self._opts(),
        )

    def _service_user(
        self,
        key: str,
        user_name: str,
        role: snowflake.AccountRole,
        names: SnowflakeNames,
        public_key: str,
        *,
        default_schema: str,
    ) -> snowflake.ServiceUser:
        # TYPE=SERVICE users cannot have passwords or MFA prompts: key-pair is their only way in.
        user = snowflake.ServiceUser(
            f"{self._name}-user-{key}",
            name=user_name,
            rsa_public_key=public_key,
            default_role=role.name,
            default_warehouse=self.warehouse.name,
            default_namespace=pulumi.Output.concat(self.database.name, ".", default_schema),
            # Secondary roles would let the session use privileges beyond its one role.
            default_secondary_roles_option="NONE",
            comment=f"Pipeline service user ({key})",
            opts=self._opts(),
        )
        snowflake.GrantAccountRole(
            f"{self._name}-user-{key}-role",
            role_name=role.name,
            user_name=user.name,
            opts=self._opts(),
        )
        return user
