"""Snowflake connection and authentication: settings checked, key-pair or password login, one-line failures.

Apart from the load job (as dlt's destinations keep `configuration`/`sql_client` apart from the job):
what a login needs and how it fails has nothing to do with what is loaded.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from coretelecoms.common.errors import PipelineError, first_line
from coretelecoms.settings import SnowflakeSettings

log = logging.getLogger(__name__)

ROLLBACK_TIMEOUT = 10  # seconds; a connection that just failed gets one short chance to roll back
DEFAULT_DATABASE = "CORETELECOMS"  # the dbt profile's default too
# Snowflake error numbers that mean the credentials, not the network, are wrong. 250001 is the
# connector's "failed to connect" wrapper: around a rejected login it carries the server's message, while
# an unreachable server reads "Could not connect to Snowflake backend" (told apart in connect()).
_AUTH_ERRNOS = {390100, 390101, 390102, 390144, 390186, 390190, 390191, 390318, 390422, 250001}


def reason(exc: BaseException, limit: int = 300) -> str:
    """A connector error's message on one line: Snowflake puts the useful part after "SQL compilation error:"."""
    text = " ".join(str(getattr(exc, "msg", None) or exc or type(exc).__name__).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def settings_from_env() -> SnowflakeSettings:
    """The SNOWFLAKE_* settings, read once at the step's entry; an invalid value is one line naming it."""
    from pydantic import ValidationError

    try:
        return SnowflakeSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"SNOWFLAKE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise PipelineError(f"invalid Snowflake configuration: {problems}") from exc


def endpoint(sf: SnowflakeSettings) -> str:
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
            f"cannot use the Snowflake private key {path}: {first_line(exc)}; "
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
        "database": sf.database or DEFAULT_DATABASE,
        "login_timeout": sf.login_timeout,
        "network_timeout": sf.network_timeout,
        # Our transaction, not one per statement: the day's tables commit together or not at all.
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


def connect(sf: SnowflakeSettings, day: date):
    """An open connection, or one line saying whether the login was refused or the server not reached."""
    import snowflake.connector

    args = connect_args(sf, day)
    try:
        return snowflake.connector.connect(**args)
    except snowflake.connector.Error as exc:
        why = reason(exc)
        who = f"user {sf.user} on account {sf.account} at {endpoint(sf)}"
        if getattr(exc, "errno", None) in _AUTH_ERRNOS and "Could not connect" not in why:
            hint = (
                "check SNOWFLAKE_USER, SNOWFLAKE_ROLE and the key (SNOWFLAKE_PRIVATE_KEY_PATH, registered as the "
                "user's RSA_PUBLIC_KEY) or SNOWFLAKE_PASSWORD"
            )
            raise PipelineError(f"Snowflake rejected the login of {who}: {why}; {hint}") from exc
        hint = "check SNOWFLAKE_ACCOUNT (or SNOWFLAKE_HOST/SNOWFLAKE_PORT/SNOWFLAKE_PROTOCOL) and the network path"
        raise PipelineError(f"cannot reach Snowflake for {who}: {why}; {hint}") from exc


def close(con, *, rollback: bool) -> None:
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


def _connector_timers() -> list[threading.Thread]:
    return [
        t
        for t in threading.enumerate()
        if isinstance(t, threading.Timer) and type(t).__module__.startswith("snowflake.connector")
    ]


@contextlib.contextmanager
def quiet_connector_threads(wait_seconds: float) -> Iterator[None]:
    """Keep the connector's query-cancel timer from printing a traceback when the server is gone.

    A statement that runs out of network_timeout is also cancelled from a timer thread; with the server
    unreachable, that thread retries the cancel request and then dies with a traceback on stderr, next
    to the one-line error the main thread reports anyway. Such connector failures go to DEBUG instead.
    The timers are waited for (they are not daemon threads: the process could not exit before them
    anyway) so none fires after the hook is gone. tests/load/test_snowflake_loader.py's connection-drop
    test fails without this.
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
