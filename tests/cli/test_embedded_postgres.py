"""The embedded PostgreSQL is shared safely by the commands of one home (issue 11.10)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

# A user of the embedded server, as `run` is: one step uses it, a later step uses it again (says "ready"),
# keeps it a while and connects once more.
USER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import psycopg2
    from coretelecoms.common.postgres import postgres_dsn
    with postgres_dsn(None, Path(sys.argv[1])) as dsn:
        psycopg2.connect(dsn).close()
    with postgres_dsn(None, Path(sys.argv[1])) as dsn:
        print("ready", flush=True)
        time.sleep(float(sys.argv[2]))
        psycopg2.connect(dsn).close()
    print("done", flush=True)
""")


def _user(pgdata: Path, seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", USER, str(pgdata), str(seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def _wait_ready(proc: subprocess.Popen) -> None:
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()


def _servers(pgdata: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


def test_a_command_finishing_never_stops_the_server_another_is_using(tmp_path):
    pgdata = tmp_path / "home" / "pg"
    long = _user(pgdata, 6)
    _wait_ready(long)
    short = _user(pgdata, 0)
    out, err = short.communicate(timeout=60)
    assert short.returncode == 0 and out.split() == ["ready", "done"], err
    out, err = long.communicate(timeout=60)  # it connected again after the short one left
    assert long.returncode == 0 and out.strip() == "done", err
    assert "Warning" not in err
    assert _servers(pgdata) == []  # the last user stopped it


def test_after_a_kill_the_next_command_reuses_and_then_stops_the_server(tmp_path):
    pgdata = tmp_path / "home" / "pg"
    killed = _user(pgdata, 60)
    _wait_ready(killed)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=10)
    assert _servers(pgdata)  # left running by the killed command
    started = time.monotonic()
    nxt = _user(pgdata, 0)
    out, err = nxt.communicate(timeout=60)
    assert nxt.returncode == 0 and out.split() == ["ready", "done"], err
    assert time.monotonic() - started < 20
    assert _servers(pgdata) == []


def _run(home: Path, *args: str) -> subprocess.Popen:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_") and k != "XDG_RUNTIME_DIR"
    }
    return subprocess.Popen([sys.executable, "-m", "coretelecoms", "--log-format", "json", *args],
                            env={**env, "CORETELECOMS_HOME": str(home)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.mark.slow
def test_two_concurrent_runs_on_one_home_both_succeed(tmp_path):
    home = tmp_path / "home"
    generate = _run(home, "sources", "generate", "--start", "2025-11-20", "--days", "2", "--scale", "1")
    assert generate.wait(timeout=300) == 0, generate.stderr.read()
    runs = [_run(home, "run", "--start", "2025-11-20", "--end", "2025-11-21") for _ in range(2)]
    for proc in runs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err[-3000:]
        assert "Warning" not in err
    assert _servers(home / "pg") == []
