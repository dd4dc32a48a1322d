"""Real local servers for tests (moto's S3 API, fakesnow's Snowflake API), each on a free loopback port."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from processes import stop

MOTO = [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p"]
FAKESNOW = [sys.executable, "-m", "fakesnow", "-s", "-p"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(argv: list[str], *, log: Path | None = None, timeout: float = 60) -> Iterator[int]:
    """Run `argv + [port]` until the block ends; yield the port once something listens on it."""
    port = free_port()
    sink = log.open("w") if log else subprocess.DEVNULL
    process = subprocess.Popen([*argv, str(port)], stdout=sink, stderr=sink)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"{argv[0]} did not start listening on port {port}" + (f" (see {log})" if log else "")
                    )
                time.sleep(0.1)
        yield port
    finally:
        stop(process)
        if log:
            sink.close()
