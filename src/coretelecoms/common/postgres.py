"""The web-forms PostgreSQL: a configured DSN (checked, never echoed), or an embedded server shared safely.

The embedded server (pgserver) lives in `<home>/pg` and is shared by every process using that home. Each
process holds a shared lock on `<home>/pg.users.lock` from its first use to its exit; the kernel drops
the lock of a killed process. A process leaving takes the lock exclusively only if nobody else holds it,
and then, as the last user, stops the server. So two commands never stop each other's server mid-run,
and the server a killed command left running is reused by the next command and stopped by the last.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import re
import subprocess
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from coretelecoms.common.errors import PipelineError

log = logging.getLogger(__name__)

_guard = threading.Lock()
_held: dict[Path, tuple[IO[str], str]] = {}  # pgdata -> (the open lock file, the server's URI)


def check_dsn(dsn: str) -> None:
    """Refuse a malformed DSN with a message that quotes none of it (libpq's own message quotes the password)."""
    import psycopg2.extensions

    try:
        psycopg2.extensions.parse_dsn(dsn)
    except psycopg2.ProgrammingError as exc:
        reason = re.sub(r'"[^"]*"', "…", str(exc).strip().removeprefix("invalid dsn: "))
        reason = reason.split(" in URI:")[0]  # libpq appends the whole URI
        raise PipelineError(
            f"CORETELECOMS_POSTGRES_DSN is not a valid PostgreSQL connection string ({reason}); "
            "check the quoting of key=value pairs and the %-escapes of a URL's password"
        ) from None


@contextlib.contextmanager
def postgres_dsn(dsn: str | None, embedded_dir: Path) -> Iterator[str]:
    """Yield a DSN: the configured one (checked), or that of the embedded server of `embedded_dir`."""
    if dsn:
        check_dsn(dsn)
        yield dsn
        return
    yield embedded_uri(embedded_dir)


def _import_pgserver():
    try:
        with warnings.catch_warnings():
            # platformdirs warns at pgserver's import when XDG_RUNTIME_DIR is unset (containers, CI, cron);
            # its fallback (/tmp/runtime-<uid>) is what we want, so the warning would only be noise on stderr.
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
            import pgserver
    except ImportError as exc:  # the slim extractor images ship without it
        raise PipelineError(
            "CORETELECOMS_POSTGRES_DSN is not set and the embedded PostgreSQL is not installed "
            "(pip install 'coretelecoms[embedded]')"
        ) from exc
    return pgserver


def embedded_uri(embedded_dir: Path) -> str:
    """The URI of the embedded server, started (or a running one reused) on this process's first use."""
    pgdata = embedded_dir.expanduser().resolve()
    with _guard:
        if pgdata in _held:
            return _held[pgdata][1]
        pgserver = _import_pgserver()
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        users = _users_lock(pgdata).open("a+")
        # Blocks only while a last user is stopping the server; then this process starts it afresh.
        fcntl.flock(users, fcntl.LOCK_SH)
        try:
            log.debug("starting (or reusing) the embedded PostgreSQL in %s", pgdata)
            # cleanup_mode=None: pgserver's own last-user check counts killed processes as users; ours does not.
            uri = pgserver.get_server(pgdata, cleanup_mode=None).get_uri()
        except BaseException:
            users.close()
            raise
        _held[pgdata] = (users, uri)
        if len(_held) == 1:
            atexit.register(release_all)
        return uri


def _users_lock(pgdata: Path) -> Path:
    return pgdata.with_name(pgdata.name + ".users.lock")


def release_all() -> None:
    """Let go of every embedded server this process uses, stopping each one nobody else is using."""
    with _guard:
        for pgdata, (users, _) in list(_held.items()):
            try:
                fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.debug("embedded PostgreSQL in %s still in use by another process", pgdata)
            else:
                _stop(pgdata)
            finally:
                users.close()  # releases whichever lock is held
                del _held[pgdata]


def _stop(pgdata: Path) -> None:
    from pgserver._commands import pg_ctl
    from pgserver.postgres_server import PostgresServer
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():  # stopped by hand, or killed: nothing to stop
        return
    server = PostgresServer._instances.get(pgdata)  # run as root, pgserver runs postgres as its own user
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=getattr(server, "system_user", None))
    except subprocess.CalledProcessError:
        log.warning("could not stop the embedded PostgreSQL in %s; the next command reuses it", pgdata)
