"""Record kinds: the exclusive mess a record may carry, which of them the extractors quarantine, and their rates."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from coretelecoms.simulator.config import MessRates


class Kind(IntEnum):
    """What a delivered record is; at most one of these per record (overlays such as orphans come on top)."""

    CLEAN = 0
    REDELIVERED = 1
    END_BEFORE_START = 2
    BAD_TIMESTAMP = 3
    BAD_AGENT_ID = 4
    EMPTY_ID = 5
    EXTRA_FIELDS = 6
    MISSING_FIELDS = 7


# The extractor rules (SOURCES.md): wrong field count, empty id, or an unparseable typed value.
QUARANTINED = frozenset(
    {Kind.BAD_TIMESTAMP, Kind.BAD_AGENT_ID, Kind.EMPTY_ID, Kind.EXTRA_FIELDS, Kind.MISSING_FIELDS}
)
_QUARANTINED_TABLE = np.array([k in QUARANTINED for k in Kind])

# Manifest names; customers' unparseable values are dates and agents' bad agent ids are the sheet's own ids.
NAMES = {k: k.name.lower() for k in Kind}
ENTITY_NAMES = {"customers": {Kind.BAD_TIMESTAMP: "bad_date"}, "agents": {Kind.BAD_AGENT_ID: "bad_id"}}

Bands = tuple[tuple[Kind, float], ...]


def bands(entity: str, rates: MessRates) -> Bands:
    """The exclusive kinds an entity's records can take, with their rates, in draw order."""
    half = rates.wrong_field_count / 2
    if entity == "customers":
        return (
            (Kind.BAD_TIMESTAMP, rates.bad_timestamp),
            (Kind.EMPTY_ID, rates.empty_id),
            (Kind.EXTRA_FIELDS, half),
            (Kind.MISSING_FIELDS, half),
        )
    if entity == "agents":
        return ((Kind.BAD_AGENT_ID, rates.bad_agent_id), (Kind.EMPTY_ID, rates.empty_id))
    complaint = (
        (Kind.REDELIVERED, rates.redelivered),
        (Kind.END_BEFORE_START, rates.end_before_start),
        (Kind.BAD_TIMESTAMP, rates.bad_timestamp),
        (Kind.BAD_AGENT_ID, rates.bad_agent_id),
        (Kind.EMPTY_ID, rates.empty_id),
    )
    if entity == "call-logs":  # the only daily CSV, so the only daily source with field-count errors
        return (*complaint, (Kind.EXTRA_FIELDS, half), (Kind.MISSING_FIELDS, half))
    return complaint


def clean_from(entity_bands: Bands) -> float:
    """Uniform draws at or above this are clean records."""
    return float(sum(rate for _, rate in entity_bands))


def assign(uniform: np.ndarray, entity_bands: Bands) -> np.ndarray:
    """Each record's kind from its uniform draw: consecutive bands of [0, 1), clean above them all."""
    kinds = np.zeros(len(uniform), dtype=np.int8)
    low = 0.0
    for kind, rate in entity_bands:
        kinds[(uniform >= low) & (uniform < low + rate)] = kind
        low += rate
    return kinds


def quarantined(kinds: np.ndarray) -> np.ndarray:
    """Which records the extractor must quarantine."""
    return _QUARANTINED_TABLE[kinds]


def name(entity: str, kind: Kind) -> str:
    """The manifest's name for a kind of this entity."""
    return ENTITY_NAMES.get(entity, {}).get(kind, NAMES[kind])


# Overlay messes each entity's manifest entry counts, after its exclusive kinds.
_COMPLAINT_OVERLAYS = ("duplicate", "stray_whitespace_case", "orphan_customer", "orphan_agent")
OVERLAYS = {
    "customers": ("duplicate", "email_typo", "invalid_email", "military_address", "territory_address"),
    "agents": ("duplicate", "unknown_state", "stray_whitespace_case"),
    "call-logs": _COMPLAINT_OVERLAYS,
    "social-media": _COMPLAINT_OVERLAYS,
    "web-forms": _COMPLAINT_OVERLAYS,
}


def mess_names(entity: str) -> list[str]:
    """Every mess an entity's manifest entry counts, exclusive kinds first."""
    return [name(entity, kind) for kind, _ in bands(entity, MessRates())] + list(OVERLAYS[entity])
