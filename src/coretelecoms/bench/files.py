"""`bench files`: one generated day's call-log and social-media extracts against naive readers of the same files.

Call logs against pyarrow's streaming CSV reader to nowhere; social media against pandas' read_json
(which loads the whole column-oriented file). Both in this process, fastest of three; the extract's
peak RSS from a child process. `bench json` compares the JSON readers in depth.
"""

from __future__ import annotations

import csv
import time
from datetime import date
from pathlib import Path

from coretelecoms.bench.child import clean_env, mb, run_extract_child

DAY = date(2025, 11, 20)


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench_files(scale: float, home: Path) -> list[dict]:
    """One generated day at `scale`: our call-log and social-media extracts against naive readers."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from coretelecoms.extract.engine import RunContext
    from coretelecoms.extract.files import source_file
    from coretelecoms.extract.sources import extract
    from coretelecoms.lake.filesystem import locate
    from coretelecoms.settings import Settings
    from coretelecoms.simulator.generate import GenerateConfig, generate

    settings = Settings(home=home)
    generate(GenerateConfig(source_url=settings.source_url, agents_path=home / "agents.xlsx",
                            postgres_dsn=None, start=DAY, days=1, scale=scale))  # fmt: skip
    env = clean_env(CORETELECOMS_HOME=str(home))

    def read_csv_to_nowhere(path: str) -> None:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            names = next(csv.reader(handle))
        options = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
        skip = pacsv.ParseOptions(invalid_row_handler=lambda _row: "skip")
        for _ in pacsv.open_csv(path, parse_options=skip, convert_options=options):
            pass

    def pandas_read_json(path: str) -> None:
        import pandas as pd

        pd.read_json(path, orient="columns", dtype=False)

    baselines = {
        "call-logs": ("pyarrow.csv streaming read to nowhere", read_csv_to_nowhere),
        "social-media": ("pandas.read_json (loads the whole file)", pandas_read_json),
    }
    results = []
    for entity, (baseline_name, baseline) in baselines.items():
        from coretelecoms.common.entities import ENTITIES

        path = source_file(settings.source_url, ENTITIES[entity], DAY).path
        ctx = RunContext(lake=locate(settings.lake_url), day=DAY, run_id="bench")
        base = min(_timed(lambda: baseline(path)) for _ in range(3))  # noqa: B023 - called at once
        summaries = []
        ours = min(_timed(lambda: summaries.append(extract(entity, settings, ctx))) for _ in range(3))  # noqa: B023
        rows = summaries[-1].rows_read
        _, peak, _ = run_extract_child(entity, DAY, env)
        results.append({
            "entity": entity, "rows": rows, "baseline": baseline_name,
            "baseline_rows_per_s": round(rows / base), "extract_rows_per_s": round(rows / ours),
            "ratio_to_baseline": round(base / ours, 3), "peak_rss_mb": mb(peak),
        })  # fmt: skip
    return results


def main(scale: float) -> None:
    import json
    import tempfile

    with tempfile.TemporaryDirectory(prefix="coretelecoms-bench-") as tmp:
        for result in bench_files(scale, Path(tmp) / "home"):
            print(json.dumps(result))
