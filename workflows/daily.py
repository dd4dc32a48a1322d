"""The `coretelecoms-daily` WorkflowTemplate: extractors in parallel, then load, then dbt (built in coretelecoms.orchestrate)."""

from coretelecoms.orchestrate.daily import build_daily

# Rendered with the defaults of WorkflowConfig, i.e. exactly what charts/coretelecoms/workflows/ holds.
w = build_daily()
