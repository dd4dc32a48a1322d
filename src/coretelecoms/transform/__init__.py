"""Transformation: `dbt build` of the marts on the configured warehouse, run in-process."""

from __future__ import annotations

from coretelecoms.transform.result import TransformResult
from coretelecoms.transform.runner import DBT_TARGET_BY_WAREHOUSE, dbt_build, default_project_dir

__all__ = ["DBT_TARGET_BY_WAREHOUSE", "TransformResult", "dbt_build", "default_project_dir"]
