"""Snowflake's way into the lake: storage integration, the IAM role it assumes, a Parquet format and the stage.

The integration needs the role's ARN and the role's trust needs the integration's IAM user and external id.
Instead of the usual two-step handshake, the role ARN is computed from the account id and a fixed role name
before the role exists; the integration is created first, the role then trusts its outputs, and the stage
waits for the role's policy. One `pulumi up`, no manual step.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_snowflake as snowflake

from config import SnowflakeNames
from iam_documents import RAW_PREFIX, dumps, snowflake_lake_read, snowflake_trust


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    """The ARN IAM will give a role of this name at the default path `/`."""
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


class SnowflakeLakeStage(pulumi.ComponentResource):
    """Storage integration + assumed IAM role + Parquet file format + external stage over `raw/`."""

    def __init__(
        self,
        name: str,
        *,
        names: SnowflakeNames,
        role_name: str,
        lake_bucket: pulumi.Input[str],
        lake_bucket_arn: pulumi.Input[str],
        lake_key_arn: pulumi.Input[str],
        region: str,
        database: pulumi.Input[str],
        stage_schema: pulumi.Input[str],
        loader_role: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("coretelecoms:infra:SnowflakeLakeStage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)

        identity = aws.get_caller_identity_output(opts=invoke)
        partition = aws.get_partition_output(opts=invoke).partition
        # Known before the role exists: this is what breaks the integration ↔ role cycle.
        self.role_arn = pulumi.Output.all(partition, identity.account_id).apply(
            lambda args: role_arn(args[0], args[1], role_name)
        )
        self.raw_url = pulumi.Output.concat("s3://", lake_bucket, "/", RAW_PREFIX)

        self.integration = snowflake.StorageIntegrationAws(
            f"{name}-integration",
            name=names.storage_integration,
            enabled=True,
            storage_provider="S3",
            storage_allowed_locations=[self.raw_url],
            storage_aws_role_arn=self.role_arn,
            comment="Lake raw/ prefix, read by the RAW stage",
            opts=child,
        )
        described = self.integration.describe_outputs.apply(lambda outs: outs[0])
        self.iam_user_arn = described.apply(lambda d: d.iam_user_arn)
        # Plain here so the trust policy stays readable in previews; the stack export marks it secret.
        self.external_id = described.apply(lambda d: d.external_id)

        self.role = aws.iam.Role(
            f"{name}-role",
            # The fixed name (no auto-suffix, default path) is what makes the precomputed ARN true.
            name=role_name,
            description=f"Assumed by Snowflake storage integration {names.storage_integration}",
            assume_role_policy=pulumi.Output.all(self.iam_user_arn, self.external_id).apply(
                lambda args: dumps(snowflake_trust(args[0], args[1]))
            ),
            opts=child,
        )
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.name,
            policy=pulumi.Output.all(lake_bucket_arn, lake_key_arn).apply(
                lambda args: dumps(snowflake_lake_read(args[0], args[1], region))
            ),
            opts=child,
        )

        self.file_format = snowflake.FileFormatParquet(
            f"{name}-file-format",
            name=names.file_format,
            database=database,
            schema=stage_schema,
            compression="SNAPPY",
            # Parquet logical types (timestamps, decimals) land as such instead of raw integers.
            use_logical_type="true",
            comment="Lake Parquet (snappy)",
            opts=child,
        )
        self.stage = snowflake.StageExternalS3(
            f"{name}-stage",
            name=names.stage,
            database=database,
            schema=stage_schema,
            url=self.raw_url,
            storage_integration=self.integration.name,
            file_format={"format_name": self.file_format.fully_qualified_name},
            comment="External stage over the lake's raw/ prefix",
            # Nothing in the stage's inputs refers to the role's policy, yet Snowflake checks access when it
            # creates the stage: without this the stage could race ahead of the IAM grant.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.role, self.role_policy]),
        )

        for label, object_type, obj in (
            ("stage", "STAGE", self.stage),
            ("file-format", "FILE FORMAT", self.file_format),
        ):
            snowflake.GrantPrivilegesToAccountRole(
                f"{name}-grant-loader-{label}",
                account_role_name=loader_role,
                privileges=["USAGE"],
                on_schema_object={"object_type": object_type, "object_name": obj.fully_qualified_name},
                opts=child,
            )

        self.register_outputs(
            {
                "integration": self.integration.name,
                "role_arn": self.role_arn,
                "stage": self.stage.fully_qualified_name,
                "raw_url": self.raw_url,
            }
        )
