"""The step registry: every step of the daily pipeline, its image, its CLI arguments and its dependencies.

Both engines read this and nothing else: `coretelecoms run` executes the steps in-process, and
`workflows/` renders them into the Argo DAG whose containers run the very same arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

from coretelecoms.common.entities import ENTITIES

DATE = "{date}"  # placeholder each engine fills: a literal date locally, an Argo parameter on the cluster


@dataclass(frozen=True)
class Step:
    """One pipeline step: a `coretelecoms` CLI invocation in its own container image."""

    name: str
    image: str
    args: tuple[str, ...]
    depends: tuple[str, ...] = ()
    # Steps whose `--json` summary the orchestrator keeps as an output (the extracts).
    emits_summary: bool = False

    def argv(self, date: str) -> list[str]:
        """The CLI arguments with the run date filled in."""
        return [a.replace(DATE, date) for a in self.args]


def _extract_steps() -> list[Step]:
    return [
        Step(
            name=f"extract-{entity.name}",
            image=f"extract-{entity.system}",
            args=("extract", entity.name, "--date", DATE, "--json"),
            emits_summary=True,
        )
        for entity in ENTITIES.values()
    ]


def build_steps() -> list[Step]:
    """The daily pipeline: extractors in parallel, then load, then transform."""
    extracts = _extract_steps()
    load = Step(
        name="load",
        image="loader",
        args=("load", "--date", DATE, "--json"),
        depends=tuple(s.name for s in extracts),
    )
    transform = Step(name="transform", image="dbt", args=("transform",), depends=(load.name,))
    return [*extracts, load, transform]


STEPS: tuple[Step, ...] = tuple(build_steps())
IMAGES: tuple[str, ...] = tuple(dict.fromkeys(s.image for s in STEPS))


def in_dependency_order(steps: tuple[Step, ...] | list[Step] = STEPS) -> list[Step]:
    """Topological order, stable with respect to registry order; raises on a cycle or unknown dependency."""
    by_name = {s.name: s for s in steps}
    ordered: list[Step] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(step: Step) -> None:
        if step.name in done:
            return
        if step.name in visiting:
            raise ValueError(f"dependency cycle through step {step.name!r}")
        visiting.add(step.name)
        for dep in step.depends:
            if dep not in by_name:
                raise ValueError(f"step {step.name!r} depends on unknown step {dep!r}")
            visit(by_name[dep])
        visiting.discard(step.name)
        done.add(step.name)
        ordered.append(step)

    for step in steps:
        visit(step)
    return ordered
