"""Core Telecoms data platform: five sources into a Parquet lake, a warehouse and dbt marts."""

from __future__ import annotations

__version__ = "0.1.0"
