"""Home-wide locks: commands sharing one home (and so one lake folder and one DuckDB file) take turns where
they would collide, and only there; a killed holder's lock is dropped by the kernel."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)


@contextlib.contextmanager
def exclusive(home: Path, *names: str) -> Iterator[None]:
    """Hold `<home>/locks/<name>.lock` exclusively for each name (in sorted order, so two holders never deadlock)."""
    folder = home / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        for name in sorted(set(names)):
            # flock needs only a readable descriptor: a lock file another user left (readable) still serves.
            descriptor = os.open(folder / f"{name}.lock", os.O_RDONLY | os.O_CREAT, 0o600)
            handle = stack.enter_context(os.fdopen(descriptor, "rb"))
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.info("waiting for another command on this home to finish with %s", name)
                fcntl.flock(handle, fcntl.LOCK_EX)
        yield
