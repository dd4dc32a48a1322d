"""Source simulator: the five Core Telecoms sources in their real layouts, mess included, plus a truth manifest."""

from __future__ import annotations

from coretelecoms.simulator.generate import MANIFEST_KEY, GenerateConfig, MessRates, entity_days, generate

__all__ = ["MANIFEST_KEY", "GenerateConfig", "MessRates", "entity_days", "generate"]
