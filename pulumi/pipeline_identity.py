"""Pipeline identity: one IAM role per container image, assumable only by its Kubernetes service account (IRSA)."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from iam_documents import ImageAccess, bucket_arn, dumps, image_policy, irsa_trust


def image_access(loader_lake_access: str) -> dict[str, ImageAccess]:
    """What each image does, hence what its role may do.

    The loader on Snowflake reads the partition manifests (which partitions are whole, which files they
    hold) and sends SQL (COPY INTO … FROM @stage FILES=…); Snowflake itself reads the data files through
    the storage integration's role. Giving the pod read on the data files as well would open a second,
    unused path to raw PII, so it gets it only when a stack opts in with `loaderLakeAccess: read`.
    dbt talks only to Snowflake and gets a role with no permissions, kept so every pod is configured alike.
    """
    return {
        "extract-files": ImageAccess(reads_source=True, writes_lake=True),
        "extract-sheets": ImageAccess(writes_lake=True),
        "extract-postgres": ImageAccess(writes_lake=True),
        "loader": ImageAccess(reads_manifests=True, reads_raw=loader_lake_access == "read"),
        "dbt": ImageAccess(),
    }


class PipelineIdentity(pulumi.ComponentResource):
    """An IRSA role per image with an inline least-privilege policy (none for images that need no AWS access)."""

    role_arns: pulumi.Output[Mapping[str, str]]

    def __init__(
        self,
        name: str,
        *,
        oidc_provider_arn: str,
        oidc_issuer: str,
        namespace: str,
        service_accounts: Mapping[str, str],
        access: Mapping[str, ImageAccess],
        lake_bucket_arn: pulumi.Input[str],
        lake_key_arn: pulumi.Input[str],
        source_bucket: str,
        source_key_arn: str | None,
        region: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("coretelecoms:infra:PipelineIdentity", name, None, opts)
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition
        source_arn = partition.apply(lambda p: bucket_arn(p, source_bucket))

        self.roles: dict[str, aws.iam.Role] = {}
        for image, needs in access.items():
            role = aws.iam.Role(
                f"{name}-{image}",
                description=f"IRSA role of the {image} pods ({namespace}/{service_accounts[image]})",
                assume_role_policy=dumps(
                    irsa_trust(oidc_provider_arn, oidc_issuer, namespace, service_accounts[image])
                ),
                max_session_duration=3600,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.roles[image] = role
            if not needs.needs_policy:
                continue
            document = pulumi.Output.all(lake_bucket_arn, lake_key_arn, source_arn).apply(
                lambda args, needs=needs: dumps(
                    image_policy(
                        needs,
                        lake_arn=args[0],
                        lake_key_arn=args[1],
                        source_arn=args[2],
                        source_key_arn=source_key_arn,
                        region=region,
                    )
                )
            )
            aws.iam.RolePolicy(
                f"{name}-{image}-policy",
                role=role.name,
                policy=document,
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.role_arns = pulumi.Output.all(**{image: role.arn for image, role in self.roles.items()})
        self.register_outputs({"role_arns": self.role_arns})
