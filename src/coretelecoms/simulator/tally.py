"""The truth manifest's counting: per-chunk counts summed into per-file and per-entity truth.

Semantics (the extractor and the marts rely on them):
- `rows`: records delivered (file rows or table rows, duplicates included, header excluded);
- `expected_quarantined`: delivered records the extractor must quarantine (each duplicate counted);
  `expected_written` = rows - expected_quarantined;
- `distinct_ids`: distinct source ids among the records that are not quarantined; per entity, over all days
  (re-delivered ids count once), i.e. the complaints the marts should hold for the channel;
- `mess`: for the exclusive kinds (`redelivered`, `bad_timestamp`, ...) the number of base records of that
  kind; `duplicate` the number of extra copies; the overlays (`orphan_*`, `stray_whitespace_case`,
  `email_typo`, `invalid_email`) the number of base records carrying them that are not quarantined.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from coretelecoms.simulator.plan import FilePlan

_MESS = "mess."


def add(total: Counter, counts: dict[str, int]) -> None:
    """Add one chunk's counts."""
    total.update(counts)


def _section(counts: Counter, mess_names: Iterable[str]) -> dict:
    rows = counts["rows"]
    quarantined = counts["expected_quarantined"]
    return {
        "rows": rows,
        "expected_quarantined": quarantined,
        "expected_written": rows - quarantined,
        "distinct_ids": counts["distinct_ids"],
        "mess": {name: counts[_MESS + name] for name in mess_names},
    }


def file_truth(
    plan: FilePlan, location: str, header: list[str], counts: Counter, mess_names: list[str]
) -> dict:
    """Truth for one file, sheet or table."""
    truth = {
        "location": location,
        "status": plan.status,
        "expected_extract": "succeeds" if plan.delivered else "fails",
        "header": header,
        "bom": plan.bom,
        "crlf": plan.crlf,
        **_section(counts, mess_names),
    }
    if plan.day is not None:
        truth["drift"] = plan.drift
        truth["float_agent_ids"] = plan.float_ids  # agent ids written `1035.0`: still the integer 1035
        truth["new_ids"] = counts["new_ids"]
        # Kept so the entity totals can count orphaned complaints once each.
        truth["new_ids_orphan_customer"] = counts["new_ids_orphan_customer"]
        truth["new_ids_orphan_agent"] = counts["new_ids_orphan_agent"]
    return truth


def entity_totals(days: dict[str, dict], mess_names: list[str]) -> dict:
    """Totals of a daily entity over the run."""
    total: Counter = Counter()
    for day in days.values():
        total.update({k: day[k] for k in ("rows", "expected_quarantined", "new_ids")})
        total.update({_MESS + k: v for k, v in day["mess"].items()})
        total["orphan_customer_ids"] += day["new_ids_orphan_customer"]
        total["orphan_agent_ids"] += day["new_ids_orphan_agent"]
    total["distinct_ids"] = total["new_ids"]
    section = _section(total, mess_names)
    return {
        **section,
        # Complaints (distinct ids) whose customer / agent is unknown: the marts' has_known_* = false.
        "orphan_customer_ids": total["orphan_customer_ids"],
        "orphan_agent_ids": total["orphan_agent_ids"],
        "failed_days": sorted(d for d, t in days.items() if t["expected_extract"] == "fails"),
        "drift_from": min((d for d, t in days.items() if t["drift"]), default=None),
        "float_agent_id_days": sorted(d for d, t in days.items() if t["float_agent_ids"]),
    }
