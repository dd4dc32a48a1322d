"""Agents through the Google Sheets API v4 client, against a local endpoint serving recorded API answers.

The endpoint plays both Google services the client talks to: the OAuth token endpoint (it verifies the
service account's signed JWT with the account's public key, as Google does) and the Sheets API. Nothing
leaves the machine.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from extract_helpers import read_partition

from coretelecoms.common.errors import PipelineError
from coretelecoms.extract import google_sheets
from coretelecoms.extract.google_sheets import parse_sheet
from coretelecoms.extract.sources import extract

SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-Agents"
ACCOUNT = "coretelecoms-extract@coretelecoms-prod.iam.gserviceaccount.com"
TOKEN = "ya29.test-access-token"

# Recorded answers of spreadsheets.get (fields=properties.title,sheets.properties(...)) and
# spreadsheets.values.get for the roster: trailing empty cells are left out of a row, as the API does.
SPREADSHEET = {
    "properties": {"title": "CORETELECOMMS AGENTS"},
    "sheets": [
        {"properties": {"sheetId": 771, "title": "Archive 2024", "index": 1}},
        {"properties": {"sheetId": 0, "title": "Agents", "index": 0}},
    ],
}
VALUES = {
    "range": "Agents!A1:Z1000",
    "majorDimension": "ROWS",
    "values": [
        ["iD", "NamE", "experience", "state"],
        ["1000", "Ada Obi", "Senior", "TX"],
        ["1001", "Ben Cho", "mid-level"],
        [],
        ["x7", "Bad Id", "intern", "NY"],
    ],
}


class StandIn(http.server.ThreadingHTTPServer):
    """Token endpoint + Sheets API; `faults` lists status codes to answer first, per API path."""

    def __init__(self, public_key):
        super().__init__(("127.0.0.1", 0), Handler)
        self.public_key = public_key
        self.faults: dict[str, list[int]] = {}
        self.calls: list[tuple[float, str, int]] = []
        self.forbidden = False
        self.retry_after = "1"
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    server: StandIn

    def _answer(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.server.calls.append((time.monotonic(), self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
        try:
            claims = jwt.decode(
                form["assertion"][0],
                self.server.public_key,
                algorithms=["RS256"],
                audience="https://oauth2.googleapis.com/token",  # Google's, whatever token_uri says
            )
        except jwt.InvalidTokenError as exc:
            self._answer(400, {"error": "invalid_grant", "error_description": f"Invalid JWT: {exc}"})
            return
        assert claims["iss"] == ACCOUNT
        assert claims["scope"] == "https://www.googleapis.com/auth/spreadsheets.readonly"
        self._answer(200, {"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer"})

    def do_GET(self) -> None:
        path = unquote(urlparse(self.path).path)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._answer(
                401, {"error": {"code": 401, "message": "Request had invalid authentication credentials."}}
            )
            return
        if faults := self.server.faults.get(path):
            status = faults.pop(0)
            message = "Quota exceeded for quota metric 'Read requests'" if status == 429 else "Internal error"
            self._answer(
                status,
                {"error": {"code": status, "message": message}},
                {"Retry-After": self.server.retry_after},
            )
            return
        if self.server.forbidden:
            self._answer(403, {"error": {"code": 403, "message": "The caller does not have permission"}})
        elif path == f"/v4/spreadsheets/{SHEET_ID}":
            assert "sheets.properties" in parse_qs(urlparse(self.path).query)["fields"][0]
            self._answer(200, SPREADSHEET)
        elif path == f"/v4/spreadsheets/{SHEET_ID}/values/'Agents'":
            self._answer(200, VALUES)
        else:
            self._answer(404, {"error": {"code": 404, "message": "Requested entity was not found."}})

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def stand_in(key):
    server = StandIn(key.public_key())
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def service_account(tmp_path, key, stand_in) -> Path:
    """A service-account key file as Google issues it, its token_uri pointing at the stand-in."""
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = tmp_path / "sa.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "coretelecoms-prod",
                "private_key_id": "0123456789abcdef",
                "private_key": pem,
                "client_email": ACCOUNT,
                "client_id": "100000000000000000001",
                "token_uri": f"{stand_in.url}/token",
            }
        )
    )
    return path


@pytest.fixture
def sheet_settings(settings, stand_in, service_account):
    settings.agents_sheet = f"{stand_in.url}/v4/spreadsheets/{SHEET_ID}"
    settings.google_credentials = service_account
    return settings


def test_first_worksheet_through_the_api_with_a_retried_rate_limit(sheet_settings, ctx, stand_in):
    stand_in.faults[f"/v4/spreadsheets/{SHEET_ID}"] = [429]
    stand_in.faults[f"/v4/spreadsheets/{SHEET_ID}/values/'Agents'"] = [503]
    summary = extract("agents", sheet_settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (3, 2, 1)
    rows = read_partition(sheet_settings, "raw", "agents").to_pylist()
    assert [(r["agent_id"], r["name"], r["state"]) for r in rows] == [
        (1000, "Ada Obi", "TX"),
        (1001, "Ben Cho", ""),  # an empty cell the API leaves out
    ]
    assert rows[0]["_source"] == f"https://docs.google.com/spreadsheets/d/{SHEET_ID}#Agents"
    quarantine = read_partition(sheet_settings, "quarantine", "agents").to_pylist()
    assert [(q["location"], q["reason"]) for q in quarantine] == [
        ("row 5", "agent_id 'x7' is not an integer")
    ]

    statuses = [(unquote(urlparse(path).path), status) for _, path, status in stand_in.calls]
    assert statuses == [
        ("/token", 200),  # one token exchange serves both calls
        (f"/v4/spreadsheets/{SHEET_ID}", 429),
        (f"/v4/spreadsheets/{SHEET_ID}", 200),
        (f"/v4/spreadsheets/{SHEET_ID}/values/'Agents'", 503),
        (f"/v4/spreadsheets/{SHEET_ID}/values/'Agents'", 200),
    ]
    # Retry-After: 1 was honoured, not just the first backoff step.
    assert stand_in.calls[2][0] - stand_in.calls[1][0] >= 0.9


def test_an_unshared_sheet_names_the_account_to_share_with(sheet_settings, ctx, stand_in):
    stand_in.forbidden = True
    with pytest.raises(PipelineError) as info:
        extract("agents", sheet_settings, ctx)
    message = str(info.value)
    assert "\n" not in message
    assert (
        "HTTP 403 The caller does not have permission" in message
        and f"share the sheet with {ACCOUNT}" in message
    )


def test_persistent_rate_limit_gives_up_with_one_line(sheet_settings, ctx, stand_in, monkeypatch):
    monkeypatch.setattr(google_sheets, "RETRY_TOTAL", 2)
    stand_in.faults[f"/v4/spreadsheets/{SHEET_ID}"] = [429] * 10
    stand_in.retry_after = "0"
    with pytest.raises(PipelineError, match="still rate-limited after 2 retries") as info:
        extract("agents", sheet_settings, ctx)
    assert "\n" not in str(info.value)
    assert [s for _, _, s in stand_in.calls] == [200, 429, 429, 429]  # token, first try, two retries


def test_a_key_google_does_not_accept_is_named(sheet_settings, ctx, stand_in, tmp_path):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    info = json.loads(sheet_settings.google_credentials.read_text())
    info["private_key"] = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    revoked = tmp_path / "revoked.json"
    revoked.write_text(json.dumps(info))
    sheet_settings.google_credentials = revoked
    with pytest.raises(PipelineError, match=f"Google refused a token for {ACCOUNT}: invalid_grant") as err:
        extract("agents", sheet_settings, ctx)
    assert "\n" not in str(err.value)


def test_missing_key_file_is_named(sheet_settings, ctx, tmp_path):
    sheet_settings.google_credentials = tmp_path / "absent.json"
    with pytest.raises(
        PipelineError, match=r"absent\.json: No such file or directory; is the secret mounted"
    ):
        extract("agents", sheet_settings, ctx)


def test_unreachable_api_is_one_line(sheet_settings, ctx, stand_in, monkeypatch):
    monkeypatch.setattr(google_sheets, "BACKOFF_FACTOR", 0.01)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sheet_settings.agents_sheet = f"http://127.0.0.1:{port}/v4/spreadsheets/{SHEET_ID}"
    with pytest.raises(
        PipelineError, match=f"cannot reach the Google Sheets API at http://127.0.0.1:{port}"
    ) as info:
        extract("agents", sheet_settings, ctx)
    assert "\n" not in str(info.value)


def test_sheet_references():
    api = "https://sheets.googleapis.com"
    assert parse_sheet(SHEET_ID) == (api, SHEET_ID)
    assert parse_sheet(f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=0") == (api, SHEET_ID)
    assert parse_sheet(f"http://127.0.0.1:8080/v4/spreadsheets/{SHEET_ID}") == (
        "http://127.0.0.1:8080",
        SHEET_ID,
    )
    assert parse_sheet(f"https://proxy.example/sheets/v4/spreadsheets/{SHEET_ID}/") == (
        "https://proxy.example/sheets",
        SHEET_ID,
    )
    for bad in ("agents.ods", "https://example.com/agents"):
        with pytest.raises(PipelineError, match=r"CORETELECOMS_AGENTS_SHEET|expected a docs\.google\.com"):
            parse_sheet(bad)
