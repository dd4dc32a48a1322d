"""The `coretelecoms-backfill` WorkflowTemplate: the daily DAG over a date range (built in coretelecoms.orchestrate)."""

from coretelecoms.orchestrate.backfill import build_backfill

w = build_backfill()
