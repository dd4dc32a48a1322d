"""Child processes of the tests: stop one that serves, or SIGKILL one at the moment a test chooses."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout` seconds; always reaped."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def kill_when(
    process: subprocess.Popen, ready: Callable[[], bool], *, timeout: float, poll: float, too_early: str
) -> None:
    """SIGKILL `process` the moment `ready()` holds; fail if it ends first (`too_early`) or `timeout` passes."""
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            assert process.poll() is None, too_early
            assert time.monotonic() < deadline, f"not ready within {timeout} s"
            time.sleep(poll)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()  # a failed wait must not leave it running
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
