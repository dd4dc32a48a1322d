"""Transformation: `dbt build` of the marts on the configured warehouse, run in-process."""

from __future__ import annotations

from coretelecoms.transform.result import TransformResult
from coretelecoms.transform.runner import TARGETS, dbt_build, default_project_dir

__all__ = ["TARGETS", "TransformResult", "dbt_build", "default_project_dir"]
