"""The Core Telecoms infrastructure program: wires the components together and exports what the chart needs."""

from __future__ import annotations

import pulumi

import config
from lake_storage import LakeStorage
from pipeline_identity import PipelineIdentity, image_access
from snowflake_lake_stage import SnowflakeLakeStage
from snowflake_warehouse import SnowflakeWarehouse

cfg = config.load()
names = cfg.snowflake

lake = LakeStorage("lake", bucket_name=cfg.lake_bucket, protect=cfg.protect_data)

identity = PipelineIdentity(
    "pipeline",
    oidc_provider_arn=cfg.oidc_provider_arn,
    oidc_issuer=cfg.oidc_issuer,
    namespace=cfg.namespace,
    service_accounts=cfg.service_accounts,
    access=image_access(cfg.loader_lake_access),
    lake_bucket_arn=lake.bucket_arn,
    lake_key_arn=lake.key_arn,
    source_bucket=cfg.source_bucket,
    source_key_arn=cfg.source_kms_key_arn,
    region=cfg.aws_region,
)

warehouse = SnowflakeWarehouse(
    "snowflake",
    names=names,
    loader_public_key=cfg.loader_public_key,
    transformer_public_key=cfg.transformer_public_key,
    auto_suspend_seconds=cfg.warehouse_auto_suspend_seconds,
    credit_quota=cfg.credit_quota,
)

lake_stage = SnowflakeLakeStage(
    "lake-stage",
    names=names,
    role_name=cfg.snowflake_lake_role_name,
    lake_bucket=lake.bucket_name,
    lake_bucket_arn=lake.bucket_arn,
    lake_key_arn=lake.key_arn,
    region=cfg.aws_region,
    database=warehouse.database_name,
    stage_schema=warehouse.schemas[names.stage_schema].name,
    loader_role=warehouse.roles["loader"].name,
)

lake_url = pulumi.Output.concat("s3://", lake.bucket_name)

pulumi.export("aws_region", cfg.aws_region)
pulumi.export("lake_bucket", lake.bucket_name)
pulumi.export("lake_url", lake_url)
pulumi.export("lake_kms_key_arn", lake.key_arn)
pulumi.export("source_url", f"s3://{cfg.source_bucket}")
pulumi.export("namespace", cfg.namespace)
pulumi.export("service_accounts", dict(cfg.service_accounts))
pulumi.export("role_arns", identity.role_arns)
pulumi.export("snowflake_database", warehouse.database_name)
pulumi.export("snowflake_warehouse", warehouse.warehouse_name)
pulumi.export("snowflake_stage", names.stage_qualified)
pulumi.export("snowflake_file_format", f"{names.stage_schema}.{names.file_format}")
pulumi.export("snowflake_storage_integration", lake_stage.integration.name)
pulumi.export("snowflake_lake_role_arn", lake_stage.role_arn)
pulumi.export("snowflake_storage_aws_iam_user_arn", lake_stage.iam_user_arn)
# Not a credential (AWS calls external ids non-secret) but the integration's confused-deputy guard: keep it
# out of plain `pulumi stack output`.
pulumi.export("snowflake_storage_aws_external_id", pulumi.Output.secret(lake_stage.external_id))
pulumi.export("snowflake_pii_tag", warehouse.pii_tag.fully_qualified_name)
pulumi.export(
    "snowflake_users",
    {
        "loader": {"user": warehouse.users["loader"].name, "role": warehouse.roles["loader"].name},
        "dbt": {"user": warehouse.users["transformer"].name, "role": warehouse.roles["transformer"].name},
    },
)
# The pipeline's own settings (DESIGN.md's CORETELECOMS_*/SNOWFLAKE_* names), ready for the chart's env.
pulumi.export(
    "pipeline_env",
    {
        "AWS_REGION": cfg.aws_region,
        "CORETELECOMS_SOURCE_URL": f"s3://{cfg.source_bucket}",
        "CORETELECOMS_LAKE_URL": lake_url,
        "CORETELECOMS_LAKE_KMS_KEY_ID": lake.key_arn,
        "CORETELECOMS_WAREHOUSE": "snowflake",
        "SNOWFLAKE_DATABASE": warehouse.database_name,
        "SNOWFLAKE_WAREHOUSE": warehouse.warehouse_name,
        "SNOWFLAKE_STAGE": names.stage_qualified,
        **({"SNOWFLAKE_ACCOUNT": cfg.snowflake_account} if cfg.snowflake_account else {}),
    },
)
