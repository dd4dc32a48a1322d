"""Configuration: read once from CORETELECOMS_* / SNOWFLAKE_* variables at the CLI entry and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def as_url(location: str | Path) -> str:
    """Turn a bare path into a file:// URL; leave s3:// and file:// URLs as they are."""
    text = str(location)
    if "://" in text:
        return text
    return Path(text).expanduser().resolve().as_uri()


class Settings(BaseSettings):
    """Where the sources, the lake and the warehouse are; every field has an embedded default under `home`."""

    model_config = SettingsConfigDict(env_prefix="CORETELECOMS_", extra="ignore")

    home: Path = Field(default=Path(".coretelecoms"), description="root of all local state")
    source_url: str | None = Field(default=None, description="source bucket root, s3:// or file://")
    agents_sheet: str | None = Field(default=None, description="Google Sheet id, or a .xlsx/.csv stand-in")
    google_credentials: Path | None = Field(
        default=None,
        description="service-account JSON for the Sheets API (else GOOGLE_APPLICATION_CREDENTIALS)",
    )
    postgres_dsn: SecretStr | None = Field(default=None, description="web-forms database; unset = embedded")
    lake_url: str | None = Field(default=None, description="lake root, s3:// or file://")
    lake_kms_key_id: str | None = Field(default=None, description="SSE-KMS key for lake writes on S3")
    warehouse: Literal["duckdb", "snowflake"] = "duckdb"
    duckdb_path: Path | None = Field(default=None, description="DuckDB warehouse file")
    run_id: str | None = Field(default=None, description="lineage run id; the orchestrator's run name")
    snapshot_min_ratio: float = Field(
        default=0.9, ge=0, le=1, description="refuse a customers/agents snapshot below this share of the last one's rows"
    )
    max_quarantine_share: float = Field(
        default=0.25, ge=0, le=1, description="refuse an extract that quarantines more than this share of its rows"
    )

    @model_validator(mode="after")
    def _fill_embedded_defaults(self) -> Settings:
        self.home = self.home.expanduser().resolve()
        self.source_url = as_url(self.source_url or self.home / "sources" / "bucket")
        self.agents_sheet = self.agents_sheet or str(self.home / "sources" / "agents.xlsx")
        self.lake_url = as_url(self.lake_url or self.home / "lake").rstrip("/")
        self.duckdb_path = (self.duckdb_path or self.home / "warehouse.duckdb").expanduser().resolve()
        return self

    @property
    def embedded_postgres_dir(self) -> Path:
        return self.home / "pg"

    @property
    def dsn(self) -> str | None:
        return self.postgres_dsn.get_secret_value() if self.postgres_dsn else None


class SnowflakeSettings(BaseSettings):
    """The standard SNOWFLAKE_* connection variables; key-pair auth is the production default."""

    # An empty variable means unset, as in dbt/profiles.yml (a chart may render an optional value as "").
    model_config = SettingsConfigDict(env_prefix="SNOWFLAKE_", extra="ignore", env_ignore_empty=True)

    account: str | None = None
    user: str | None = None
    private_key_path: Path | None = None
    private_key_passphrase: SecretStr | None = None
    password: SecretStr | None = None
    role: str | None = None
    warehouse: str | None = None
    database: str | None = None
    host: str | None = None
    port: int | None = None
    protocol: str | None = None
    stage: str = Field(
        default="raw.lake_stage",
        description="external stage over the lake's raw/ zone (Pulumi's RAW.LAKE_STAGE), read through the "
        "storage integration",
    )
    stage_prefix: str = Field(
        default="",
        description="path of the raw zone inside the stage: empty when the stage URL is the lake's raw/ "
        "(as Pulumi creates it), 'raw' when it is the lake root",
    )
    stage_mode: Literal["external", "put"] = Field(
        default="external",
        description="external: COPY from the stage over the lake (production, no lake access needed by "
        "the loader); put: read the lake here, PUT the day's files to a temporary internal stage, COPY "
        "from it (development accounts without a storage integration, and tests on fakesnow)",
    )
    login_timeout: int = Field(default=60, gt=0, description="seconds to log in, retries included")
    network_timeout: int = Field(
        default=900,
        gt=0,
        description="seconds one statement may take, retries included; the connector cancels it after",
    )
    lock_timeout: int = Field(
        default=600,
        gt=0,
        description="seconds to wait for a RAW table lock before failing with a clear message; longer than "
        "the five minutes after which Snowflake aborts a blocking detached transaction (a killed earlier load)",
    )
