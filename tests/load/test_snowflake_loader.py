"""Snowflake loader against a real fakesnow server and the real snowflake-connector-python.

fakesnow cannot read S3, so the loader's `put` mode (the day's lake files PUT into a temporary internal
stage) carries most tests; `external` mode, the production default, is exercised against an external
stage whose URL is the test lake's `file://…/raw/`. Stock fakesnow 0.11.18 reads `@stage/sub/path/` as
one stage name; the server here gets a six-line patch that resolves the sub-path below the stage URL, as
Snowflake does. Everything else is stock fakesnow.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
import snowflake.connector
from pydantic import SecretStr

from coretelecoms.common.entities import ENTITIES, Entity
from coretelecoms.common.errors import PipelineError
from coretelecoms.lake import layout
from coretelecoms.lake.filesystem import locate
from coretelecoms.lake.writer import ParquetPublisher
from coretelecoms.load import snowflake as loader
from coretelecoms.settings import Settings, SnowflakeSettings
from local_servers import free_port, serve

D1, D2 = date(2025, 11, 20), date(2025, 11, 21)

# fakesnow with `@stage/sub/path/` resolved below the stage's URL (see the module docstring).
FAKESNOW_WITH_STAGE_PATHS = """
import sys
import fakesnow.copy_into as copy_into
from fakesnow.cli import main
_stage_url = copy_into.stage_url_from_var
def stage_url_from_var(var, duck_conn, current_database, current_schema):
    name, _, path = var.partition("/")
    url = _stage_url(name, duck_conn, current_database, current_schema)
    return url.rstrip("/") + "/" + path.strip("/") if path.strip("/") else url
copy_into.stage_url_from_var = stage_url_from_var
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def fakesnow_port():
    with serve([sys.executable, "-c", FAKESNOW_WITH_STAGE_PATHS, "-s", "-p"]) as port:
        yield port


@pytest.fixture
def sf(fakesnow_port) -> SnowflakeSettings:
    """Connection settings for a database of this test's own (fakesnow creates it on first connect)."""
    return SnowflakeSettings(
        account="fakesnow",
        user="loader",
        password="pw",
        host="127.0.0.1",
        port=fakesnow_port,
        protocol="http",
        database=f"T_{uuid.uuid4().hex[:10].upper()}",
        stage_mode="put",
        login_timeout=5,
        network_timeout=5,
    )


@pytest.fixture
def lake_settings(home) -> Settings:
    return Settings()


def _query(sf: SnowflakeSettings, sql: str, params=None) -> list[tuple]:
    """A separate session: what any other reader of the warehouse sees."""
    with (
        snowflake.connector.connect(
            account="fakesnow",
            user="reader",
            password="pw",
            host="127.0.0.1",
            port=sf.port,
            protocol="http",
            database=sf.database,
            login_timeout=5,
            network_timeout=5,
        ) as con,
        con.cursor() as cur,
    ):
        cur.execute(sql, params)
        return cur.fetchall()


def _state(sf: SnowflakeSettings) -> dict[str, list[tuple]]:
    """Every RAW table's rows per ingest date with their load stamps: equal states are equal RAW."""
    return {
        e.table: _query(
            sf,
            f"SELECT _ingest_date, count(*), min(_loaded_at), max(_loaded_at) FROM raw.{e.table} "
            "GROUP BY 1 ORDER BY 1",
        )
        for e in ENTITIES.values()
    }


def write_partition(
    settings: Settings,
    entity: Entity,
    day: date,
    ids: list[str],
    *,
    extra: dict[str, pa.Array] | None = None,
    drop: tuple[str, ...] = (),
    agent_ids: pa.Array | None = None,
) -> None:
    """Publish a raw partition as the extractor would; `extra`/`drop` make a drifted file."""
    lake = locate(settings.lake_url)
    n = len(ids)
    columns = {f.name: pa.nulls(n, f.type) for f in entity.schema}
    key_type = entity.schema.field(entity.key).type
    columns[entity.key] = pa.array([int(i) for i in ids] if key_type == pa.int64() else ids, key_type)
    if "agent_id" in columns and entity.key != "agent_id":
        columns["agent_id"] = agent_ids if agent_ids is not None else pa.array([1001] * n, pa.int64())
    columns["_ingested_at"] = pa.array([pa.scalar(0, pa.timestamp("us", tz="UTC")).as_py()] * n).cast(
        pa.timestamp("us", tz="UTC")
    )
    columns["_source"] = pa.array(["test"] * n)
    columns["_run_id"] = pa.array(["r"] * n)
    columns["_ingest_date"] = pa.array([day] * n, pa.date32())
    for name in drop:
        del columns[name]
    columns.update(extra or {})
    table = pa.table(columns)
    target = layout.data_file(lake, entity.name, day)
    with ParquetPublisher(lake, target, table.schema) as writer:
        writer.write(table)
        writer.publish()


def write_day(settings: Settings, day: date, size: int = 2, prefix: str = "") -> None:
    for i, entity in enumerate(ENTITIES.values()):
        ids = [
            str(1000 + 10 * i + k) if entity.key == "agent_id" else f"{prefix}{entity.name}-{k}"
            for k in range(size)
        ]
        write_partition(settings, entity, day, ids)


def test_first_load_reload_and_new_day(lake_settings, sf):
    lake = locate(lake_settings.lake_url)
    write_day(lake_settings, D1, size=2)
    first = loader.load_day(lake_settings, lake, D1, sf)
    assert {t.table: t.rows for t in first.tables} == {e.table: 2 for e in ENTITIES.values()}
    assert first.missing == [] and first.rows_loaded == 10
    assert first.tables[2].files == [
        f"{lake_settings.lake_url}/raw/call-logs/ingest_date=2025-11-20/part-00000.parquet"
    ]
    after_first = _state(sf)
    assert all(rows[0][1] == 2 and rows[0][2] is not None for rows in after_first.values())

    # Same date again: one copy, newly stamped.
    again = loader.load_day(lake_settings, lake, D1, sf)
    assert again.rows_loaded == 10
    after_again = _state(sf)
    for table, rows in after_again.items():
        assert [r[:2] for r in rows] == [(D1, 2)]
        assert rows[0][2] == rows[0][3] > after_first[table][0][3]

    # A re-extracted day replaces that day's rows; a new day adds its own, others stay.
    write_partition(lake_settings, ENTITIES["call-logs"], D1, ["only-one"])
    write_partition(lake_settings, ENTITIES["call-logs"], D2, ["c1", "c2", "c3"])
    loader.load_day(lake_settings, lake, D1, sf)
    before_new_day = _state(sf)
    new_day = loader.load_day(lake_settings, lake, D2, sf)
    assert [(t.table, t.rows) for t in new_day.tables] == [("call_logs", 3)]
    assert sorted(new_day.missing) == sorted(n for n in ENTITIES if n != "call-logs")
    assert _query(sf, "SELECT _ingest_date, count(*) FROM raw.call_logs GROUP BY 1 ORDER BY 1") == [
        (D1, 1),
        (D2, 3),
    ]
    assert _query(sf, "SELECT call_id FROM raw.call_logs WHERE _ingest_date = '2025-11-20'") == [
        ("only-one",)
    ]
    assert _state(sf)["customers"] == before_new_day["customers"]  # untouched by D2's load

    types = dict(
        _query(
            sf,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'RAW' AND table_name = 'CALL_LOGS' ORDER BY ordinal_position",
        )
    )
    assert types["AGENT_ID"] == "NUMBER" and types["CALL_START_TIME"] == "TIMESTAMP_NTZ"
    assert types["_LOADED_AT"] == "TIMESTAMP_TZ" and types["_INGEST_DATE"] == "DATE"
    assert list(types) == [f.name.upper() for f in loader.raw_table_schema(ENTITIES["call-logs"])]


@pytest.fixture
def external_stage(lake_settings, sf):
    """An external stage over the lake's raw/ zone, as Pulumi creates it (here file:// instead of s3://)."""
    raw_url = f"{lake_settings.lake_url}/raw/"
    _query(sf, "CREATE SCHEMA IF NOT EXISTS raw")
    _query(sf, f"CREATE STAGE raw.lake_stage URL='{raw_url}'")
    return sf.model_copy(update={"stage_mode": "external", "stage": "raw.lake_stage"})


def test_external_stage_is_exactly_once_whatever_load_history_says(lake_settings, external_stage):
    sf = external_stage
    lake = locate(lake_settings.lake_url)
    write_day(lake_settings, D1, size=3)
    summary = loader.load_day(lake_settings, lake, D1, sf)
    assert summary.rows_loaded == 15 and summary.missing == []
    assert summary.tables[0].files[0].endswith("customers/ingest_date=2025-11-20/part-00000.parquet")

    # Load history now says the files are loaded: a plain COPY would skip them ...
    skipped = _query(
        sf,
        "COPY INTO raw.agents FROM @raw.lake_stage/agents/ingest_date=2025-11-20/ "
        f"{loader.FILE_FORMAT} MATCH_BY_COLUMN_NAME=CASE_INSENSITIVE",
    )
    assert [row[1] for row in skipped] == ["LOAD_SKIPPED"]
    # ... and a re-load still ends with exactly one copy of the day.
    loader.load_day(lake_settings, lake, D1, sf)
    assert {t: [r[:2] for r in rows] for t, rows in _state(sf).items()} == {
        e.table: [(D1, 3)] for e in ENTITIES.values()
    }

    # A stage over the lake root instead of its raw/ zone: SNOWFLAKE_STAGE_PREFIX=raw.
    at_root = sf.model_copy(update={"stage_prefix": "raw"})
    assert loader.external_source(at_root, ENTITIES["call-logs"], D1) == (
        "@raw.lake_stage/raw/call-logs/ingest_date=2025-11-20/"
    )

    # A date without partitions changes nothing and says so.
    empty = loader.load_day(lake_settings, lake, D2, sf)
    assert empty.tables == [] and sorted(empty.missing) == sorted(ENTITIES)


def test_schema_drift_column_is_left_out_not_a_crash(home, sf, caplog):
    lake_settings = Settings(lake_url=str(home / "lake with a space"))  # PUT quotes the path
    lake = locate(lake_settings.lake_url)
    write_partition(
        lake_settings,
        ENTITIES["call-logs"],
        D1,
        ["c1", "c2"],
        extra={"escalation_level": pa.array(["high", "low"])},
        drop=("resolution_status",),
    )
    with caplog.at_level(logging.WARNING, logger="coretelecoms.load.snowflake"):
        summary = loader.load_day(lake_settings, lake, D1, sf)
    assert [(t.table, t.rows) for t in summary.tables] == [("call_logs", 2)]
    assert "escalation_level" in caplog.text
    assert _query(sf, "SELECT call_id, resolution_status, agent_id FROM raw.call_logs ORDER BY 1") == [
        ("c1", None, 1001),
        ("c2", None, 1001),
    ]
    columns = [
        r[0]
        for r in _query(
            sf, "SELECT column_name FROM information_schema.columns WHERE table_name = 'CALL_LOGS'"
        )
    ]
    assert "ESCALATION_LEVEL" not in columns


def test_failure_half_way_leaves_the_previous_state(lake_settings, sf):
    lake = locate(lake_settings.lake_url)
    write_day(lake_settings, D1, size=2)
    loader.load_day(lake_settings, lake, D1, sf)
    before = _state(sf)

    # A re-extract with more rows everywhere, but the last table's file cannot be loaded.
    write_day(lake_settings, D1, size=4, prefix="v2-")
    write_partition(
        lake_settings, ENTITIES["web-forms"], D1, ["w1", "w2"], agent_ids=pa.array(["1001", "not-a-number"])
    )
    with pytest.raises(PipelineError) as info:
        loader.load_day(lake_settings, lake, D1, sf)
    message = str(info.value)
    assert "\n" not in message
    assert "COPY INTO raw.web_form_requests" in message and "nothing was committed" in message
    assert _state(sf) == before  # the four tables copied before the failure are unchanged too


class Relay:
    """A TCP relay in front of the server whose `cut()` drops every connection, as a network failure would."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.cut_done = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.cut_done.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_done.is_set():
                client.close()
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        self.cut_done.set()
        # shutdown() wakes the thread blocked in accept(); close() alone would leave it listening.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def test_connection_drop_mid_load_is_one_line_and_commits_nothing(lake_settings, sf, monkeypatch):
    lake = locate(lake_settings.lake_url)
    write_day(lake_settings, D1, size=2)
    loader.load_day(lake_settings, lake, D1, sf)
    before = _state(sf)

    write_day(lake_settings, D1, size=3, prefix="v2-")
    relay = Relay(sf.port)
    through_relay = sf.model_copy(update={"port": relay.port, "network_timeout": 1})
    real_copy = loader._copy

    def copy_then_lose_the_network(cur, entity, source):
        if entity.table == "call_logs":  # customers and agents are already replaced in the open transaction
            relay.cut()
        return real_copy(cur, entity, source)

    monkeypatch.setattr(loader, "_copy", copy_then_lose_the_network)
    started = time.monotonic()
    with pytest.raises(PipelineError) as info:
        loader.load_day(lake_settings, lake, D1, through_relay)
    message = str(info.value)
    assert "\n" not in message
    assert "lost the Snowflake connection" in message and "raw.call_logs" in message
    assert time.monotonic() - started < 15  # bounded by SNOWFLAKE_NETWORK_TIMEOUT, not hanging
    # The server never saw a COMMIT: every other session still reads the previous state.
    assert _state(sf) == before


def test_missing_stage_names_the_setting_and_loads_nothing(lake_settings, external_stage):
    lake = locate(lake_settings.lake_url)
    write_day(lake_settings, D1, size=2)
    loader.load_day(lake_settings, lake, D1, external_stage)
    before = _state(external_stage)
    missing = external_stage.model_copy(update={"stage": "raw.no_such_stage"})
    with pytest.raises(PipelineError) as info:
        loader.load_day(lake_settings, lake, D1, missing)
    message = str(info.value)
    assert "\n" not in message
    assert "SNOWFLAKE_STAGE=raw.no_such_stage" in message and "USAGE" in message
    assert _state(external_stage) == before


class _RejectingLogin(http.server.BaseHTTPRequestHandler):
    """Answers every login as Snowflake does for a wrong user/password or an unregistered key."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps(
            {
                "data": {"nextAction": "RETRY_LOGIN", "authnMethod": "USERNAME_PASSWORD"},
                "code": "390100",
                "message": "Incorrect username or password was specified.",
                "success": False,
                "headers": None,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_wrong_credentials_are_one_clear_line(lake_settings, sf):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RejectingLogin)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        wrong = sf.model_copy(update={"port": server.server_address[1]})
        with pytest.raises(PipelineError) as info:
            loader.load_day(lake_settings, locate(lake_settings.lake_url), D1, wrong)
    finally:
        server.shutdown()
        server.server_close()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("Snowflake rejected the login of user loader")
    assert "Incorrect username or password" in message and "SNOWFLAKE_PRIVATE_KEY_PATH" in message


def _write_key(path: Path, passphrase: bytes | None) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )


def test_key_pair_auth_is_the_default_and_its_mistakes_are_named(lake_settings, sf, tmp_path):
    key = tmp_path / "rsa_key.p8"
    _write_key(key, b"s3cret")
    keyed = sf.model_copy(
        update={"password": None, "private_key_path": key, "private_key_passphrase": SecretStr("s3cret")}
    )
    args = loader.connect_args(keyed, D1)
    assert args["authenticator"] == "SNOWFLAKE_JWT" and "password" not in args
    write_day(lake_settings, D1, size=1)
    assert loader.load_day(lake_settings, locate(lake_settings.lake_url), D1, keyed).rows_loaded == 5

    for update, expected in (
        ({"private_key_passphrase": SecretStr("wrong")}, "check SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"),
        ({"private_key_path": tmp_path / "absent.p8"}, "is the secret mounted?"),
    ):
        with pytest.raises(PipelineError, match=expected) as info:
            loader.connect_args(keyed.model_copy(update=update), D1)
        assert "\n" not in str(info.value)
    with pytest.raises(PipelineError, match=r"SNOWFLAKE_PRIVATE_KEY_PATH .* or SNOWFLAKE_PASSWORD"):
        loader.connect_args(sf.model_copy(update={"password": None}), D1)


def test_unreachable_endpoint_fails_the_cli_with_one_line(home, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SNOWFLAKE_", "CORETELECOMS_"))}
    env.update(
        {
            "CORETELECOMS_HOME": str(home),
            "CORETELECOMS_WAREHOUSE": "snowflake",
            "SNOWFLAKE_ACCOUNT": "fakesnow",
            "SNOWFLAKE_USER": "loader",
            "SNOWFLAKE_PASSWORD": "pw",
            "SNOWFLAKE_HOST": "127.0.0.1",
            "SNOWFLAKE_PORT": str(free_port()),  # nothing listens there
            "SNOWFLAKE_PROTOCOL": "http",
            "SNOWFLAKE_LOGIN_TIMEOUT": "3",
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "coretelecoms", "--log-format", "text", "load", "--date", "2025-11-20"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0] == result.stderr.strip().splitlines()[-1]
    assert errors[0].startswith("error: cannot reach Snowflake for user loader on account fakesnow")
    assert "SNOWFLAKE_HOST" in errors[0]


def test_invalid_configuration_is_one_line(lake_settings, monkeypatch):
    monkeypatch.setenv("SNOWFLAKE_STAGE_MODE", "s3")
    monkeypatch.setenv("SNOWFLAKE_PORT", "")  # empty means unset, as in the dbt profile
    with pytest.raises(PipelineError) as info:
        loader.load_day(lake_settings, locate(lake_settings.lake_url), D1)
    assert (
        str(info.value)
        == "invalid Snowflake configuration: SNOWFLAKE_STAGE_MODE: Input should be 'external' or 'put'"
    )
