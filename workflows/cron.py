"""The CronWorkflow that runs `coretelecoms-daily` every day for the day before (built in coretelecoms.orchestrate)."""

from coretelecoms.orchestrate.cron import build_cron

w = build_cron()
