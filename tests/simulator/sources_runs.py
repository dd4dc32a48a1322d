"""Generated runs for the source-simulator tests: the heavy mess rates and a `run_sources` helper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from coretelecoms.common.entities import CALL_LOGS_KEY, SOCIAL_MEDIA_KEY
from coretelecoms.simulator import GenerateConfig, MessRates, generate

# Every record mess several times more often than by default, so a run of a few hundred records a day
# carries each kind and the count checks have something to count.
HEAVY = MessRates(
    redelivered=0.08,
    end_before_start=0.04,
    bad_timestamp=0.04,
    bad_agent_id=0.04,
    empty_id=0.03,
    wrong_field_count=0.06,
    duplicate=0.06,
    stray_whitespace_case=0.1,
    orphan_customer=0.08,
    orphan_agent=0.08,
    email_typo=0.08,
    invalid_email=0.03,
    military_address=0.03,
    territory_address=0.03,
    unknown_state=0.06,
    float_ids_file=0.5,
    bom_file=0.5,
    crlf_file=0.5,
)


@dataclass(frozen=True)
class Run:
    """A finished simulator run: its configuration, manifest and where its files are."""

    config: GenerateConfig
    manifest: dict
    bucket: Path

    def call_log(self, day: str) -> Path:
        return self.bucket / CALL_LOGS_KEY.format(date=day)

    def social_media(self, day: str) -> Path:
        return self.bucket / SOCIAL_MEDIA_KEY.format(date=day)

    def days(self, entity: str) -> dict[str, dict]:
        return self.manifest["entities"][entity]["days"]


def run_sources(directory: Path, dsn: str | None, start: date, days: int, **options) -> Run:
    """Generate into `directory` (bucket folder plus agents.xlsx) and return the run."""
    config = GenerateConfig(
        source_url=(directory / "bucket").as_uri(),
        agents_path=options.pop("agents_path", directory / "agents.xlsx"),
        postgres_dsn=dsn,
        start=start,
        days=days,
        **options,
    )
    return Run(config, generate(config), directory / "bucket")
