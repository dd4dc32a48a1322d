"""Shared pieces: the helpers in this folder on sys.path, and a local HTTP endpoint standing in for Slack."""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@dataclass
class Sink:
    """What the endpoint received, and the status it answers with."""

    url: str = ""
    status: int = 200
    received: list[tuple[str, str, dict]] = field(default_factory=list)


@pytest.fixture
def http_sink():
    sink = Sink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            sink.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
            self.send_response(sink.status)
            self.end_headers()
            self.wfile.write(b"ok" if sink.status < 300 else b"invalid_token")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sink.url = f"http://127.0.0.1:{server.server_port}/services/T000/B000/XXXX"
    yield sink
    server.shutdown()
    server.server_close()
