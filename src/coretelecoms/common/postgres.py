"""The web-forms PostgreSQL: a configured DSN, or an embedded server (pgserver) started on demand."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from coretelecoms.common.errors import PipelineError

log = logging.getLogger(__name__)


@contextlib.contextmanager
def postgres_dsn(dsn: str | None, embedded_dir: Path) -> Iterator[str]:
    """Yield a DSN: the configured one, or that of an embedded server running for the block's duration."""
    if dsn:
        yield dsn
        return
    try:
        import pgserver
    except ImportError as exc:  # the slim extractor images ship without it
        raise PipelineError(
            "CORETELECOMS_POSTGRES_DSN is not set and the embedded PostgreSQL is not installed "
            "(pip install 'coretelecoms[embedded]')"
        ) from exc
    embedded_dir.mkdir(parents=True, exist_ok=True)
    log.info("starting embedded PostgreSQL in %s", embedded_dir)
    # cleanup_mode="stop": the server stops when the last user in this process lets go of it.
    server = pgserver.get_server(embedded_dir, cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
