"""The lake: a customer-managed KMS key and the S3 bucket holding `raw/` and `quarantine/` Parquet."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from iam_documents import QUARANTINE_PREFIX, RAW_PREFIX, dumps, lake_bucket_policy

RAW_TO_INFREQUENT_ACCESS_DAYS = 30
QUARANTINE_EXPIRY_DAYS = 90
NONCURRENT_VERSION_EXPIRY_DAYS = 30
ABORT_MULTIPART_DAYS = 7


class LakeStorage(pulumi.ComponentResource):
    """KMS key with rotation and a private, versioned, SSE-KMS bucket with lifecycle rules."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        bucket_name: str,
        protect: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("coretelecoms:infra:LakeStorage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Losing the key or the bucket loses the data; `pulumi destroy` must be a deliberate two-step.
        keep = pulumi.ResourceOptions(parent=self, protect=protect)

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"SSE-KMS for the lake bucket {bucket_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=keep,
        )
        aws.kms.Alias(
            f"{name}-key-alias", name=f"alias/{bucket_name}", target_key_id=self.key.key_id, opts=child
        )

        self.bucket = aws.s3.Bucket(f"{name}-bucket", bucket=bucket_name, opts=keep)
        bucket_id = self.bucket.id

        # Ownership and public-access blocks go first so no ACL or public policy can ever take effect.
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket_id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        public_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": self.key.arn,
                    },
                    # Bucket keys cut KMS requests (and cost) by orders of magnitude for many small files.
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket_id,
            policy=pulumi.Output.all(self.bucket.arn, self.key.arn).apply(
                lambda args: dumps(lake_bucket_policy(args[0], args[1]))
            ),
            # With BlockPublicPolicy on, S3 checks each new policy; ordering avoids a race on first create.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_block, ownership]),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket_id,
            rules=[
                {
                    "id": "raw-to-infrequent-access",
                    "status": "Enabled",
                    "filter": {"prefix": RAW_PREFIX},
                    "transitions": [{"days": RAW_TO_INFREQUENT_ACCESS_DAYS, "storage_class": "STANDARD_IA"}],
                },
                {
                    "id": "quarantine-expiry",
                    "status": "Enabled",
                    "filter": {"prefix": QUARANTINE_PREFIX},
                    "expiration": {"days": QUARANTINE_EXPIRY_DAYS},
                },
                {
                    # Versioning protects against bad re-runs; old versions need not live for ever.
                    "id": "old-versions-expiry",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_VERSION_EXPIRY_DAYS},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_MULTIPART_DAYS},
                },
            ],
            opts=child,
        )

        self.bucket_name = self.bucket.bucket
        self.bucket_arn = self.bucket.arn
        self.key_arn = self.key.arn
        self.register_outputs(
            {"bucket_name": self.bucket_name, "bucket_arn": self.bucket_arn, "key_arn": self.key_arn}
        )
