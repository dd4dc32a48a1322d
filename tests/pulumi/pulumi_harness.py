"""Pulumi test harness: runs pulumi/__main__.py under mocks and records every registration with its options."""

from __future__ import annotations

import json
import re
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PULUMI_DIR = Path(__file__).resolve().parents[2] / "pulumi"
if str(PULUMI_DIR) not in sys.path:
    sys.path.insert(0, str(PULUMI_DIR))

import pulumi  # noqa: E402 - the components below are importable only after the path tweak
from pulumi.runtime import mocks as pulumi_mocks  # noqa: E402
from pulumi.runtime.stack import run_pulumi_func  # noqa: E402
from pulumi.runtime.sync_await import _sync_await  # noqa: E402

import config as infra_config  # noqa: E402

# A generic module name: make sure it is ours and not something another test folder put on sys.path.
assert Path(infra_config.__file__).resolve().parent == PULUMI_DIR, infra_config.__file__

PROJECT = infra_config.PROJECT
STACK = "test"
ACCOUNT_ID = "111122223333"
REGION = "eu-west-1"
OIDC_ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{OIDC_ISSUER}"
# Recognisable stand-ins for what Snowflake returns from DESCRIBE INTEGRATION.
SNOWFLAKE_IAM_USER_ARN = "arn:aws:iam::999988887777:user/mock-snowflake-integration-user"
SNOWFLAKE_EXTERNAL_ID = "MOCK_ACCOUNT_SFCRole=2_MockExternalIdFromIntegration="
VARIANT_KMS = "arn:aws:kms:eu-west-1:444455556666:key/11111111-2222-3333-4444-555555555555"


def generate_public_key() -> tuple[str, str]:
    """A fresh RSA key pair's public PEM and private PEM; nothing key-shaped is committed to git."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return public.decode(), private.decode()


@dataclass
class Registration:
    """One RegisterResource call as the engine would receive it: resolved inputs and resource options."""

    urn: str
    type: str
    name: str
    parent: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    custom: bool


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The stock mock monitor, plus a log of each request's dependencies, parent and protect flag."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request):  # the gRPC method name, hence not snake_case
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            from pulumi.runtime import rpc

            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    inputs=rpc.deserialize_properties(request.object),
                    outputs=self.resources[response.urn].state,
                    dependencies=list(request.dependencies),
                    property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                    protect=bool(request.protect),
                    custom=bool(request.custom),
                )
            )
        return response


def _fqn(*parts: Any) -> str:
    return ".".join(f'"{p}"' for p in parts if p)


class InfraMocks(pulumi_mocks.Mocks):
    """Provider stand-ins: echo inputs and add the computed outputs the program reads."""

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict]:
        state = dict(args.inputs)
        typ, name = args.typ, args.name
        physical = state.get("name") or f"{name}-0000001"
        if typ == "aws:s3/bucket:Bucket":
            state.update(arn=f"arn:aws:s3:::{state['bucket']}")
            return state["bucket"], state
        if typ == "aws:kms/key:Key":
            key_id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
            state.update(keyId=key_id, arn=f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key_id}")
            return key_id, state
        if typ == "aws:iam/role:Role":
            path = state.get("path", "/")
            state.update(name=physical, arn=f"arn:aws:iam::{ACCOUNT_ID}:role{path}{physical}")
            return physical, state
        if typ == "snowflake:index/storageIntegrationAws:StorageIntegrationAws":
            state.update(
                fullyQualifiedName=_fqn(physical),
                describeOutputs=[{"iamUserArn": SNOWFLAKE_IAM_USER_ARN, "externalId": SNOWFLAKE_EXTERNAL_ID}],
            )
            return physical, state
        if typ.startswith("snowflake:"):
            state["fullyQualifiedName"] = _fqn(state.get("database"), state.get("schema"), state.get("name"))
        return f"{name}-id", state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict, list]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/deployer",
                "userId": "AIDAEXAMPLE",
                "id": ACCOUNT_ID,
            }, []
        if args.token == "aws:index/getPartition:getPartition":
            return {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws",
                "id": "aws",
            }, []
        raise AssertionError(f"unexpected invoke {args.token}")


@dataclass
class Program:
    """The result of one run of pulumi/__main__.py: its registrations and its resolved stack exports."""

    registrations: list[Registration]
    exports: dict[str, Any] = field(default_factory=dict)
    secret_exports: set[str] = field(default_factory=set)

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]

    def one(self, typ: str, name: str | None = None) -> Registration:
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {typ} {name or ''}, found {[r.name for r in found]}"
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.registrations if r.urn == urn)

    def ancestors(self, registration: Registration) -> set[str]:
        """Every URN this resource waits for, directly or through other resources."""
        seen: set[str] = set()
        stack = list(registration.dependencies)
        while stack:
            urn = stack.pop()
            if urn in seen:
                continue
            seen.add(urn)
            stack.extend(self.by_urn(urn).dependencies)
        return seen

    def policy(self, registration: Registration, key: str = "policy") -> dict[str, Any]:
        return json.loads(registration.inputs[key])


def with_changes(base: dict[str, str], **changes: str | None) -> dict[str, str]:
    """The base config with keys set or (None) removed; bare keys are in the project's namespace."""
    values = dict(base)
    for key, value in changes.items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        if value is None:
            values.pop(full, None)
        else:
            values[full] = value
    return values


def run_program(config: dict[str, str], stack: str = STACK) -> Program:
    """Run pulumi/__main__.py with this configuration against fresh mocks; raises what the program raises."""
    monitor = RecordingMonitor(InfraMocks())
    pulumi.runtime.set_mocks(InfraMocks(), project=PROJECT, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(dict(config), [])
    exported: dict[str, Any] = {}
    original_export = pulumi.export

    def capture(name: str, value: Any) -> None:
        exported[name] = pulumi.Output.from_input(value)
        original_export(name, value)

    pulumi.export = capture
    try:
        _sync_await(
            run_pulumi_func(lambda: runpy.run_path(str(PULUMI_DIR / "__main__.py"), run_name="__main__"))
        )
    finally:
        pulumi.export = original_export
    program = Program(monitor.registrations)
    for name, output in exported.items():
        program.exports[name] = _sync_await(output.future())
        if _sync_await(output.is_secret()):
            program.secret_exports.add(name)
    return program


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of an IAM document, whether given as one object or a list."""
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def assert_least_privilege(document: dict[str, Any]) -> None:
    """Every Allow names its actions and resources exactly: no `*` action, no `*` resource, no Not* inversions.

    Object ARNs may end in `/<prefix>*` (that is how S3 scopes a prefix), or in `/<folder>/…*/<file name>` (one
    file name under a folder: narrower still); a bare `*` or a `*` anywhere else in a resource is rejected.
    Deny statements are exempt: a deny must be as broad as possible.
    """
    for statement in statements(document):
        if statement["Effect"] != "Allow":
            continue
        where = statement.get("Sid", statement)
        assert "NotAction" not in statement and "NotResource" not in statement, f"{where}: Not* in an Allow"
        assert statement.get("Principal") != "*", f"{where}: allows any principal"
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{where}: wildcard action {action!r}"
        for resource in as_list(statement.get("Resource", [])):
            assert resource != "*", f"{where}: wildcard resource"
            if "*" in resource:
                prefix, _, file_name = resource.partition("*")
                # `*` spans `/` in IAM: a file name is scoped only under a folder of the bucket, not its root.
                below_root = prefix.partition(":::")[2].count("/") >= 2
                scoped = prefix.endswith("/") and (
                    file_name == "" or (below_root and re.fullmatch(r"/[^*/]+", file_name) is not None)
                )
                assert ":s3:::" in resource and scoped, (
                    f"{where}: wildcard resource {resource!r} broader than an S3 prefix"
                )
