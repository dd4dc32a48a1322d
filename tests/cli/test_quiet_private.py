"""Quiet, private output (issue 11.12): no Python warning on stderr; local state readable by its owner only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from coretelecoms.common.entities import ENTITIES


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    # As in a pod or cron: no XDG_RUNTIME_DIR (platformdirs then warns at pgserver's import).
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_") and k != "XDG_RUNTIME_DIR"
    }
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-m", "coretelecoms", *args], env={**env, "CORETELECOMS_HOME": str(home)},
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_no_warning_on_stderr_and_state_is_owner_only(tmp_path):
    home = tmp_path / "home"
    commands = [
        ["--help"],
        ["sources", "generate", "--start", "2025-11-20", "--days", "1"],
        *(["extract", entity, "--date", "2025-11-20", "--json"] for entity in ENTITIES),
        ["load", "--date", "2025-11-20"],
        ["transform"],
        ["report"],
        ["extract", "call-logs", "--date", "2031-01-01"],  # fails: missing source, still no warning
    ]
    for args in commands:
        result = _cli(home, *args)
        assert result.returncode == (1 if "2031-01-01" in args else 0), result.stderr[-2000:]
        assert "Warning" not in result.stderr, (args, result.stderr[-2000:])
    written = [p for p in (home / "lake").rglob("*") if p.is_file()] + [home / "warehouse.duckdb"]
    assert any("quarantine" in p.parts for p in written) and len(written) > 5
    # Everything else the commands left in the home too (dbt's logs, the report), the embedded
    # PostgreSQL's data folder aside (its own 0700 tree, owned by its server's user).
    written += [p for p in home.rglob("*") if "pg" not in p.relative_to(home).parts[:1] and p not in written]
    assert (home / "report" / "index.html") in written
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path, oct(path.stat().st_mode))
