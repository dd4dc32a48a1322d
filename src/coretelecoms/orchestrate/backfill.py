"""The `coretelecoms-backfill` WorkflowTemplate: the daily per-date DAG fanned out over a date range.

Argo has no catch-up for missed cron runs (the original Airflow DAGs relied on it), so a range is
backfilled explicitly: list the dates, run `coretelecoms-daily`'s `day` DAG for each - at most
`backfill_parallelism` at a time - then run the date-less steps (dbt) once over everything loaded.
"""

from __future__ import annotations

from hera.workflows import DAG, Parameter, Task, WorkflowTemplate
from hera.workflows import models as m

from coretelecoms.orchestrate import pods
from coretelecoms.orchestrate.config import BACKFILL, DAILY, WorkflowConfig
from coretelecoms.orchestrate.daily import (
    CHECK_TARGET,
    DAY,
    NOTIFY,
    check_target_task,
    exit_handler,
    flag_values,
    once_tasks,
    pipeline_template,
    split_steps,
)
from coretelecoms.orchestrate.pods import RUN_DATE, TARGET
from coretelecoms.pipeline.steps import STEPS, Step

START = "start-date"
END = "end-date"
DATES = "dates"


def _date_parameter(name: str, which: str) -> Parameter:
    return Parameter(name=name, description=f"{which} ingest date of the range, YYYY-MM-DD (inclusive).")


def build_backfill(config: WorkflowConfig | None = None, steps: tuple[Step, ...] = STEPS) -> WorkflowTemplate:
    """The backfill WorkflowTemplate; it runs the daily template's own templates (templateRef), not copies."""
    config = config or WorkflowConfig()
    per_date, once = split_steps(steps)
    with pipeline_template(
        config,
        BACKFILL,
        f"Backfills a date range with {DAILY}: each date's extracts and load, a few dates at a "
        "time (one load at a time: the warehouse mutex), then one dbt build.",
        pipeline="backfill",
        dates=[_date_parameter(START, "First"), _date_parameter(END, "Last")],
        steps=steps,
        deadline_seconds=3 * 86400,
    ) as template:
        # The date list comes from the same code as `coretelecoms run --start/--end` (and rejects a
        # reversed or oversized range with a one-line error) rather than from an Argo expression.
        list_dates = pods.utility_container(
            DATES,
            [
                "workflows",
                "dates",
                "--start",
                f"{{{{inputs.parameters.{START}}}}}",
                "--end",
                f"{{{{inputs.parameters.{END}}}}}",
            ],
            [START, END],
            config,
        )
        # parallelism on the DAG bounds how many of its children (the per-date DAGs) run at once;
        # fail_fast off lets the other dates finish when one fails, so one `argo retry` redoes only the failures.
        with DAG(name="main", parallelism=config.backfill_parallelism, fail_fast=False):
            check_target_task(m.TemplateRef(name=DAILY, template=CHECK_TARGET))
            Task(
                name=DATES,
                template=list_dates,
                depends=CHECK_TARGET,
                arguments=[
                    Parameter(name=START, value=f"{{{{workflow.parameters.{START}}}}}"),
                    Parameter(name=END, value=f"{{{{workflow.parameters.{END}}}}}"),
                ],
            )
            Task(
                name=DAY,
                template_ref=m.TemplateRef(name=DAILY, template=DAY),
                depends=DATES,
                with_param=f"{{{{tasks.{DATES}.outputs.result}}}}",
                arguments=[
                    Parameter(name=RUN_DATE, value="{{item}}"),
                    Parameter(name=TARGET, value=f"{{{{workflow.parameters.{TARGET}}}}}"),
                ],
            )
            once_tasks(
                per_date,
                once,
                {s.name: m.TemplateRef(name=DAILY, template=s.name) for s in once},
                {TARGET: f"{{{{workflow.parameters.{TARGET}}}}}", **flag_values(steps)},
            )
        exit_handler(
            f"{{{{workflow.parameters.{START}}}}} to {{{{workflow.parameters.{END}}}}}, "
            f"target {{{{workflow.parameters.{TARGET}}}}}",
            m.TemplateRef(name=DAILY, template=NOTIFY),
        )
    return template
