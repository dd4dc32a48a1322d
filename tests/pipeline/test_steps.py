"""The step registry states every fact of a step, and both engines read the same facts."""

from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import date

import pytest

from coretelecoms.common.entities import ENTITIES
from coretelecoms.pipeline import runner, tasks
from coretelecoms.pipeline.steps import (
    DATE_SLOT,
    FLAGS,
    FULL_REFRESH,
    STEPS,
    Cadence,
    Credential,
    Shape,
    find_step,
    in_dependency_order,
)  # fmt: skip


def test_every_step_states_its_facts():
    for step in STEPS:
        assert isinstance(step.cadence, Cadence) and isinstance(step.shape, Shape)
        assert step.credentials and all(isinstance(c, Credential) for c in step.credentials)
        assert callable(step.run)
    assert {s.name for s in STEPS} == {f"extract-{e}" for e in ENTITIES} | {"load", "transform"}


def test_credentials_follow_the_source_system():
    assert Credential.POSTGRES in find_step("extract-web-forms").credentials
    assert Credential.GOOGLE_SHEETS in find_step("extract-agents").credentials
    assert find_step("extract-call-logs").credentials == {Credential.AWS}
    assert Credential.SNOWFLAKE in find_step("load").credentials
    assert find_step("transform").credentials == {Credential.SNOWFLAKE}
    # No extract holds a warehouse key; no warehouse step holds a source credential.
    for step in STEPS:
        if step.name.startswith("extract-"):
            assert Credential.SNOWFLAKE not in step.credentials
        else:
            assert not step.credentials & {Credential.POSTGRES, Credential.GOOGLE_SHEETS}


def test_cadence_decides_the_date_argument():
    for step in STEPS:
        assert (DATE_SLOT in step.args) == step.per_date
    assert find_step("transform").cadence is Cadence.ONCE
    assert find_step("load").argv("2025-11-20") == ["load", "--date", "2025-11-20", "--json"]
    assert find_step("transform").argv() == ["transform"]
    with pytest.raises(ValueError, match="runs per date"):
        find_step("load").argv()


def test_flags_are_options_of_their_step_command_and_of_run():
    from coretelecoms.cli import cli

    transform = find_step("transform")
    assert transform.flags == (FULL_REFRESH,)
    assert transform.argv(flags=frozenset({"full-refresh"})) == ["transform", "--full-refresh"]
    for flag in FLAGS:
        run_options = {o for p in cli.commands["run"].params for o in p.opts}
        assert flag.option in run_options
        for step in STEPS:
            if flag in step.flags:
                command = cli.commands[step.command[0]]
                param = next(p for p in command.params if flag.option in p.opts)
                assert param.envvar == flag.env  # how the cluster sets it


def test_step_functions_are_typed_and_take_the_date_as_a_date():
    assert inspect.signature(tasks.extract).parameters["day"].annotation == "date"
    assert inspect.signature(tasks.load).parameters["day"].annotation == "date"
    assert inspect.signature(tasks.transform).return_annotation == "TransformResult"


class _Recorded:
    """A summary a fake step returns (the runner needs only to_json)."""

    def __init__(self, name, run):
        self.name, self.run = name, run

    def to_json(self) -> str:
        return "{}"


def test_runner_runs_per_date_steps_per_date_then_once_steps_once_with_flags(tmp_path):
    from coretelecoms.settings import Settings

    calls = []

    def fake(step_name):
        def run(step_run):
            calls.append((step_name, step_run.day, step_run.flags))
            return _Recorded(step_name, step_run)

        return run

    steps = tuple(replace(s, run=fake(s.name)) for s in STEPS)
    days = [date(2025, 11, 20), date(2025, 11, 21)]
    report = runner.run_pipeline(
        days, Settings(home=tmp_path), run_id="t", flags=frozenset({"full-refresh"}), steps=steps
    )
    per_date = [s.name for s in in_dependency_order(steps) if s.per_date]
    assert [(n, d) for n, d, _ in calls] == [(n, d) for d in days for n in per_date] + [("transform", None)]
    assert all(f == {"full-refresh"} for _, _, f in calls)
    assert len(report.summaries(_Recorded)) == len(calls)


def test_run_passes_its_flags_and_dates_to_the_runner(tmp_path, monkeypatch):
    """`run --full-refresh --start --end` reaches the runner as typed dates and the flag's name."""
    from coretelecoms.cli import cli

    seen = {}

    def run_pipeline(days, settings, *, run_id, flags):
        seen.update(days=days, flags=flags, home=settings.home)
        return runner.RunReport()

    monkeypatch.setattr(runner, "run_pipeline", run_pipeline)
    args = ["--home", str(tmp_path), "run", "--start", "2025-11-20", "--end", "2025-11-21", "--full-refresh"]
    cli.main(args=args, standalone_mode=False, obj={})
    assert seen == {
        "days": [date(2025, 11, 20), date(2025, 11, 21)],
        "flags": {"full-refresh"},
        "home": tmp_path,
    }
    cli.main(args=args[:-1], standalone_mode=False, obj={})
    assert seen["flags"] == frozenset()
