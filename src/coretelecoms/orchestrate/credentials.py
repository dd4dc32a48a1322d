"""How each credential the registry names reaches a pod: secretKeyRef variables and read-only mounted files,
never values. The registry says which credentials a step needs (`Step.credentials`); this says how.

The strings below are Kubernetes Secret names and keys, not credentials (hence the S105/S106 noqa).
"""

from __future__ import annotations

from hera.workflows import Env, SecretEnv, SecretVolume

from coretelecoms.pipeline.steps import Credential, Step

SECRETS_ROOT = "/var/run/secrets/coretelecoms"

# Secret names and keys the chart references (docs/workflows.md lists them).
POSTGRES_SECRET = "coretelecoms-postgres"  # noqa: S105 - key dsn
GOOGLE_SECRET = "coretelecoms-google"  # noqa: S105 - key service-account.json
# One Snowflake user (and key) per image that holds the warehouse credential: Pulumi's snowflake_users.
SNOWFLAKE_SECRET = "coretelecoms-snowflake-{image}"  # noqa: S105 - keys private-key, private-key-passphrase
# coretelecoms-slack, key webhook-url: SLACK_SECRET / SLACK_WEBHOOK_KEY in config.py


def _postgres(step: Step) -> tuple[list, list]:
    return [], [SecretEnv(name="CORETELECOMS_POSTGRES_DSN", secret_name=POSTGRES_SECRET, secret_key="dsn")]  # noqa: S106


def _google_sheets(step: Step) -> tuple[list, list]:
    # Optional: the roster may be a file stand-in, which needs no Google credentials.
    mount = f"{SECRETS_ROOT}/google"
    volume = SecretVolume(
        name="google", secret_name=GOOGLE_SECRET, mount_path=mount, optional=True, read_only=True
    )
    return [volume], [Env(name="CORETELECOMS_GOOGLE_CREDENTIALS", value=f"{mount}/service-account.json")]


def _snowflake(step: Step) -> tuple[list, list]:
    # Optional: on DuckDB the step needs no key.
    mount = f"{SECRETS_ROOT}/snowflake"
    secret = SNOWFLAKE_SECRET.format(image=step.image)
    volume = SecretVolume(
        name="snowflake", secret_name=secret, mount_path=mount, optional=True, read_only=True
    )
    env = [
        Env(name="SNOWFLAKE_PRIVATE_KEY_PATH", value=f"{mount}/private-key"),
        SecretEnv(
            name="SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
            secret_name=secret,
            secret_key="private-key-passphrase",  # noqa: S106
            optional=True,
        ),
    ]
    return [volume], env


def _aws(step: Step) -> tuple[list, list]:
    # IRSA: the pod's service account (one per image) carries the role; no keys reach the pod at all.
    return [], []


MOUNTS = {
    Credential.AWS: _aws,
    Credential.POSTGRES: _postgres,
    Credential.GOOGLE_SHEETS: _google_sheets,
    Credential.SNOWFLAKE: _snowflake,
}


def credentials(step: Step) -> tuple[list, list]:
    """The secret volumes and variables of a step's pod, in a stable order (the Credential enum's)."""
    volumes, env = [], []
    for credential in Credential:
        if credential in step.credentials:
            more_volumes, more_env = MOUNTS[credential](step)
            volumes += more_volumes
            env += more_env
    return volumes, env


def writes_warehouse(step: Step) -> bool:
    """Whether a step writes the warehouse - what holding the warehouse credential means (load, dbt)."""
    return Credential.SNOWFLAKE in step.credentials
