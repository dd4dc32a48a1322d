"""Snowflake loader: a date's lake partitions replace that date's RAW rows through COPY INTO, all in one transaction.

Production (`SNOWFLAKE_STAGE_MODE=external`, the default) copies straight from the external stage that
Pulumi puts over the lake's `raw/` zone; Snowflake reads S3 through the storage integration's role, so the
loader holds no AWS credentials and needs no lake access. `put` mode reads the lake itself and PUTs the
day's files into a temporary internal stage first: for development accounts without an integration,
and for fakesnow, which cannot read S3.

Exactly once, whatever Snowflake's load history says: every COPY runs with FORCE=TRUE, the rows it adds
carry no `_loaded_at` yet (MATCH_BY_COLUMN_NAME leaves table columns absent from the file NULL), so the
date's previous copy is exactly its rows that already have one; those are deleted and the new rows are
stamped. All five tables change in one transaction: a failure or a dropped connection anywhere leaves
RAW as it was. A COPY that finds no file for the date changes nothing, so the table keeps its rows.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from coretelecoms.common.entities import Entity
from coretelecoms.common.errors import PipelineError
from coretelecoms.lake.filesystem import Location
from coretelecoms.load.common import LOADED_AT, LoadSummary, TableLoad, day_files, entities, raw_table_schema
from coretelecoms.settings import Settings, SnowflakeSettings

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"  # unquoted, so RAW in Snowflake's catalog
PUT_STAGE_PREFIX = "CORETELECOMS_LOAD_"
ROLLBACK_TIMEOUT = 10  # seconds; a connection that just failed gets one short chance to roll back
# Repeated in every COPY rather than taken from the stage: fakesnow ignores stage-level formats, and the
# load must not depend on how the stage happens to be defined. USE_LOGICAL_TYPE reads Parquet timestamps
# and dates as such (the lake writes them as logical types), as the Pulumi file format does.
FILE_FORMAT = "FILE_FORMAT=(TYPE=PARQUET USE_LOGICAL_TYPE=TRUE)"
_SNOWFLAKE_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "NUMBER(38,0)",
    pa.date32(): "DATE",
    pa.timestamp("us"): "TIMESTAMP_NTZ(6)",
    pa.timestamp("us", tz="UTC"): "TIMESTAMP_TZ(6)",
}
# Snowflake error numbers that mean the credentials, not the network, are wrong. 250001 is the
# connector's "failed to connect" wrapper: around a rejected login it carries the server's message, while
# an unreachable server reads "Could not connect to Snowflake backend" (told apart in _connect).
_AUTH_ERRNOS = {390100, 390101, 390102, 390144, 390186, 390190, 390191, 390318, 390422, 250001}
_NO_OBJECT_ERRNO = 2003  # "does not exist or not authorized"


def ddl(entity: Entity) -> str:
    """CREATE TABLE for an entity's RAW table, typed from the Arrow schema the lake is written with."""
    columns = ", ".join(f"{f.name} {_SNOWFLAKE_TYPES[f.type]}" for f in raw_table_schema(entity))
    return f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.{entity.table} ({columns})"


def copy_sql(entity: Entity, source: str) -> str:
    """The COPY of one partition; FORCE because exactly-once is ours to keep, not the load history's."""
    return (
        f"COPY INTO {RAW_SCHEMA}.{entity.table} FROM {source} {FILE_FORMAT} "
        "MATCH_BY_COLUMN_NAME=CASE_INSENSITIVE ON_ERROR=ABORT_STATEMENT FORCE=TRUE"
    )


def external_source(sf: SnowflakeSettings, entity: Entity, day: date) -> str:
    """`@<stage>/[<prefix>/]<entity>/ingest_date=D/`: the partition as the external stage sees it."""
    prefix = sf.stage_prefix.strip("/")
    path = "/".join(p for p in (prefix, entity.name, f"ingest_date={day.isoformat()}") if p)
    return f"@{sf.stage}/{path}/"


@dataclass
class _Copied:
    files: list[str] = field(default_factory=list)
    rows: int = 0


def _one_line(exc: BaseException) -> str:
    text = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
    text = " ".join(str(text).split())
    return text if len(text) <= 300 else text[:297] + "..."


def _endpoint(sf: SnowflakeSettings) -> str:
    if sf.host:
        return f"{sf.protocol or 'https'}://{sf.host}:{sf.port or 443}"
    return f"{sf.account}.snowflakecomputing.com"


def _private_key(sf: SnowflakeSettings):
    """Read the key-pair key ourselves so a missing file or a wrong passphrase is named as such."""
    from cryptography.hazmat.primitives.serialization import load_der_private_key, load_pem_private_key

    path = sf.private_key_path
    assert path is not None
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise PipelineError(
            f"cannot read the Snowflake private key SNOWFLAKE_PRIVATE_KEY_PATH={path}: {exc.strerror}; "
            "is the secret mounted?"
        ) from exc
    passphrase = sf.private_key_passphrase.get_secret_value().encode() if sf.private_key_passphrase else None
    loader = load_pem_private_key if data.lstrip().startswith(b"-----") else load_der_private_key
    try:
        return loader(data, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise PipelineError(
            f"cannot use the Snowflake private key {path}: {_one_line(exc)}; "
            "check SNOWFLAKE_PRIVATE_KEY_PASSPHRASE (set only for an encrypted key)"
        ) from exc


def connect_args(sf: SnowflakeSettings, day: date) -> dict:
    """snowflake.connector.connect() arguments: key-pair auth when a key is configured, else password."""
    if not sf.account:
        raise PipelineError("SNOWFLAKE_ACCOUNT is not set; the Snowflake loader needs an account")
    if not sf.user:
        raise PipelineError("SNOWFLAKE_USER is not set; the Snowflake loader needs a user")
    args: dict = {
        "account": sf.account,
        "user": sf.user,
        "database": sf.database or "CORETELECOMS",  # the dbt profile's default too
        "login_timeout": sf.login_timeout,
        "network_timeout": sf.network_timeout,
        # Our transaction, not one per statement: the day's five tables commit together or not at all.
        "autocommit": False,
        "application": "coretelecoms",
        "client_session_keep_alive": False,
        "session_parameters": {
            "QUERY_TAG": f"coretelecoms load {day.isoformat()}",
            "LOCK_TIMEOUT": sf.lock_timeout,
        },
    }
    for name in ("role", "warehouse", "host", "port", "protocol"):
        if (value := getattr(sf, name)) is not None:
            args[name] = value
    if sf.private_key_path:
        args["authenticator"] = "SNOWFLAKE_JWT"
        args["private_key"] = _private_key(sf)
    elif sf.password:
        args["password"] = sf.password.get_secret_value()
    else:
        raise PipelineError(
            "no Snowflake credentials: set SNOWFLAKE_PRIVATE_KEY_PATH (key-pair, the production default) "
            "or SNOWFLAKE_PASSWORD"
        )
    return args


def _connect(sf: SnowflakeSettings, args: dict):
    import snowflake.connector

    try:
        return snowflake.connector.connect(**args)
    except snowflake.connector.Error as exc:
        reason = _one_line(exc)
        who = f"user {sf.user} on account {sf.account} at {_endpoint(sf)}"
        if getattr(exc, "errno", None) in _AUTH_ERRNOS and "Could not connect" not in reason:
            hint = (
                "check SNOWFLAKE_USER, SNOWFLAKE_ROLE and the key (SNOWFLAKE_PRIVATE_KEY_PATH, registered as the "
                "user's RSA_PUBLIC_KEY) or SNOWFLAKE_PASSWORD"
            )
            raise PipelineError(f"Snowflake rejected the login of {who}: {reason}; {hint}") from exc
        hint = "check SNOWFLAKE_ACCOUNT (or SNOWFLAKE_HOST/SNOWFLAKE_PORT/SNOWFLAKE_PROTOCOL) and the network path"
        raise PipelineError(f"cannot reach Snowflake for {who}: {reason}; {hint}") from exc


def _connector_timers() -> list[threading.Thread]:
    return [
        t
        for t in threading.enumerate()
        if isinstance(t, threading.Timer) and type(t).__module__.startswith("snowflake.connector")
    ]


@contextlib.contextmanager
def _quiet_connector_threads(wait_seconds: float) -> Iterator[None]:
    """Keep the connector's query-cancel timer from printing a traceback when the server is gone.

    A statement that runs out of network_timeout is also cancelled from a timer thread; with the server
    unreachable, that thread retries the cancel request and then dies with a traceback on stderr, next
    to the one-line error the main thread reports anyway. Such connector failures go to DEBUG instead.
    The timers are waited for (they are not daemon threads: the process could not exit before them
    anyway) so none fires after the hook is gone.
    """
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if isinstance(args.thread, threading.Timer) and type(args.thread).__module__.startswith(
            "snowflake.connector"
        ):
            log.debug("Snowflake connector cancel timer failed: %s", args.exc_value)
            return
        previous(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        deadline = time.monotonic() + wait_seconds
        for timer in _connector_timers():
            timer.join(max(0.0, deadline - time.monotonic()))
        threading.excepthook = previous


def _ensure_tables(cur) -> None:
    """Create schema RAW and the five tables if missing (DDL commits on its own, so it runs first)."""
    cur.execute(
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s "
        "AND catalog_name = CURRENT_DATABASE()",
        (RAW_SCHEMA.upper(),),
    )
    # The loader role may hold only USAGE + CREATE TABLE on RAW (Pulumi): ask before creating.
    if cur.fetchone()[0] == 0:
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    for entity in entities():
        cur.execute(ddl(entity))


def _warn_on_drift(entity: Entity, files: list[Location]) -> None:
    """Name columns the table does not have; MATCH_BY_COLUMN_NAME leaves them out of RAW."""
    import pyarrow.parquet as pq

    known = {f.name.lower() for f in raw_table_schema(entity)}
    for location in files:
        with location.fs.open_input_file(location.path) as handle:
            extra = [n for n in pq.read_schema(handle).names if n.lower() not in known]
        if extra:
            log.warning(
                "%s has column(s) %s that %s.%s does not; they are not loaded",
                location.url,
                ", ".join(extra),
                RAW_SCHEMA,
                entity.table,
            )


def _put_sources(cur, lake: Location, day: date, workdir: Path) -> dict[str, tuple[str, list[str]]]:
    """PUT each entity's partition into its own temporary stage; per entity, that stage and the lake files.

    One stage per table keeps every partition's `part-00000.parquet` apart; TEMPORARY makes it private
    to this session (parallel backfills do not collide) and gone when the session ends.
    """
    sources: dict[str, tuple[str, list[str]]] = {}
    for entity in entities():
        files = day_files(lake, entity, day)
        if not files:
            continue
        _warn_on_drift(entity, files)
        stage = f"{RAW_SCHEMA}.{PUT_STAGE_PREFIX}{entity.table.upper()}"
        cur.execute(f"CREATE OR REPLACE TEMPORARY STAGE {stage}")
        for number, location in enumerate(files):
            if location.is_s3:
                local = workdir / entity.table / f"{number:05d}-{Path(location.path).name}"
                local.parent.mkdir(parents=True, exist_ok=True)
                with location.fs.open_input_stream(location.path) as src, local.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            else:
                local = Path(location.path)
            # A plain path inside quotes, as Snowflake documents for spaces; not percent-encoded.
            uri = "file://" + local.resolve().as_posix().replace("\\", "\\\\").replace("'", "\\'")
            cur.execute(f"PUT '{uri}' @{stage} AUTO_COMPRESS=FALSE OVERWRITE=TRUE")
        sources[entity.name] = (f"@{stage}", [f.url for f in files])
    return sources


def _copy(cur, entity: Entity, source: str) -> _Copied:
    cur.execute(copy_sql(entity, source))
    names = [d[0].lower() for d in cur.description or []]
    copied = _Copied()
    if "file" not in names:  # "Copy executed with 0 files processed."
        cur.fetchall()
        return copied
    for row in cur.fetchall():
        record = dict(zip(names, row, strict=False))
        copied.files.append(str(record["file"]))
        copied.rows += int(record.get("rows_loaded") or 0)
    return copied


def _replace_day(cur, entity: Entity, day: date, loaded_at: datetime) -> int:
    """Drop the date's previous copy (rows already stamped), stamp the new one; returns the date's rows."""
    table = f"{RAW_SCHEMA}.{entity.table}"
    cur.execute(
        f"DELETE FROM {table} WHERE _ingest_date = %s::DATE AND {LOADED_AT} IS NOT NULL", (day.isoformat(),)
    )
    cur.execute(
        f"UPDATE {table} SET {LOADED_AT} = %s::TIMESTAMP_TZ WHERE {LOADED_AT} IS NULL",
        (loaded_at.isoformat(),),
    )
    cur.execute(f"SELECT count(*) FROM {table} WHERE _ingest_date = %s::DATE", (day.isoformat(),))
    return int(cur.fetchone()[0])


def _statement_error(exc: BaseException, sf: SnowflakeSettings, what: str, hint: str) -> PipelineError:
    """One line naming what failed and what to check."""
    import snowflake.connector

    reason = _one_line(exc)
    if isinstance(exc, snowflake.connector.errors.ProgrammingError):
        if getattr(exc, "errno", None) == _NO_OBJECT_ERRNO and "stage" in reason.lower():
            hint = (
                f"check SNOWFLAKE_STAGE={sf.stage} (created by Pulumi with its storage integration) and that "
                "the loader role has USAGE on it"
            )
        elif "lock" in reason.lower() and "timeout" in reason.lower():
            hint = (
                "an earlier load's transaction may be detached: find it with SHOW LOCKS and end it with "
                "SYSTEM$ABORT_TRANSACTION"
            )
        return PipelineError(f"{what} failed: {reason}; {hint}; nothing was committed")
    return PipelineError(
        f"{what} failed, lost the Snowflake connection ({_endpoint(sf)}): {reason}; nothing was committed, "
        "re-run the load"
    )


def load_day(
    settings: Settings, lake: Location, day: date, snowflake_settings: SnowflakeSettings | None = None
) -> LoadSummary:
    """Replace `day`'s rows of every RAW table with the lake's partitions for that day, atomically.

    Args:
        settings: the pipeline settings (the lake is already resolved into `lake`).
        lake: the lake root; read only in `put` stage mode.
        day: the ingest date to load.
        snowflake_settings: connection settings; read from the SNOWFLAKE_* environment when not given.

    Returns:
        What was loaded; entities without a partition for the day are listed in `missing`.

    Raises:
        PipelineError: one line naming what failed and what to check; RAW is unchanged.
    """
    import snowflake.connector

    sf = snowflake_settings or _settings_from_env()
    args = connect_args(sf, day)
    summary = LoadSummary(date=day.isoformat(), warehouse=f"snowflake:{sf.account}/{args['database']}")
    with _quiet_connector_threads(wait_seconds=sf.network_timeout + ROLLBACK_TIMEOUT):
        con = _connect(sf, args)
        committed = connection_lost = False
        what = f"preparing the RAW tables in {args['database']}"
        hint = "check the loader role (SNOWFLAKE_ROLE) has USAGE and CREATE TABLE on schema RAW"
        try:
            cur = con.cursor()
            _ensure_tables(cur)
            with tempfile.TemporaryDirectory(prefix="coretelecoms-load-") as workdir:
                if sf.stage_mode == "put":
                    what = f"staging the lake files of {day} (PUT)"
                    hint = "put mode needs CREATE STAGE on schema RAW for the loader role"
                    sources = _put_sources(cur, lake, day, Path(workdir))
                else:
                    # The stage reports the files it read (s3://… in production).
                    sources = {e.name: (external_source(sf, e, day), []) for e in entities()}
                loaded_at = datetime.now(UTC)
                hint = (
                    "check the stage's storage integration can read the lake"
                    if sf.stage_mode == "external"
                    else "check the lake file"
                )
                for entity in entities():
                    source, lake_files = sources.get(entity.name, ("", []))
                    what = f"COPY INTO {RAW_SCHEMA}.{entity.table} FROM {source}"
                    copied = _copy(cur, entity, source) if source else _Copied()
                    if not copied.files:
                        summary.missing.append(entity.name)
                        log.warning(
                            "no %s partition for %s in the lake; %s.%s keeps its rows",
                            entity.name,
                            day,
                            RAW_SCHEMA,
                            entity.table,
                        )
                        continue
                    rows = _replace_day(cur, entity, day, loaded_at)
                    summary.tables.append(TableLoad(entity.table, rows, lake_files or copied.files))
                what = f"committing the load of {day}"
                con.commit()
                committed = True
        except snowflake.connector.errors.ProgrammingError as exc:
            raise _statement_error(exc, sf, what, hint) from exc
        except snowflake.connector.Error as exc:
            # The connection is gone: a ROLLBACK would only wait out another timeout. The open
            # transaction never commits; Snowflake rolls the detached transaction back itself.
            connection_lost = True
            raise _statement_error(exc, sf, what, hint) from exc
        except OSError as exc:  # put mode reads the lake
            raise PipelineError(
                f"{what} failed reading the lake: {_one_line(exc)}; nothing was committed"
            ) from exc
        finally:
            _close(con, rollback=not (committed or connection_lost))
    for table in summary.tables:
        log.info("loaded %d rows of %s into %s.%s", table.rows, day, RAW_SCHEMA, table.table)
    return summary


def _settings_from_env() -> SnowflakeSettings:
    from pydantic import ValidationError

    try:
        return SnowflakeSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"SNOWFLAKE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise PipelineError(f"invalid Snowflake configuration: {problems}") from exc


def _close(con, *, rollback: bool) -> None:
    """Roll back what is open and end the session, without letting a dead connection add much waiting.

    Should the ROLLBACK not get through, nothing is lost: an uncommitted transaction never becomes
    visible, and Snowflake aborts it with the session.
    """
    import snowflake.connector

    if rollback:
        with contextlib.suppress(snowflake.connector.Error):
            con.cursor().execute("ROLLBACK", timeout=ROLLBACK_TIMEOUT)
    with contextlib.suppress(snowflake.connector.Error):
        con.close(retry=False)
