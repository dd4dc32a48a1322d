"""How much to generate: the original system's volumes, and the scale of `--scale S` or `--volume real`."""

from __future__ import annotations

# The original system's volumes (SOURCES.md, "Real volumes"); `--volume real` generates these.
REAL_CUSTOMERS = 2_500_000
REAL_DAILY = {"call-logs": 380_000, "web-forms": 70_000, "social-media": 9_500}
# Scale 1 is the real volume divided by this: small for the demo and tests, with the same ratios
# (5,000 customers, 760 calls, 140 web forms, 19 social-media complaints a day).
REAL_VOLUME_SCALE = 500.0
# Agents do not grow with the customers: the call centre has a hundred, whatever the scale.
AGENTS = 100
VOLUMES = {"real": REAL_VOLUME_SCALE}


def volume_scale(scale: float | None, volume: str | None) -> float:
    """The scale of `--scale S` or `--volume real` (the two exclude each other); 1 when neither is given.

    Raises:
        ValueError: both given, or an unknown volume name.
    """
    if volume is None:
        return 1.0 if scale is None else scale
    if scale is not None:
        raise ValueError("--scale and --volume exclude each other: give one")
    if volume not in VOLUMES:
        raise ValueError(f"volume {volume!r}: expected one of {', '.join(VOLUMES)}")
    return VOLUMES[volume]
