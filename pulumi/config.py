"""Stack configuration: the only reader of `pulumi.Config`, validated by pydantic into one typed, immutable model."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

PROJECT = "coretelecoms"

# One IAM role per container image, in the step registry's names (src/coretelecoms/pipeline/steps.py).
IMAGES: tuple[str, ...] = ("extract-files", "extract-sheets", "extract-postgres", "loader", "dbt")

# Keys of other namespaces the program reads (the providers' own settings).
PROVIDER_KEYS: tuple[str, ...] = ("aws:region", "snowflake:organizationName", "snowflake:accountName")

# The loader's Snowflake COPY runs with the storage integration's role, so by default its pod needs no S3.
LoaderLakeAccess = Literal["none", "read"]
LOADER_LAKE_ACCESS: tuple[str, ...] = get_args(LoaderLakeAccess)

_OIDC_ARN = r"^arn:(aws[a-z-]*):iam::(\d{12}):oidc-provider/([a-z0-9.-]+(/[A-Za-z0-9._-]+)*)$"
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
# DER prefix of the AlgorithmIdentifier for rsaEncryption (OID 1.2.840.113549.1.1.1).
_RSA_OID = bytes.fromhex("06092a864886f70d010101")


class StackConfigError(pulumi.RunError):
    """A missing or malformed stack setting; a RunError so `pulumi up` prints the message, not a traceback."""


def _fail(key: str, problem: str) -> StackConfigError:
    return StackConfigError(f"stack config {_qualified(key)} {problem}")


def _qualified(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


def _pattern(regex: str, hint: str) -> Any:
    """A string field matching `regex`; `hint` is appended to the error (the shape a valid value has)."""
    return Field(pattern=regex, json_schema_extra={"hint": hint})


_BUCKET = _pattern(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", " (S3 bucket naming rules)")
# Upper case only: pulumi-snowflake quotes identifiers, so a lower-case name would become case-sensitive
# and every unquoted reference from dbt or the loader would miss it.
SnowflakeId = Annotated[
    str, _pattern(r"^[A-Z_][A-Z0-9_$]{0,254}$", " (upper-case Snowflake identifier: A-Z, 0-9, _)")
]


def _boolean(value: Any) -> Any:
    # Only the two words `pulumi config` users write: pydantic alone would also take yes/on/1.
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, bool):
        return value
    raise ValueError(f"must be true or false, got {value!r}")


def _service_accounts(value: Any) -> dict[str, str]:
    """The images' Kubernetes service-account names: each image's own name unless a JSON map overrides it."""
    if value is None:
        return {image: image for image in IMAGES}
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise _fail("serviceAccounts", "must be a map of image name to value")
    unknown = sorted(set(parsed) - set(IMAGES))
    if unknown:
        raise _fail("serviceAccounts", f"names unknown images {unknown}; known: {list(IMAGES)}")
    for image, name in parsed.items():
        if not _DNS_SUBDOMAIN.match(name):
            raise _fail("serviceAccounts", f"has an invalid Kubernetes name for {image}: {name!r}")
    return {image: parsed.get(image, image) for image in IMAGES}


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


def _public_key(key: str) -> AfterValidator:
    return AfterValidator(lambda value: normalise_public_key(key, value))


class SnowflakeNames(BaseModel):
    """Snowflake object names; account-level ones (roles, users, warehouse, integration) must differ per stack
    when two stacks share an account."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, regex_engine="python-re")

    database: SnowflakeId = Field("CORETELECOMS", alias="snowflakeDatabase")
    warehouse: SnowflakeId = Field("CORETELECOMS_WH", alias="snowflakeWarehouse")
    storage_integration: SnowflakeId = Field("CORETELECOMS_LAKE", alias="snowflakeStorageIntegration")
    stage_schema: SnowflakeId = "RAW"
    stage: SnowflakeId = Field("LAKE_STAGE", alias="snowflakeStage")
    file_format: SnowflakeId = Field("PARQUET", alias="snowflakeFileFormat")
    loader_role: SnowflakeId = Field("LOADER", alias="snowflakeLoaderRole")
    transformer_role: SnowflakeId = Field("TRANSFORMER", alias="snowflakeTransformerRole")
    reporter_role: SnowflakeId = Field("REPORTER", alias="snowflakeReporterRole")
    loader_user: SnowflakeId = Field("LOADER", alias="snowflakeLoaderUser")
    transformer_user: SnowflakeId = Field("TRANSFORMER", alias="snowflakeTransformerUser")
    parent_role: SnowflakeId = Field("SYSADMIN", alias="snowflakeParentRole")

    @model_validator(mode="after")
    def _roles_differ(self) -> SnowflakeNames:
        roles = [self.loader_role, self.transformer_role, self.reporter_role]
        if len(set(roles)) != len(roles) or self.parent_role in roles:
            raise _fail(
                "snowflakeLoaderRole",
                f"and the other role names must all differ, got {[*roles, self.parent_role]}",
            )
        return self

    @property
    def stage_qualified(self) -> str:
        """`RAW.LAKE_STAGE`: the form the loader's SNOWFLAKE_STAGE setting takes."""
        return f"{self.stage_schema}.{self.stage}"


class StackConfig(BaseModel):
    """Everything the program needs, validated; nothing else in the program reads configuration.

    Fields are keyed by their `pulumi config` names (aliases), so an error names the key to set.
    """

    # python-re: the bucket rule needs look-ahead, which pydantic's default (Rust) engine lacks.
    model_config = ConfigDict(frozen=True, populate_by_name=True, regex_engine="python-re")

    stack: str
    aws_region: str = Field(
        alias="aws:region",
        pattern=r"^[a-z]{2}(-[a-z]+)+-\d$",
        json_schema_extra={"hint": " (e.g. eu-west-1)"},
    )
    lake_bucket: Annotated[str, _BUCKET] = Field(alias="lakeBucketName")
    source_bucket: Annotated[str, _BUCKET] = Field(alias="sourceBucketName")
    source_kms_key_arn: Annotated[
        str | None,
        _pattern(
            r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-fA-F-]{36}$",
            " (arn:aws:kms:<region>:<account>:key/<id>)",
        ),
    ] = Field(None, alias="sourceBucketKmsKeyArn")
    oidc_provider_arn: Annotated[
        str,
        _pattern(
            _OIDC_ARN, " (arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>)"
        ),
    ] = Field(alias="oidcProviderArn")
    namespace: Annotated[
        str, _pattern(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", " (Kubernetes namespace name)")
    ] = Field("coretelecoms", alias="namespace")
    service_accounts: Annotated[Mapping[str, str], BeforeValidator(_service_accounts)] = Field(
        None, alias="serviceAccounts", validate_default=True
    )
    loader_lake_access: LoaderLakeAccess = Field("none", alias="loaderLakeAccess")
    protect_data: Annotated[bool, BeforeValidator(_boolean)] = Field(True, alias="protectData")
    snowflake_lake_role_name: Annotated[str, _pattern(r"^[\w+=,.@-]{1,64}$", " (IAM role name)")] = Field(
        alias="snowflakeLakeRoleName"
    )
    snowflake: SnowflakeNames
    loader_public_key: Annotated[str, _public_key("snowflakeLoaderPublicKey")] = Field(
        alias="snowflakeLoaderPublicKey"
    )
    transformer_public_key: Annotated[str, _public_key("snowflakeTransformerPublicKey")] = Field(
        alias="snowflakeTransformerPublicKey"
    )
    warehouse_auto_suspend_seconds: int = Field(60, ge=60, le=3600, alias="snowflakeAutoSuspendSeconds")
    credit_quota: int = Field(10, ge=1, le=10_000, alias="snowflakeCreditQuota")
    snowflake_account: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_flat_keys(cls, data: Any) -> Any:
        """Stack-derived defaults, the Snowflake names gathered from their flat keys, the account id."""
        if not isinstance(data, dict) or "snowflake" in data:
            return data
        data = dict(data)
        stack = data.get("stack", "")
        data.setdefault("snowflakeLakeRoleName", f"coretelecoms-{stack}-snowflake-lake")
        data.setdefault(
            "snowflakeStorageIntegration", f"CORETELECOMS_LAKE_{re.sub(r'[^A-Z0-9_]', '_', stack.upper())}"
        )
        names = set(_aliases(SnowflakeNames))
        data["snowflake"] = {k: data.pop(k) for k in list(data) if k in names}
        org, account = data.pop("snowflake:organizationName", None), data.pop("snowflake:accountName", None)
        data["snowflake_account"] = f"{org}-{account}" if org and account else None
        return data

    @property
    def oidc_issuer(self) -> str:
        """The issuer host/path the IRSA trust conditions are keyed on (`oidc.eks.<region>.amazonaws.com/id/X`)."""
        match = re.match(_OIDC_ARN, self.oidc_provider_arn)
        assert match is not None  # validated by the field's pattern
        return match.group(3)


def _aliases(model: type[BaseModel]) -> list[str]:
    return [f.alias for f in model.model_fields.values() if f.alias]


# Every key this program reads in its own namespace: the models' aliases (README's table documents each;
# a test checks the example stack files use no other, so a typo cannot silently fall back to a default).
KEYS: tuple[str, ...] = tuple(k for k in (*_aliases(StackConfig), *_aliases(SnowflakeNames)) if ":" not in k)


def _read_settings() -> dict[str, str]:
    """Every key the program reads that the stack sets (blank counts as unset), under its config name."""
    namespaces: dict[str, pulumi.Config] = {}
    values = {}
    for key in (*KEYS, *PROVIDER_KEYS):
        namespace, _, name = key.rpartition(":")
        cfg = namespaces.setdefault(namespace, pulumi.Config(namespace or None))
        value = cfg.get(name)
        if value is not None and value.strip():
            values[key] = value.strip()
    return values


def _problem(error: Mapping[str, Any]) -> str:
    """One pydantic error as this program words it, naming the key and how to fix it."""
    key = next(
        (part for part in reversed(error["loc"]) if isinstance(part, str) and part != "snowflake"), "?"
    )
    value, context = error.get("input"), error.get("ctx") or {}
    kind = error["type"]
    if kind == "missing":
        problem = f"is missing: run `pulumi config set {key} <value>`"
    elif kind == "string_pattern_mismatch":
        problem = f"is not valid: {value!r}{_hint(key)}"
    elif kind == "literal_error":
        problem = f"must be one of {list(LOADER_LAKE_ACCESS)}, got {value!r}"
    elif kind == "int_parsing":
        problem = f"must be a whole number between {_bounds(key)[0]} and {_bounds(key)[1]}, got {value!r}"
    elif kind in ("greater_than_equal", "less_than_equal"):
        problem = f"must be between {_bounds(key)[0]} and {_bounds(key)[1]}, got {value}"
    else:  # our own validators' ValueErrors, already worded
        problem = str(context.get("error", error["msg"]))
    return f"stack config {_qualified(key)} {problem}"


def _field(key: str):
    for model in (StackConfig, SnowflakeNames):
        for field in model.model_fields.values():
            if field.alias == key:
                return field
    raise KeyError(key)


def _hint(key: str) -> str:
    extra = _field(key).json_schema_extra
    return extra.get("hint", "") if isinstance(extra, dict) else ""


def _bounds(key: str) -> tuple[int, int]:
    low = next(m.ge for m in _field(key).metadata if hasattr(m, "ge"))
    high = next(m.le for m in _field(key).metadata if hasattr(m, "le"))
    return low, high


def load() -> StackConfig:
    """Read and validate the stack's configuration; raises StackConfigError with a one-line reason."""
    try:
        return StackConfig.model_validate({"stack": pulumi.get_stack(), **_read_settings()})
    except ValidationError as exc:
        raise StackConfigError("; ".join(_problem(e) for e in exc.errors())) from None
