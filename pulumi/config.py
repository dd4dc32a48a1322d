"""Stack configuration: the only reader of `pulumi.Config`, validated into one typed, immutable object."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

PROJECT = "coretelecoms"

# One IAM role per container image, in the step registry's names (src/coretelecoms/pipeline/steps.py).
IMAGES: tuple[str, ...] = ("extract-files", "extract-sheets", "extract-postgres", "loader", "dbt")

# Every key this program reads in its own namespace (README's table documents each; a test checks the
# example stack files use no other, so a typo cannot silently fall back to a default).
KEYS: tuple[str, ...] = (
    "lakeBucketName",
    "sourceBucketName",
    "sourceBucketKmsKeyArn",
    "oidcProviderArn",
    "namespace",
    "serviceAccounts",
    "loaderLakeAccess",
    "protectData",
    "snowflakeLakeRoleName",
    "snowflakeLoaderPublicKey",
    "snowflakeTransformerPublicKey",
    "snowflakeDatabase",
    "snowflakeWarehouse",
    "snowflakeAutoSuspendSeconds",
    "snowflakeCreditQuota",
    "snowflakeStorageIntegration",
    "snowflakeStage",
    "snowflakeFileFormat",
    "snowflakeLoaderRole",
    "snowflakeTransformerRole",
    "snowflakeReporterRole",
    "snowflakeLoaderUser",
    "snowflakeTransformerUser",
    "snowflakeParentRole",
)

# The loader's Snowflake COPY runs with the storage integration's role, so by default its pod needs no S3.
LOADER_LAKE_ACCESS = ("none", "read")

_BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_OIDC_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):oidc-provider/([a-z0-9.-]+(/[A-Za-z0-9._-]+)*)$")
_KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-fA-F-]{36}$")
_IAM_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# Upper case only: pulumi-snowflake quotes identifiers, so a lower-case name would become case-sensitive
# and every unquoted reference from dbt or the loader would miss it.
_SNOWFLAKE_ID = re.compile(r"^[A-Z_][A-Z0-9_$]{0,254}$")
# DER prefix of the AlgorithmIdentifier for rsaEncryption (OID 1.2.840.113549.1.1.1).
_RSA_OID = bytes.fromhex("06092a864886f70d010101")


class StackConfigError(pulumi.RunError):
    """A missing or malformed stack setting; a RunError so `pulumi up` prints the message, not a traceback."""


@dataclass(frozen=True)
class SnowflakeNames:
    """Snowflake object names; account-level ones (roles, users, warehouse, integration) must differ per stack
    when two stacks share an account."""

    database: str = "CORETELECOMS"
    warehouse: str = "CORETELECOMS_WH"
    storage_integration: str = "CORETELECOMS_LAKE"
    stage_schema: str = "RAW"
    stage: str = "LAKE_STAGE"
    file_format: str = "PARQUET"
    loader_role: str = "LOADER"
    transformer_role: str = "TRANSFORMER"
    reporter_role: str = "REPORTER"
    loader_user: str = "LOADER"
    transformer_user: str = "TRANSFORMER"
    parent_role: str = "SYSADMIN"

    @property
    def stage_qualified(self) -> str:
        """`RAW.LAKE_STAGE`: the form the loader's SNOWFLAKE_STAGE setting takes."""
        return f"{self.stage_schema}.{self.stage}"


@dataclass(frozen=True)
class StackConfig:
    """Everything the program needs, validated; nothing else in the program reads configuration."""

    stack: str
    aws_region: str
    lake_bucket: str
    source_bucket: str
    source_kms_key_arn: str | None
    oidc_provider_arn: str
    namespace: str
    service_accounts: Mapping[str, str]
    loader_lake_access: str
    protect_data: bool
    snowflake_lake_role_name: str
    snowflake: SnowflakeNames
    loader_public_key: str
    transformer_public_key: str
    warehouse_auto_suspend_seconds: int = 60
    credit_quota: int = 10
    snowflake_account: str | None = None

    @property
    def oidc_issuer(self) -> str:
        """The issuer host/path the IRSA trust conditions are keyed on (`oidc.eks.<region>.amazonaws.com/id/X`)."""
        match = _OIDC_ARN.match(self.oidc_provider_arn)
        assert match is not None  # validated in load()
        return match.group(3)


def _fail(key: str, problem: str) -> StackConfigError:
    return StackConfigError(f"stack config {PROJECT}:{key} {problem}")


class _Reader:
    """Typed access to one config namespace, turning every problem into a one-line StackConfigError."""

    def __init__(self, namespace: str | None = None) -> None:
        self._cfg = pulumi.Config(namespace)
        self._ns = namespace or PROJECT

    def _error(self, key: str, problem: str) -> StackConfigError:
        return StackConfigError(f"stack config {self._ns}:{key} {problem}")

    def raw(self, key: str) -> str | None:
        # A key missing from KEYS would be undocumented and unchecked in the example stacks.
        assert self._ns != PROJECT or key in KEYS, f"{key} is read but not listed in config.KEYS"
        value = self._cfg.get(key)
        return value.strip() if value is not None and value.strip() else None

    def required(self, key: str, pattern: re.Pattern[str] | None = None, hint: str = "") -> str:
        value = self.raw(key)
        if value is None:
            raise self._error(key, f"is missing: run `pulumi config set {self._key(key)} <value>`{hint}")
        return self._checked(key, value, pattern, hint)

    def maybe(self, key: str, pattern: re.Pattern[str], hint: str = "") -> str | None:
        value = self.raw(key)
        return None if value is None else self._checked(key, value, pattern, hint)

    def optional(self, key: str, default: str, pattern: re.Pattern[str] | None = None, hint: str = "") -> str:
        value = self.raw(key)
        return default if value is None else self._checked(key, value, pattern, hint)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.raw(key)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise self._error(
                key, f"must be a whole number between {low} and {high}, got {value!r}"
            ) from None
        if not low <= number <= high:
            raise self._error(key, f"must be between {low} and {high}, got {number}")
        return number

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            raise self._error(key, f"must be true or false, got {value!r}")
        return value.lower() == "true"

    def mapping(self, key: str) -> dict[str, str] | None:
        value = self.raw(key)
        if value is None:
            return None
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            raise self._error(key, "must be a map of image name to value") from None
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            raise self._error(key, "must be a map of image name to value")
        return parsed

    def _key(self, key: str) -> str:
        return key if self._ns == PROJECT else f"{self._ns}:{key}"

    def _checked(self, key: str, value: str, pattern: re.Pattern[str] | None, hint: str) -> str:
        if pattern is not None and not pattern.match(value):
            raise self._error(key, f"is not valid: {value!r}{hint}")
        return value


def normalise_public_key(key: str, value: str) -> str:
    """The single-line base64 body Snowflake wants, from a PEM block or a bare body; rejects private keys."""
    if "PRIVATE KEY" in value:
        raise _fail(
            key, "holds a PRIVATE key: give the public key (openssl rsa -pubout), never the private one"
        )
    body = "".join(
        line.strip() for line in value.splitlines() if line.strip() and not line.startswith("-----")
    )
    body = "".join(body.split())
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(key, "is not a base64 RSA public key (PEM or its body on one line)") from None
    # SubjectPublicKeyInfo is a DER SEQUENCE naming rsaEncryption; anything else Snowflake would reject later.
    if not der.startswith(b"\x30") or _RSA_OID not in der[:32]:
        raise _fail(key, "is not an RSA public key in SubjectPublicKeyInfo form (openssl rsa -pubout)")
    return body


def load() -> StackConfig:
    """Read and validate the stack's configuration; raises StackConfigError with a one-line reason."""
    stack = pulumi.get_stack()
    cfg = _Reader()
    aws = _Reader("aws")
    snowflake_provider = _Reader("snowflake")

    region = aws.required("region", _REGION, " (e.g. eu-west-1)")
    oidc = cfg.required(
        "oidcProviderArn",
        _OIDC_ARN,
        " (arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>)",
    )

    service_accounts = {image: image for image in IMAGES}
    overrides = cfg.mapping("serviceAccounts") or {}
    unknown = sorted(set(overrides) - set(IMAGES))
    if unknown:
        raise _fail("serviceAccounts", f"names unknown images {unknown}; known: {list(IMAGES)}")
    for image, name in overrides.items():
        if not _DNS_SUBDOMAIN.match(name):
            raise _fail("serviceAccounts", f"has an invalid Kubernetes name for {image}: {name!r}")
        service_accounts[image] = name

    loader_access = cfg.optional("loaderLakeAccess", "none")
    if loader_access not in LOADER_LAKE_ACCESS:
        raise _fail("loaderLakeAccess", f"must be one of {list(LOADER_LAKE_ACCESS)}, got {loader_access!r}")

    sf_id = " (upper-case Snowflake identifier: A-Z, 0-9, _)"
    defaults = SnowflakeNames()
    names = SnowflakeNames(
        database=cfg.optional("snowflakeDatabase", defaults.database, _SNOWFLAKE_ID, sf_id),
        warehouse=cfg.optional("snowflakeWarehouse", defaults.warehouse, _SNOWFLAKE_ID, sf_id),
        storage_integration=cfg.optional(
            "snowflakeStorageIntegration",
            f"{defaults.storage_integration}_{_upper_id(stack)}",
            _SNOWFLAKE_ID,
            sf_id,
        ),
        stage=cfg.optional("snowflakeStage", defaults.stage, _SNOWFLAKE_ID, sf_id),
        file_format=cfg.optional("snowflakeFileFormat", defaults.file_format, _SNOWFLAKE_ID, sf_id),
        loader_role=cfg.optional("snowflakeLoaderRole", defaults.loader_role, _SNOWFLAKE_ID, sf_id),
        transformer_role=cfg.optional(
            "snowflakeTransformerRole", defaults.transformer_role, _SNOWFLAKE_ID, sf_id
        ),
        reporter_role=cfg.optional("snowflakeReporterRole", defaults.reporter_role, _SNOWFLAKE_ID, sf_id),
        loader_user=cfg.optional("snowflakeLoaderUser", defaults.loader_user, _SNOWFLAKE_ID, sf_id),
        transformer_user=cfg.optional(
            "snowflakeTransformerUser", defaults.transformer_user, _SNOWFLAKE_ID, sf_id
        ),
        parent_role=cfg.optional("snowflakeParentRole", defaults.parent_role, _SNOWFLAKE_ID, sf_id),
    )
    roles = [names.loader_role, names.transformer_role, names.reporter_role]
    if len(set(roles)) != len(roles) or names.parent_role in roles:
        raise _fail(
            "snowflakeLoaderRole",
            f"and the other role names must all differ, got {[*roles, names.parent_role]}",
        )

    org = snowflake_provider.raw("organizationName")
    account = snowflake_provider.raw("accountName")

    return StackConfig(
        stack=stack,
        aws_region=region,
        lake_bucket=cfg.required("lakeBucketName", _BUCKET, " (S3 bucket naming rules)"),
        source_bucket=cfg.required("sourceBucketName", _BUCKET, " (S3 bucket naming rules)"),
        source_kms_key_arn=cfg.maybe(
            "sourceBucketKmsKeyArn", _KMS_ARN, " (arn:aws:kms:<region>:<account>:key/<id>)"
        ),
        oidc_provider_arn=oidc,
        namespace=cfg.optional("namespace", "coretelecoms", _DNS_LABEL, " (Kubernetes namespace name)"),
        service_accounts=service_accounts,
        loader_lake_access=loader_access,
        protect_data=cfg.boolean("protectData", default=True),
        snowflake_lake_role_name=cfg.optional(
            "snowflakeLakeRoleName",
            f"coretelecoms-{stack}-snowflake-lake",
            _IAM_ROLE_NAME,
            " (IAM role name)",
        ),
        snowflake=names,
        loader_public_key=normalise_public_key(
            "snowflakeLoaderPublicKey", cfg.required("snowflakeLoaderPublicKey")
        ),
        transformer_public_key=normalise_public_key(
            "snowflakeTransformerPublicKey", cfg.required("snowflakeTransformerPublicKey")
        ),
        warehouse_auto_suspend_seconds=cfg.integer("snowflakeAutoSuspendSeconds", 60, 60, 3600),
        credit_quota=cfg.integer("snowflakeCreditQuota", 10, 1, 10_000),
        snowflake_account=f"{org}-{account}" if org and account else None,
    )


def _upper_id(text: str) -> str:
    return re.sub(r"[^A-Z0-9_]", "_", text.upper())
