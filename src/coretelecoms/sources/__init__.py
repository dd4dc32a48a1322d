"""Source simulator: the five Core Telecoms sources in their real layouts, mess included, plus a truth manifest."""

from __future__ import annotations

from coretelecoms.sources.generate import GenerateConfig, MessRates, generate

__all__ = ["GenerateConfig", "MessRates", "generate"]
