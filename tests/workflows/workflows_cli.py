"""`coretelecoms workflows …` as a real subprocess, seeing no CORETELECOMS_* or KUBE* setting of the caller's shell."""

from __future__ import annotations

import os
import subprocess
import sys


def workflows_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CORETELECOMS_", "KUBE"))}
    return subprocess.run(
        [sys.executable, "-m", "coretelecoms", "--log-level", "ERROR", "workflows", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
