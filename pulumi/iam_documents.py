"""IAM policy documents as plain functions of resolved names, so each rule is readable and testable in one place."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

RAW_PREFIX = "raw/"
QUARANTINE_PREFIX = "quarantine/"

Document = dict[str, Any]


@dataclass(frozen=True)
class ImageAccess:
    """What one container image may touch; everything not listed is denied by IAM's default."""

    reads_source: bool = False
    writes_lake: bool = False
    reads_raw: bool = False

    @property
    def needs_policy(self) -> bool:
        return self.reads_source or self.writes_lake or self.reads_raw


def dumps(document: Document) -> str:
    """Stable JSON so an unchanged document never shows as a diff."""
    return json.dumps(document, sort_keys=True)


def bucket_arn(partition: str, bucket: str) -> str:
    return f"arn:{partition}:s3:::{bucket}"


def irsa_trust(oidc_provider_arn: str, issuer: str, namespace: str, service_account: str) -> Document:
    """Only the one Kubernetes service account, through the cluster's own OIDC provider, may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ServiceAccountOnly",
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                # StringEquals, not StringLike: a wildcard here would let any pod in the cluster in.
                "Condition": {
                    "StringEquals": {
                        f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        f"{issuer}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def _kms_via_s3(key_arn: str, region: str, actions: list[str], sid: str) -> Document:
    # kms:ViaService keeps the key usable only for S3 requests, not for direct Decrypt calls from the pod.
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": actions,
        "Resource": key_arn,
        "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
    }


def _list_prefixes(lake_arn: str, prefixes: list[str], sid: str) -> Document:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": lake_arn,
        "Condition": {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}},
    }


def image_policy(
    access: ImageAccess,
    *,
    lake_arn: str,
    lake_key_arn: str,
    source_arn: str,
    source_key_arn: str | None,
    region: str,
) -> Document:
    """The inline policy of one image's role, built only from what the image does."""
    statements: list[Document] = []
    if access.reads_source:
        statements += [
            {"Sid": "ListSource", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": source_arn},
            {
                "Sid": "ReadSource",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": f"{source_arn}/*",
            },
        ]
        if source_key_arn:
            statements.append(_kms_via_s3(source_key_arn, region, ["kms:Decrypt"], "DecryptSourceThroughS3"))
    if access.writes_lake:
        prefixes = [RAW_PREFIX, QUARANTINE_PREFIX]
        statements += [
            # Listing is what lets a missing key answer 404 instead of 403 to the writer's existence check.
            _list_prefixes(lake_arn, prefixes, "ListOwnPrefixes"),
            {
                "Sid": "WriteRawAndQuarantine",
                "Effect": "Allow",
                # GetObject: the writer HEADs a partition file before replacing it; Delete keeps re-runs
                # convergent (versioning keeps the old object); Abort cleans up failed multipart uploads.
                "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                "Resource": [f"{lake_arn}/{p}*" for p in prefixes],
            },
            # GenerateDataKey to encrypt; Decrypt because multipart uploads under SSE-KMS need it.
            _kms_via_s3(lake_key_arn, region, ["kms:Decrypt", "kms:GenerateDataKey"], "EncryptLakeThroughS3"),
        ]
    if access.reads_raw:
        statements += [
            _list_prefixes(lake_arn, [RAW_PREFIX], "ListRaw"),
            {
                "Sid": "ReadRaw",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": f"{lake_arn}/{RAW_PREFIX}*",
            },
            _kms_via_s3(lake_key_arn, region, ["kms:Decrypt"], "DecryptLakeThroughS3"),
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def snowflake_trust(iam_user_arn: str, external_id: str) -> Document:
    """Only Snowflake's IAM user for this integration, presenting the integration's external id."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "SnowflakeStorageIntegration",
                "Effect": "Allow",
                "Principal": {"AWS": iam_user_arn},
                "Action": "sts:AssumeRole",
                # The external id stops another Snowflake account's integration from borrowing this role.
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }


def snowflake_lake_read(lake_arn: str, lake_key_arn: str, region: str) -> Document:
    """What Snowflake's stage needs on the lake (per Snowflake's AWS guide), narrowed to `raw/`."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadRawObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": f"{lake_arn}/{RAW_PREFIX}*",
            },
            _list_prefixes(lake_arn, [RAW_PREFIX], "ListRaw"),
            # GetBucketLocation takes no prefix condition; it reveals only the bucket's region.
            {
                "Sid": "LocateBucket",
                "Effect": "Allow",
                "Action": ["s3:GetBucketLocation"],
                "Resource": lake_arn,
            },
            _kms_via_s3(lake_key_arn, region, ["kms:Decrypt"], "DecryptRawThroughS3"),
        ],
    }


def lake_bucket_policy(lake_arn: str, lake_key_arn: str) -> Document:
    """Deny plain-HTTP access and uploads asking for any encryption other than the lake's KMS key.

    The bucket's default encryption already applies the key to uploads that send no encryption header,
    so an unencrypted object cannot be written; these denies stop a client from overriding it with SSE-S3
    or another key. A `Null`-header deny would instead break writers that rely on the default.
    """
    objects = f"{lake_arn}/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                # A deny must cover every action; narrowing it would leave plain-HTTP holes.
                "Action": "s3:*",
                "Resource": [lake_arn, objects],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyNonKmsUploads",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": objects,
                "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}},
            },
            {
                "Sid": "DenyOtherKmsKeys",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": objects,
                "Condition": {
                    "StringNotEqualsIfExists": {
                        "s3:x-amz-server-side-encryption-aws-kms-key-id": lake_key_arn
                    }
                },
            },
        ],
    }
