"""Run a real subprocess in small time slices (SIGCONT … SIGSTOP), look at the world between slices, SIGKILL it.

Stopping the victim between slices turns "kill it when a temporary file appears" into something that
does not depend on luck: every state the victim leaves on disk long enough for one slice is seen, a
reader can look at it while the victim is frozen, and the victim can be killed exactly there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

SLICE_S = 0.003


@dataclass
class Outcome:
    states: int  # distinct states seen (the probe's value changed this often)
    killed: bool
    returncode: int | None
    stderr: str


def _state_letter(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return "X"


# How long a stop may take before the slice is given up: a victim that is forking (Python's subprocess
# uses vfork) waits in the kernel, state D, until its child has exec'd - and the child was stopped with
# it, so it would never reach T. Such a slice is let run on, and the next one stops it again.
STOP_WAIT_S = 0.05


def _stop(process: subprocess.Popen) -> bool | None:
    """Freeze the victim's whole process group: True when frozen, False once it has exited, None when it
    could not be frozen in this slice (left running)."""
    try:
        os.killpg(process.pid, signal.SIGSTOP)
    except ProcessLookupError:
        return False
    give_up = time.monotonic() + STOP_WAIT_S
    while (letter := _state_letter(process.pid)) not in "TtZX":
        if time.monotonic() > give_up:
            os.killpg(process.pid, signal.SIGCONT)
            return None
        time.sleep(0.0002)
    return letter not in "ZX"


def step(
    argv: list[str],
    env: dict[str, str],
    probe: Callable[[], Hashable],
    on_state: Callable[[int], None],
    *,
    kill_at: int | None = None,
    log: Path,
    timeout: float = 600,
) -> Outcome:
    """Run `argv` slice by slice; call `on_state(n)` (victim frozen) whenever `probe()` changes.

    With `kill_at`, the victim is SIGKILLed (whole group) while frozen in its `kill_at`-th distinct state.
    """
    with log.open("w") as sink:
        process = subprocess.Popen(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True
        )
    states, previous, killed = 0, object(), False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            time.sleep(SLICE_S)
            frozen = _stop(process)
            if frozen is None:  # mid-fork: let it finish, stop it in the next slice
                continue
            if not frozen:
                break
            current = probe()
            if current != previous:
                states, previous = states + 1, current
                on_state(states)
                if states == kill_at:
                    os.killpg(process.pid, signal.SIGKILL)
                    killed = True
                    break
            os.killpg(process.pid, signal.SIGCONT)
        else:
            raise TimeoutError(f"{argv} did not finish in {timeout} s")
    finally:
        if process.poll() is None and not killed:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    return Outcome(states, killed, None if killed else process.returncode, log.read_text())


def tree(*roots: Path) -> tuple:
    """A probe: every file below the roots with its size and modification time."""
    entries = []
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder, name)
                try:
                    info = path.stat()
                except FileNotFoundError:  # renamed away between walk and stat
                    continue
                entries.append((str(path), info.st_size, info.st_mtime_ns))
    return tuple(sorted(entries))
