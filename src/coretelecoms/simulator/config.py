"""What to generate: the mess rates and the run configuration (re-exported by `generate`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from pathlib import Path

from coretelecoms.simulator.webform_layout import check_types, table_names

DAILY_ENTITIES = ("call-logs", "social-media", "web-forms")
# Only the JSON file can be cut short into something unreadable; a cut CSV is just one bad last row.
TRUNCATABLE_ENTITIES = ("social-media",)


@dataclass(frozen=True)
class MessRates:
    """Share of records (or, for the `*_file` and `*_day` rates, of files) that carry each mess.

    Record-level messes of the first group are exclusive kinds (a record has at most one); the
    quarantining ones are `bad_timestamp`, `bad_agent_id`, `empty_id` and `wrong_field_count`.
    The defaults keep every mess visible in a few days of demo data while leaving the extract of every
    day succeeding: the two rates that make a day's extract fail default to zero.
    """

    # Exclusive record kinds.
    redelivered: float = 0.03  # the id of an earlier day's record, delivered again with a new status
    end_before_start: float = 0.01  # call end (or resolution) before its start (or request)
    bad_timestamp: float = 0.01  # an unparseable timestamp (a date in customers): quarantined
    bad_agent_id: float = 0.01  # a non-integer agent id (`A1023`, `N/A`): quarantined
    empty_id: float = 0.005  # an empty or blank source id: quarantined
    wrong_field_count: float = 0.01  # a CSV row with one field too many or too few: quarantined
    # Overlays on any record.
    duplicate: float = 0.02  # the record is delivered twice, identically
    stray_whitespace_case: float = 0.05  # ` payments`, `RESOLVED` in a categorical
    orphan_customer: float = 0.02  # a customer id that is not in the customers file
    orphan_agent: float = 0.02  # an agent id that is not in the agents sheet
    email_typo: float = 0.03  # `GmaiL.om`, `hotmai.com`, `gmial.com`, `.om`, stray whitespace
    invalid_email: float = 0.005  # an e-mail that stays invalid after the typo fixes
    military_address: float = 0.01  # `PSC 2383, Box 3666\nAPO AA 12094`: no state, an armed-forces code
    territory_address: float = 0.01  # an address ending in a territory code (MP, GU, PR, VI, AS)
    unknown_state: float = 0.02  # an agent state name that maps to no state (`Calfornia`, `Ontario`)
    # File-level.
    bom_file: float = 0.3  # a CSV file starts with a UTF-8 byte-order mark
    crlf_file: float = 0.3  # a CSV file ends its lines with CRLF
    float_ids_file: float = 0.25  # a call-log / social-media file writes its agent ids as floats (`1035.0`)
    schema_drift: bool = True  # drifting entities gain an extra column from the middle day on
    missing_day: float = 0.0  # no file / no table for the day: its extract fails
    truncated_day: float = 0.0  # the day's JSON file is cut short: its extract fails

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type != "bool" and not 0.0 <= value <= 1.0:
                raise ValueError(f"mess rate {f.name} must be within [0, 1], got {value}")
        exclusive = (
            self.redelivered
            + self.end_before_start
            + self.bad_timestamp
            + self.bad_agent_id
            + self.empty_id
            + self.wrong_field_count
        )
        if exclusive > 0.5:
            # Re-deliveries and reference picks need clean records to point at.
            raise ValueError(f"the exclusive record mess rates add up to {exclusive:.3f}; keep them <= 0.5")
        if self.email_typo + self.invalid_email > 1.0:
            raise ValueError("email_typo + invalid_email must not exceed 1")

    @classmethod
    def none(cls) -> MessRates:
        """No mess at all: every record clean, every file plain."""
        return cls(**{f.name: False if f.type == "bool" else 0.0 for f in fields(cls)})

    def override(self, items: Iterable[str]) -> MessRates:
        """These rates with `name=value` overrides applied (the CLI's `--mess duplicate=0.1`).

        Args:
            items: `name=value` strings; value a number in [0, 1], or for `schema_drift` true/false.

        Returns:
            A new, validated MessRates.

        Raises:
            ValueError: an unknown name or a value that is not a number (or boolean) in range.
        """
        kinds = {f.name: f.type for f in fields(self)}
        changes: dict[str, float | bool] = {}
        for item in items:
            name, sep, value = item.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in kinds:
                raise ValueError(
                    f"mess override {item!r}: expected NAME=VALUE, NAME one of {', '.join(kinds)}"
                )
            if kinds[name] == "bool":
                if value.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(f"mess override {item!r}: {name} takes true or false")
                changes[name] = value.strip().lower() in ("true", "1", "yes")
            else:
                try:
                    changes[name] = float(value)
                except ValueError:
                    raise ValueError(f"mess override {item!r}: {value!r} is not a rate") from None
        return replace(self, **changes)


def entity_days(items: Iterable[str]) -> dict[str, set[date]]:
    """`entity=YYYY-MM-DD` strings (the CLI's `--missing-day` / `--truncated-day`) as a mapping for GenerateConfig.

    Raises:
        ValueError: an item that is not `entity=date`.
    """
    days: dict[str, set[date]] = {}
    for item in items:
        entity, sep, day = item.partition("=")
        try:
            parsed = date.fromisoformat(day.strip())
        except ValueError:
            parsed = None
        if not sep or parsed is None:
            raise ValueError(f"{item!r}: expected ENTITY=YYYY-MM-DD, e.g. social-media=2025-11-21")
        days.setdefault(entity.strip(), set()).add(parsed)
    return days


@dataclass(frozen=True)
class GenerateConfig:
    """One simulator run: where to write, which days, how big, how messy.

    Attributes:
        source_url: bucket root, `file:///...` or `s3://...`.
        agents_path: the `.xlsx` (or `.csv`) stand-in for the agents Google Sheet.
        postgres_dsn: the web-forms database; None skips the web forms.
        start: first day generated.
        days: number of consecutive days.
        scale: volume multiplier; 1.0 is the real volume / 500 (5,000 customers, 760 calls, 140 web forms,
            19 social-media complaints a day); agents are always 100 (see `volumes.py`).
        seed: the same seed (and configuration) gives the same bytes and table contents.
        rates: the mess rates.
        missing_days: per daily entity, days delivered without a file / table.
        truncated_days: per entity (social-media only), days whose JSON file is cut short.
        drift_entities: daily entities that gain an extra column from the middle day on.
        chunk_rows: records generated at a time; bounds memory, not output.
        web_form_table_case: `lower` (`web_form_request_2025_11_20`, as PostgreSQL folds the unquoted
            name: the real layout) or `mixed` (a quoted `"Web_form_request_2025_11_20"`).
        two_table_days: web-form days delivered in both spellings at once (its extract then fails).
        web_form_types: web-form column -> PostgreSQL type other than text (see `webform_layout.TYPES`).
    """

    source_url: str
    agents_path: Path
    postgres_dsn: str | None
    start: date
    days: int
    scale: float = 1.0
    seed: int = 42
    rates: MessRates = MessRates()
    missing_days: Mapping[str, Collection[date]] = field(default_factory=dict)
    truncated_days: Mapping[str, Collection[date]] = field(default_factory=dict)
    drift_entities: tuple[str, ...] = ("call-logs", "social-media")
    chunk_rows: int = 65_536
    web_form_table_case: str = "lower"
    two_table_days: Collection[date] = ()
    web_form_types: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError(f"days must be at least 1, got {self.days}")
        if self.scale <= 0:
            raise ValueError(f"scale must be positive, got {self.scale}")
        if self.chunk_rows < 1:
            raise ValueError("chunk_rows must be positive")
        table_names(self.start, self.web_form_table_case)  # refuses an unknown case
        check_types(self.web_form_types)
        for label, mapping, allowed in (
            ("missing_days", self.missing_days, DAILY_ENTITIES),
            ("truncated_days", self.truncated_days, TRUNCATABLE_ENTITIES),
            ("two_table_days", {"web-forms": self.two_table_days}, ("web-forms",)),
            ("drift_entities", dict.fromkeys(self.drift_entities, ()), DAILY_ENTITIES),
        ):
            for entity, days in mapping.items():
                if entity not in allowed:
                    raise ValueError(f"{label}: {entity!r} is not one of {', '.join(allowed)}")
                outside = [d for d in days if not self.start <= d <= self.end]
                if outside:
                    raise ValueError(f"{label}[{entity}]: {outside[0]} is outside {self.start}..{self.end}")

    @property
    def end(self) -> date:
        """The last day generated."""
        return self.start + timedelta(days=self.days - 1)

    @property
    def dates(self) -> list[date]:
        """Every day generated, in order."""
        return [self.start + timedelta(days=i) for i in range(self.days)]
