"""The kill scenarios: a step, the state it starts from, what a reader may see after a kill, what a re-run must give.

A world is generated once (sources for two days, an uninterrupted reference run of every step); each
scenario starts from a copy of one of its states, so every kill point is independent of the others.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg2
from readers import (
    day_counts,
    lake_problems,
    lake_state,
    marts_problems,
    marts_state,
    partition_keys,
    raw_state,
)
from stepping import tree

from coretelecoms.common.entities import ENTITIES

D1, D2 = date(2025, 3, 10), date(2025, 3, 11)  # this module's own dates: web-form tables are named by date
CLI = [sys.executable, "-m", "coretelecoms", "--log-level", "ERROR"]
REPO = Path(__file__).resolve().parents[2]
# What the kill-point suite saw, for its report line (conftest.py prints it at the end of the session).
REPORT: dict[str, list] = {"points": [], "states": [], "differences": [], "labels": []}
TRANSFORM_PUBLISHES_WHOLE = (
    REPO / "dbt" / "macros" / "publish.sql"
).exists()  # write-audit-publish (issue 11.4)


def env_for(home: Path, dsn: str, work: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    env.update(CORETELECOMS_HOME=str(home), CORETELECOMS_POSTGRES_DSN=dsn, PYTHONWARNINGS="ignore")
    if work is not None:
        env.update(
            CORETELECOMS_LAKE_URL=str(work / "lake"),
            CORETELECOMS_DUCKDB_PATH=str(work / "wh" / "warehouse.duckdb"),
        )
    return env


def run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run([*CLI, *argv], env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{argv}: {result.stderr[-2000:]}"


def warehouse(work: Path) -> Path:
    return work / "wh" / "warehouse.duckdb"


@dataclass
class World:
    """Generated sources, and copies of the lake + warehouse after D1 (base1) and after D2 (ref2)."""

    root: Path
    home: Path
    dsn: str
    states: dict[str, Path] = field(default_factory=dict)
    web_forms: dict[str, int | None] = field(default_factory=dict)  # the reference web-form tables' rows
    marts: dict[str, dict[str, int]] = field(
        default_factory=dict
    )  # marts row counts before/after a transform

    def copy(self, state: str, to: Path, *, warehouse_from: str | None = None) -> Path:
        shutil.copytree(self.states[state] / "lake", to / "lake")
        shutil.copytree(self.states[warehouse_from or state] / "wh", to / "wh")
        return to

    def lake(self, state: str) -> dict:
        return lake_state(self.states[state] / "lake")

    def raw(self, state: str) -> dict:
        return raw_state(warehouse(self.states[state]))

    def web_form_counts(self) -> dict[str, int | None]:
        """Rows of each day's web-form table (None: absent), as any reader of the source database sees them."""
        counts: dict[str, int | None] = {}
        with psycopg2.connect(self.dsn) as con, con.cursor() as cur:
            for day in (D1, D2):
                name = f"web_form_request_{day:%Y_%m_%d}"
                cur.execute("SELECT to_regclass(%s)", (name,))
                counts[name] = None if cur.fetchone()[0] is None else _count(cur, name)
        return counts


def _count(cur, table: str) -> int:
    cur.execute(f'SELECT count(*) FROM "{table}"')
    return cur.fetchone()[0]


def build_world(root: Path, dsn: str) -> World:
    world = World(root, root / "home", dsn)
    run(["sources", "generate", "--start", D1.isoformat(), "--days", "2"], env_for(world.home, dsn))
    world.web_forms = world.web_form_counts()
    work = root / "reference"
    for day, name in ((D1, "base1"), (D2, "ref2")):
        for entity in ENTITIES:
            run(["extract", entity, "--date", day.isoformat()], env_for(world.home, dsn, work))
        run(["load", "--date", day.isoformat()], env_for(world.home, dsn, work))
        world.states[name] = root / name
        shutil.copytree(work, world.states[name])
    return world


@dataclass
class Scenario:
    """One step to kill, started from a copy of a world state."""

    name: str
    argv: list[str]
    start: str  # the world state copied in
    warehouse_from: str | None = None
    kind: str = "extract"  # extract | load | generate | transform

    def argv_for(self) -> list[str]:
        return [*CLI, *self.argv]

    def prepare(self, world: World, work: Path) -> Path:
        if self.kind == "generate":
            (work / "home").mkdir(parents=True)
            return work
        return world.copy(self.start, work, warehouse_from=self.warehouse_from)

    def env(self, world: World, work: Path) -> dict[str, str]:
        home = work / "home" if self.kind == "generate" else world.home
        return env_for(home, world.dsn, work)

    def probe(self, work: Path):
        if self.kind == "generate":
            return lambda: tree(work / "home" / "sources")
        if self.kind == "extract":
            return lambda: tree(work / "lake")
        return lambda: tree(work / "wh")

    def frozen_problems(self, work: Path) -> list[str]:
        """What a reader sees while the victim is frozen (DuckDB's lock keeps readers out during load/transform)."""
        return lake_problems(work / "lake") if self.kind == "extract" else []

    # ---------------------------------------------------------------- after a kill

    def observe(self, world: World, work: Path) -> tuple[str, list[str]]:
        """(the state a reader finds after the kill, what is wrong with it)."""
        if self.kind == "extract":
            return self._observe_extract(world, work)
        if self.kind == "load":
            return self._observe_load(world, work)
        if self.kind == "generate":
            return self._observe_generate(world, work)
        state = marts_state(warehouse(work))
        known = {"old": world.marts["before"], "new": world.marts["after"]}
        label = next((k for k, v in known.items() if v == state), "mixed")
        return f"marts {label}", marts_problems(state) + (
            [] if label != "mixed" else [f"marts are neither: {state}"]
        )

    def _observe_extract(self, world: World, work: Path) -> tuple[str, list[str]]:
        entity, day = self.argv[1], self.argv[3]
        problems = lake_problems(work / "lake")
        folder = work / "lake" / "raw" / entity / f"ingest_date={day}"
        if (folder / "_manifest.json").exists():
            label = "partition published"
            seen, expected = lake_state(work / "lake"), self.expected_lake(world)
            keys = partition_keys(expected, entity, day)
            if {k: seen.get(k) for k in keys} != {k: expected[k] for k in keys}:
                problems.append(f"published {entity} {day} differs from the uninterrupted run's")
        else:
            label = (
                "partition unpublished" if folder.exists() and any(folder.iterdir()) else "partition absent"
            )
        return label, problems

    def _observe_load(self, world: World, work: Path) -> tuple[str, list[str]]:
        day = self.argv[2]
        seen = day_counts(warehouse(work), day)
        old, new = (
            day_counts(warehouse(world.states[self.warehouse_from or self.start]), day),
            day_counts(warehouse(world.states["ref2"]), day),
        )
        other = (D1 if day == D2.isoformat() else D2).isoformat()
        problems = []
        if day_counts(warehouse(work), other) != day_counts(
            warehouse(world.states[self.warehouse_from or self.start]), other
        ):
            problems.append(f"the load of {day} changed {other}")
        if seen == new:
            return ("day loaded" if old != new else "day as before (= new)"), problems
        if seen == old:
            return "day as before", problems
        return "day half-loaded", [*problems, f"RAW rows of {day}: {seen}, neither {old} nor {new}"]

    def _observe_generate(self, world: World, work: Path) -> tuple[str, list[str]]:
        reference = world.home / "sources"
        problems, visible = [], 0
        for path in sorted((work / "home" / "sources").rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                visible += 1
                twin = reference / path.relative_to(work / "home" / "sources")
                if not twin.is_file() or twin.read_bytes() != path.read_bytes():
                    problems.append(f"{path.name} is visible but not the complete file")
        total = sum(1 for p in reference.rglob("*") if p.is_file())
        tables = world.web_form_counts()
        if any(n is not None and n != world.web_forms[t] for t, n in tables.items()):
            problems.append(f"a web-form table is visible but incomplete: {tables}")
        return f"{visible} of {total} source files", problems

    # ---------------------------------------------------------------- after the re-run

    def expected_lake(self, world: World) -> dict:
        base = world.lake(self.start)
        if self.kind != "extract":
            return base
        entity, day = self.argv[1], self.argv[3]
        ref = world.lake("ref2")
        keys = partition_keys(ref, entity, day)
        return {
            **{k: v for k, v in base.items() if k not in partition_keys(base, entity, day)},
            **{k: ref[k] for k in keys},
        }

    def differences(self, world: World, work: Path) -> list[str]:
        """How the state after the re-run differs from an uninterrupted run's (empty: none)."""
        if self.kind == "generate":
            ref, got = world.home / "sources", work / "home" / "sources"
            names = lambda root: {p.relative_to(root) for p in root.rglob("*") if p.is_file()}  # noqa: E731
            diff = [str(n) for n in names(ref) ^ names(got)]
            diff += [
                str(n) for n in names(ref) & names(got) if (ref / n).read_bytes() != (got / n).read_bytes()
            ]
            if world.web_form_counts() != world.web_forms:
                diff.append("web-form tables")
            return diff
        diff = []
        if lake_state(work / "lake") != self.expected_lake(world):
            diff.append("lake")
        expected_raw = (
            world.raw("ref2") if self.kind == "load" else world.raw(self.warehouse_from or self.start)
        )
        if self.kind != "transform" and raw_state(warehouse(work)) != expected_raw:
            diff.append("RAW")
        if self.kind == "transform" and marts_state(warehouse(work)) != world.marts["after"]:
            diff.append("marts")
        return diff


def add_transform_states(world: World) -> None:
    """Marts built on D1 with D2 loaded since ("tstart"), and the marts an uninterrupted transform then gives."""
    work = world.root / "transform-reference"
    world.copy("base1", work)
    env = env_for(world.home, world.dsn, work)
    run(["transform"], env)
    world.marts["before"] = marts_state(warehouse(work))
    shutil.rmtree(work / "lake")
    shutil.copytree(world.states["ref2"] / "lake", work / "lake")
    run(["load", "--date", D2.isoformat()], env)
    world.states["tstart"] = world.root / "tstart"
    shutil.copytree(work, world.states["tstart"])
    run(["transform"], env)
    world.marts["after"] = marts_state(warehouse(work))


def transform_scenario() -> Scenario:
    return Scenario("transform", ["transform"], "tstart", kind="transform")


def scenarios() -> list[Scenario]:
    found = []
    for entity in ENTITIES:
        found.append(
            Scenario(f"extract {entity} {D2} (new)", ["extract", entity, "--date", D2.isoformat()], "base1")
        )
        found.append(
            Scenario(f"extract {entity} {D1} (again)", ["extract", entity, "--date", D1.isoformat()], "base1")
        )
    found.append(
        Scenario(f"load {D2} (new)", ["load", "--date", D2.isoformat()], "ref2", "base1", kind="load")
    )
    found.append(Scenario(f"load {D1} (again)", ["load", "--date", D1.isoformat()], "ref2", kind="load"))
    found.append(
        Scenario(
            "sources generate",
            ["sources", "generate", "--start", D1.isoformat(), "--days", "2"],
            "",
            kind="generate",
        )
    )
    return found
