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
    reads_manifests: bool = False  # only the partitions' `_manifest.json` under raw/ (implied by reads_raw)

    @property
    def needs_policy(self) -> bool:
        return self.reads_source or self.writes_lake or self.reads_raw or self.reads_manifests


def dumps(document: Document) -> str:
    """Stable JSON so an unchanged document never shows as a diff."""
    return json.dumps(document, sort_keys=True)


def bucket_arn(partition: str, bucket: str) -> str:
    return f"arn:{partition}:s3:::{bucket}"


def _policy(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _statement(
    sid: str,
    actions: str | list[str],
    resource: str | list[str] | None = None,
    *,
    effect: str = "Allow",
    principal: str | dict[str, str] | None = None,
    condition: dict[str, dict[str, Any]] | None = None,
) -> Document:
    """One statement; a trust policy's names a principal and no resource, a role policy's the reverse."""
    statement: Document = {"Sid": sid, "Effect": effect, "Action": actions}
    if principal is not None:
        statement["Principal"] = principal
    if resource is not None:
        statement["Resource"] = resource
    if condition is not None:
        statement["Condition"] = condition
    return statement


def irsa_trust(oidc_provider_arn: str, issuer: str, namespace: str, service_account: str) -> Document:
    """Only the one Kubernetes service account, through the cluster's own OIDC provider, may assume the role."""
    return _policy(
        _statement(
            "ServiceAccountOnly",
            "sts:AssumeRoleWithWebIdentity",
            principal={"Federated": oidc_provider_arn},
            # StringEquals, not StringLike: a wildcard here would let any pod in the cluster in.
            condition={
                "StringEquals": {
                    f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                    f"{issuer}:aud": "sts.amazonaws.com",
                }
            },
        )
    )


def _kms_via_s3(key_arn: str, region: str, actions: list[str], sid: str) -> Document:
    # kms:ViaService keeps the key usable only for S3 requests, not for direct Decrypt calls from the pod.
    return _statement(
        sid, actions, key_arn, condition={"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}
    )


def _list_prefixes(lake_arn: str, prefixes: list[str], sid: str) -> Document:
    return _statement(
        sid, ["s3:ListBucket"], lake_arn, condition={"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}}
    )


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
            _statement("ListSource", ["s3:ListBucket"], source_arn),
            _statement("ReadSource", ["s3:GetObject"], f"{source_arn}/*"),
        ]
        if source_key_arn:
            statements.append(_kms_via_s3(source_key_arn, region, ["kms:Decrypt"], "DecryptSourceThroughS3"))
    if access.writes_lake:
        prefixes = [RAW_PREFIX, QUARANTINE_PREFIX]
        statements += [
            # Listing is what lets a missing key answer 404 instead of 403 to the writer's existence check.
            _list_prefixes(lake_arn, prefixes, "ListOwnPrefixes"),
            _statement(
                "WriteRawAndQuarantine",
                # GetObject: the writer HEADs a partition file before replacing it; Delete keeps re-runs
                # convergent (versioning keeps the old object); Abort cleans up failed multipart uploads.
                ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                [f"{lake_arn}/{p}*" for p in prefixes],
            ),
            # GenerateDataKey to encrypt; Decrypt because multipart uploads under SSE-KMS need it.
            _kms_via_s3(lake_key_arn, region, ["kms:Decrypt", "kms:GenerateDataKey"], "EncryptLakeThroughS3"),
        ]
    if access.reads_raw or access.reads_manifests:
        # The manifests say which partitions are whole and which files they hold; the data files
        # themselves only when the image reads them (put mode), not when Snowflake does.
        readable = f"{lake_arn}/{RAW_PREFIX}*" if access.reads_raw else f"{lake_arn}/{RAW_PREFIX}*/_manifest.json"
        statements += [
            _list_prefixes(lake_arn, [RAW_PREFIX], "ListRaw"),
            _statement("ReadRaw" if access.reads_raw else "ReadManifests", ["s3:GetObject"], readable),
            _kms_via_s3(lake_key_arn, region, ["kms:Decrypt"], "DecryptLakeThroughS3"),
        ]
    return _policy(*statements)


def snowflake_trust(iam_user_arn: str, external_id: str) -> Document:
    """Only Snowflake's IAM user for this integration, presenting the integration's external id."""
    return _policy(
        _statement(
            "SnowflakeStorageIntegration",
            "sts:AssumeRole",
            principal={"AWS": iam_user_arn},
            # The external id stops another Snowflake account's integration from borrowing this role.
            condition={"StringEquals": {"sts:ExternalId": external_id}},
        )
    )


def snowflake_lake_read(lake_arn: str, lake_key_arn: str, region: str) -> Document:
    """What Snowflake's stage needs on the lake (per Snowflake's AWS guide), narrowed to `raw/`."""
    return _policy(
        _statement("ReadRawObjects", ["s3:GetObject", "s3:GetObjectVersion"], f"{lake_arn}/{RAW_PREFIX}*"),
        _list_prefixes(lake_arn, [RAW_PREFIX], "ListRaw"),
        # GetBucketLocation takes no prefix condition; it reveals only the bucket's region.
        _statement("LocateBucket", ["s3:GetBucketLocation"], lake_arn),
        _kms_via_s3(lake_key_arn, region, ["kms:Decrypt"], "DecryptRawThroughS3"),
    )


def lake_bucket_policy(lake_arn: str, lake_key_arn: str) -> Document:
    """Deny plain-HTTP access and uploads asking for any encryption other than the lake's KMS key.

    The bucket's default encryption already applies the key to uploads that send no encryption header,
    so an unencrypted object cannot be written; these denies stop a client from overriding it with SSE-S3
    or another key. A `Null`-header deny would instead break writers that rely on the default.
    """
    objects = f"{lake_arn}/*"
    return _policy(
        # A deny must cover every action; narrowing it would leave plain-HTTP holes.
        _deny_everyone(
            "DenyInsecureTransport", "s3:*", [lake_arn, objects], {"Bool": {"aws:SecureTransport": "false"}}
        ),
        _deny_everyone(
            "DenyNonKmsUploads",
            "s3:PutObject",
            objects,
            {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}},
        ),
        _deny_everyone(
            "DenyOtherKmsKeys",
            "s3:PutObject",
            objects,
            {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": lake_key_arn}},
        ),
    )


def _deny_everyone(sid: str, actions: str, resource: str | list[str], condition: dict[str, Any]) -> Document:
    """A bucket-policy deny: it binds every principal, the lake's own roles included."""
    return _statement(sid, actions, resource, effect="Deny", principal="*", condition=condition)
