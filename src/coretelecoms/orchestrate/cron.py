"""The CronWorkflow that runs `coretelecoms-daily` once a day; it only schedules, the template does the work."""

from __future__ import annotations

from hera.workflows import CronWorkflow
from hera.workflows import models as m

from coretelecoms.orchestrate.config import CRON, DAILY, PIPELINE_LABEL, WorkflowConfig
from coretelecoms.orchestrate.daily import metadata


def build_cron(config: WorkflowConfig | None = None) -> CronWorkflow:
    """Daily at `config.schedule` in `config.timezone`.

    It passes no arguments: run-date is left at the template's 'yesterday', reckoned in the template's
    `timezone` parameter (the same setting as this cron's zone), and target at the template's default.
    """
    config = config or WorkflowConfig()
    return CronWorkflow(
        name=CRON,
        **metadata(
            config,
            CRON,
            f"Runs {DAILY} on its schedule for the day before the scheduled time (in its timezone), "
            "on the template's default target.",
        ),
        schedules=[config.schedule],
        timezone=config.timezone,
        # Two runs of one pipeline would load and build the same tables at once; a late run is skipped
        # rather than stacked (backfill what was skipped with coretelecoms-backfill).
        concurrency_policy="Forbid",
        # A controller that was down at the scheduled time still starts the run within the hour.
        starting_deadline_seconds=3600,
        successful_jobs_history_limit=7,
        failed_jobs_history_limit=14,
        workflow_template_ref=m.WorkflowTemplateRef(name=DAILY),
        workflow_metadata=m.WorkflowMetadata(
            labels={PIPELINE_LABEL: "daily", "coretelecoms.io/trigger": "cron"}
        ),
    )
