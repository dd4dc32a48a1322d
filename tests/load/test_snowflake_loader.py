"""What only the Snowflake loader has: stages, load history, logins and lost connections (fakesnow server).

The shared contract (tests/load/test_loader_contract.py) runs in `put` mode, the day's lake files PUT
into temporary internal stages, because fakesnow cannot read S3. `external` mode, the production default,
is exercised here against an external stage whose URL is the test lake's `file://…/raw/`.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from lake_days import publish, publish_day
from pydantic import SecretStr
from snowflake_reader import snowflake_query

from coretelecoms.common.entities import ENTITIES
from coretelecoms.common.errors import PipelineError
from coretelecoms.lake import layout
from coretelecoms.lake.filesystem import Location, locate
from coretelecoms.load import snowflake as loader
from coretelecoms.load.common import raw_table_schema
from coretelecoms.load.partitions import day_partitions
from coretelecoms.load.snowflake import connection, copy_job
from coretelecoms.settings import Settings, SnowflakeSettings
from local_servers import free_port

D1, D2 = date(2025, 11, 20), date(2025, 11, 21)


@pytest.fixture
def lake(home) -> Location:
    return locate(Settings().lake_url)


def _state(sf: SnowflakeSettings) -> dict[str, list[tuple]]:
    """Every RAW table's rows per ingest date with their load stamps: equal states are equal RAW."""
    state = {
        e.table: snowflake_query(
            sf,
            f"SELECT _ingest_date, count(*), min(_loaded_at), max(_loaded_at) FROM raw.{e.table} "
            "GROUP BY 1 ORDER BY 1",
        )
        for e in ENTITIES.values()
    }
    state["manifests"] = snowflake_query(sf, "SELECT * FROM raw.extract_manifests ORDER BY 1, 2")
    return state


def test_raw_tables_are_typed_from_the_lake_schema_and_stamped(lake, sf):
    publish_day(lake, D1)
    loader.load_day(sf, lake, D1)
    first = _state(sf)
    loader.load_day(sf, lake, D1)
    again = _state(sf)
    for e in ENTITIES.values():  # a re-load leaves one copy, newly stamped
        assert [r[:2] for r in again[e.table]] == [(D1, 2)]
        assert again[e.table][0][2] == again[e.table][0][3] > first[e.table][0][3]
    types = dict(
        snowflake_query(
            sf,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'RAW' AND table_name = 'CALL_LOGS' ORDER BY ordinal_position",
        )
    )
    assert types["AGENT_ID"] == "NUMBER" and types["CALL_START_TIME"] == "TIMESTAMP_NTZ"
    assert types["_LOADED_AT"] == "TIMESTAMP_TZ" and types["_INGEST_DATE"] == "DATE"
    assert list(types) == [f.name.upper() for f in raw_table_schema(ENTITIES["call-logs"])]


@pytest.fixture
def external_stage(lake, sf):
    """An external stage over the lake's raw/ zone, as Pulumi creates it (here file:// instead of s3://)."""
    snowflake_query(sf, "CREATE SCHEMA IF NOT EXISTS raw")
    snowflake_query(sf, f"CREATE STAGE raw.lake_stage URL='{lake.url}/raw/'")
    return sf.model_copy(update={"stage_mode": "external", "stage": "raw.lake_stage"})


def test_external_stage_copies_the_listed_files_exactly_once(lake, external_stage):
    sf = external_stage
    publish_day(lake, D1, size=3)
    # A leftover file in the folder the stage sees: not in the manifest, so not loaded.
    folder = Path(layout.partition(lake, layout.RAW, "agents", D1).path)
    (folder / "part-00009.parquet").write_bytes((folder / layout.DATA_FILE).read_bytes())
    summary = loader.load_day(sf, lake, D1)
    assert summary.rows_loaded == 15
    assert summary.tables[0].files[0].endswith("customers/ingest_date=2025-11-20/part-00000.parquet")

    # Load history now says the files are loaded: a plain COPY would skip them ...
    skipped = snowflake_query(
        sf,
        "COPY INTO raw.agents FROM @raw.lake_stage/agents/ingest_date=2025-11-20/ FILES=('part-00000.parquet') "
        f"{copy_job.FILE_FORMAT} MATCH_BY_COLUMN_NAME=CASE_INSENSITIVE",
    )
    assert [row[1] for row in skipped] == ["LOAD_SKIPPED"]
    # ... and a re-load still ends with exactly one copy of the day.
    loader.load_day(sf, lake, D1)
    assert {t: [r[:2] for r in rows] for t, rows in _state(sf).items() if t != "manifests"} == {
        e.table: [(D1, 3)] for e in ENTITIES.values()
    }


def test_stage_prefix_for_a_stage_over_the_lake_root(lake, sf):
    publish_day(lake, D1, size=1)
    (calls,) = [p for p in day_partitions(lake, D1) if p.entity.name == "call-logs"]
    at_root = sf.model_copy(update={"stage_mode": "external", "stage_prefix": "raw"})
    assert copy_job.external_source(at_root, calls) == "@raw.lake_stage/raw/call-logs/ingest_date=2025-11-20/"


def test_put_quotes_a_lake_path_with_spaces(home, sf):
    lake = locate(Settings(lake_url=str(home / "lake with a space")).lake_url)
    publish_day(lake, D1, size=2)
    assert loader.load_day(sf, lake, D1).rows_loaded == 10


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


def test_connection_drop_mid_load_is_one_line_and_commits_nothing(lake, sf, monkeypatch, capfd):
    publish_day(lake, D1, size=2)
    loader.load_day(sf, lake, D1)
    before = _state(sf)

    publish_day(lake, D1, size=3, prefix="v2-")
    relay = Relay(sf.port)
    through_relay = sf.model_copy(update={"port": relay.port, "network_timeout": 1})
    real_replace = copy_job.SnowflakeLoad.replace

    def replace_then_lose_the_network(self, partition):
        if partition.entity.table == "call_logs":  # customers and agents are already replaced, uncommitted
            relay.cut()
        return real_replace(self, partition)

    monkeypatch.setattr(copy_job.SnowflakeLoad, "replace", replace_then_lose_the_network)
    started = time.monotonic()
    with pytest.raises(PipelineError) as info:
        loader.load_day(through_relay, lake, D1)
    message = str(info.value)
    assert "\n" not in message
    assert "lost the Snowflake connection" in message and "raw.call_logs" in message
    assert time.monotonic() - started < 15  # bounded by SNOWFLAKE_NETWORK_TIMEOUT, not hanging
    # The connector cancels a timed-out statement from a timer thread, which fails too with the server
    # gone: the loader waits for such threads and keeps their tracebacks off stderr (one line only).
    assert not [t for t in threading.enumerate() if type(t).__module__.startswith("snowflake.connector")]
    assert "Traceback" not in capfd.readouterr().err
    # The server never saw a COMMIT: every other session still reads the previous state.
    assert _state(sf) == before


def test_missing_stage_names_the_setting_and_loads_nothing(lake, external_stage):
    publish_day(lake, D1, size=2)
    loader.load_day(external_stage, lake, D1)
    before = _state(external_stage)
    missing = external_stage.model_copy(update={"stage": "raw.no_such_stage"})
    with pytest.raises(PipelineError) as info:
        loader.load_day(missing, lake, D1)
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


def test_wrong_credentials_are_one_clear_line(lake, sf):
    publish_day(lake, D1, size=1)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RejectingLogin)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        wrong = sf.model_copy(
            update={"port": server.server_address[1], "password": SecretStr("hunter2-secret")}
        )
        with pytest.raises(PipelineError) as info:
            loader.load_day(wrong, lake, D1)
    finally:
        server.shutdown()
        server.server_close()
    message = str(info.value)
    assert "\n" not in message and "hunter2-secret" not in message
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


def test_key_pair_auth_is_the_default_and_its_mistakes_are_named(lake, sf, tmp_path):
    key = tmp_path / "rsa_key.p8"
    _write_key(key, b"s3cret")
    keyed = sf.model_copy(
        update={"password": None, "private_key_path": key, "private_key_passphrase": SecretStr("s3cret")}
    )
    args = connection.connect_args(keyed, D1)
    assert args["authenticator"] == "SNOWFLAKE_JWT" and "password" not in args
    publish_day(lake, D1, size=1)
    assert loader.load_day(keyed, lake, D1).rows_loaded == 5

    for update, expected in (
        ({"private_key_passphrase": SecretStr("wrong")}, "check SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"),
        ({"private_key_path": tmp_path / "absent.p8"}, "is the secret mounted?"),
    ):
        with pytest.raises(PipelineError, match=expected) as info:
            connection.connect_args(keyed.model_copy(update=update), D1)
        assert "\n" not in str(info.value) and "s3cret" not in str(info.value)
    with pytest.raises(PipelineError, match=r"SNOWFLAKE_PRIVATE_KEY_PATH .* or SNOWFLAKE_PASSWORD"):
        connection.connect_args(sf.model_copy(update={"password": None}), D1)


def test_unreachable_endpoint_fails_the_cli_with_one_line(home, lake):
    publish_day(lake, D1, size=1)  # the lake is fine: only the warehouse is out of reach
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SNOWFLAKE_", "CORETELECOMS_"))}
    env.update(
        {
            "CORETELECOMS_HOME": str(home),
            "CORETELECOMS_WAREHOUSE": "snowflake",
            "SNOWFLAKE_ACCOUNT": "fakesnow",
            "SNOWFLAKE_USER": "loader",
            "SNOWFLAKE_PASSWORD": "pw-not-to-print",
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
    assert "Traceback" not in result.stderr and "pw-not-to-print" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0] == result.stderr.strip().splitlines()[-1]
    assert errors[0].startswith("error: cannot reach Snowflake for user loader on account fakesnow")
    assert "SNOWFLAKE_HOST" in errors[0]


def test_invalid_configuration_is_one_line(home, monkeypatch):
    monkeypatch.setenv("SNOWFLAKE_STAGE_MODE", "s3")
    monkeypatch.setenv("SNOWFLAKE_PORT", "")  # empty means unset, as in the dbt profile
    with pytest.raises(PipelineError) as info:
        loader.config_from(Settings())
    assert (
        str(info.value)
        == "invalid Snowflake configuration: SNOWFLAKE_STAGE_MODE: Input should be 'external' or 'put'"
    )


def test_an_unchanged_day_in_external_mode_copies_nothing(lake, external_stage):
    publish_day(lake, D1, size=2)
    loader.load_day(external_stage, lake, D1)
    publish_day(lake, D2, size=2)
    publish(lake, ENTITIES["agents"], D2, None, unchanged_since=D1)
    summary = loader.load_day(external_stage, lake, D2)
    assert {t.table: t.rows for t in summary.tables}["agents"] == 0
    assert snowflake_query(external_stage, "SELECT _ingest_date, count(*) FROM raw.agents GROUP BY 1") == [
        (D1, 2)
    ]


def test_external_mode_reads_only_manifests_and_an_absent_file_fails_the_day(lake, external_stage):
    publish_day(lake, D1, size=2)
    loader.load_day(external_stage, lake, D1)
    before = _state(external_stage)
    publish_day(lake, D1, size=3, prefix="v2-")
    absent = layout.data_file(lake, "social-media", D1)
    Path(absent.path).unlink()  # listed by its manifest, gone from the stage
    with pytest.raises(PipelineError) as info:
        loader.load_day(external_stage, lake, D1)
    message = str(info.value)
    assert "\n" not in message and absent.url in message and "raw.social_media" in message
    assert _state(external_stage) == before
