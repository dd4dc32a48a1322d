"""S3 answering 500/503 for a while: the extract still completes, with nothing lost and nothing duplicated.

A small HTTP proxy stands between every S3 client (pyarrow's for reads and listings, boto3's for the
SSE-KMS uploads) and moto's server. It fails the first requests outright, then the first attempt of
each kind of call, with S3's own InternalError/SlowDown answers, so each kind of call (HEAD, GET,
LIST, PUT) has to be retried by the clients' standard retry strategies.
"""

from __future__ import annotations

import http.client
import http.server
import io
import json
import threading
import uuid
from collections import Counter
from datetime import date
from urllib.parse import urlparse

import boto3
import pyarrow.parquet as pq
import pytest

from coretelecoms.extract.engine import RunContext
from coretelecoms.extract.sources import extract
from coretelecoms.lake import filesystem, s3
from coretelecoms.lake.filesystem import locate
from coretelecoms.settings import Settings

DAY = date(2025, 11, 20)
CALL_HEADER = ",call ID,customeR iD,COMPLAINT_catego ry,agent ID,call_start_time,call_end_time,resolutionstatus,callLogsGenerationDate"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection", "upgrade"}
FAULTS = {
    500: b"<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>",
    503: b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
}


class FaultyS3(http.server.ThreadingHTTPServer):
    """Forwards to moto; fails the first `outage` requests, then the first call of each kind once."""

    daemon_threads = True

    def __init__(self, upstream: str, outage: int):
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = urlparse(upstream)
        self.outage = outage
        self.seen: Counter[tuple[str, str]] = Counter()
        self.injected: Counter[str] = Counter()
        self.forwarded: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def fault_for(self, method: str, path: str) -> int | None:
        with self.lock:
            kind = (method, "list" if "list-type" in path else "object")
            self.seen[kind] += 1
            total = sum(self.injected.values()) + sum(self.forwarded.values())
            # An outage first, then one failed attempt for the first call of each kind (HEAD, GET,
            # LIST, PUT): enough to make every client retry every kind of call, few enough to stay fast.
            if total < self.outage or self.seen[kind] == 1:
                status = 503 if sum(self.injected.values()) % 2 else 500
                self.injected[method] += 1
                return status
            self.forwarded[method] += 1
            return None


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and 100-continue, as S3 speaks
    server: FaultyS3

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status = self.server.fault_for(self.command, self.path)
        if status is not None:
            payload = b"" if self.command == "HEAD" else FAULTS[status]
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(FAULTS[status]) if self.command != "HEAD" else 0))
            if status == 503:
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(payload)
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(
            self.server.upstream.hostname, self.server.upstream.port, timeout=30
        )
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            length_header = response.getheader("Content-Length")
            self.send_header(
                "Content-Length",
                length_header if self.command == "HEAD" and length_header else str(len(data)),
            )
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        finally:
            upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay  # noqa: N815 - http.server's names

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def faulty_s3(moto_endpoint, s3_env, monkeypatch):
    """Every S3 client of the package pointed at the proxy; returns (proxy, boto3 client straight to moto)."""
    proxy = FaultyS3(moto_endpoint, outage=2)
    threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    filesystem.s3_filesystem.cache_clear()
    s3.s3_client.cache_clear()
    yield proxy, s3_env
    proxy.shutdown()
    proxy.server_close()
    filesystem.s3_filesystem.cache_clear()
    s3.s3_client.cache_clear()


def _call_logs(n: int) -> str:
    rows = [CALL_HEADER]
    for i in range(n):
        agent = "N/A" if i % 97 == 0 else str(1000 + i % 90)  # a few quarantined rows
        rows.append(
            f"{i},C{i:05d},cust-{i % 300},Payments,{agent},2025-11-19 10:00:00,2025-11-19 10:05:00,Resolved,2025-11-20"
        )
    return "\r\n".join(rows) + "\r\n"


def _social_media(n: int) -> str:
    columns = {
        "complaint_id": [f"SM{i}" for i in range(n)],
        "customeR iD": [f"cust-{i}" for i in range(n)],
        "COMPLAINT_catego ry": ["Network Failure"] * n,
        "agent ID": [1000 + i % 90 for i in range(n)],
        "resolutionstatus": ["Backlog"] * n,
        "request_date": ["2025-11-19 08:00:00"] * n,
        "resolution_date": [""] * n,
        "media_channel": ["twitter"] * n,
        "MediaComplaintGenerationDate": ["2025-11-20"] * n,
    }
    return json.dumps({name: {str(i): v for i, v in enumerate(values)} for name, values in columns.items()})


def _lake_objects(client, bucket: str) -> dict[str, dict]:
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.head_object(Bucket=bucket, Key=o["Key"]) for o in listing}


def _rows(client, bucket: str, key: str) -> list[dict]:
    table = pq.read_table(io.BytesIO(client.get_object(Bucket=bucket, Key=key)["Body"].read()))
    return table.drop_columns(["_ingested_at", "_run_id"]).to_pylist()


def test_extract_survives_s3_500_and_503_with_nothing_lost_or_duplicated(faulty_s3, home):
    proxy, direct = faulty_s3
    source, lake = f"src-{uuid.uuid4().hex[:8]}", f"lake-{uuid.uuid4().hex[:8]}"
    direct.create_bucket(Bucket=source)
    direct.create_bucket(Bucket=lake)
    kms_key = boto3.client("kms", endpoint_url=proxy.upstream.geturl()).create_key()["KeyMetadata"]["Arn"]
    direct.put_object(
        Bucket=source, Key="call logs/call_logs_day_2025-11-20.csv", Body=_call_logs(3000).encode()
    )
    direct.put_object(
        Bucket=source,
        Key="social_medias/media_complaint_day_2025-11-20.json",
        Body=_social_media(500).encode(),
    )
    settings = Settings(source_url=f"s3://{source}", lake_url=f"s3://{lake}")

    def run(run_id: str) -> dict[str, tuple[int, int, int]]:
        ctx = RunContext(lake=locate(settings.lake_url), day=DAY, run_id=run_id, kms_key_id=kms_key)
        return {
            entity: (s.rows_read, s.rows_written, s.rows_quarantined)
            for entity in ("call-logs", "social-media")
            for s in [extract(entity, settings, ctx)]
        }

    first = run("faulty-1")
    assert first == {"call-logs": (3000, 2969, 31), "social-media": (500, 500, 0)}
    # Every kind of call met a failure and was retried through it.
    assert proxy.injected["GET"] and proxy.injected["HEAD"] and proxy.injected["PUT"]
    assert sum(proxy.injected.values()) >= 5

    objects = _lake_objects(direct, lake)
    assert sorted(objects) == [
        "quarantine/call-logs/ingest_date=2025-11-20/part-00000.parquet",
        "quarantine/social-media/ingest_date=2025-11-20/part-00000.parquet",
        "raw/call-logs/ingest_date=2025-11-20/_manifest.json",  # the commit marker, written last
        "raw/call-logs/ingest_date=2025-11-20/part-00000.parquet",
        "raw/social-media/ingest_date=2025-11-20/_manifest.json",
        "raw/social-media/ingest_date=2025-11-20/part-00000.parquet",
    ]
    for head in objects.values():
        assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == kms_key
    calls = _rows(direct, lake, "raw/call-logs/ingest_date=2025-11-20/part-00000.parquet")
    ids = [r["call_id"] for r in calls]
    assert len(ids) == len(set(ids)) == 2969
    assert ids == [f"C{i:05d}" for i in range(3000) if i % 97]

    # A second run through a fresh outage converges on the same lake: same keys, same rows.
    proxy.seen.clear()
    proxy.injected.clear()
    proxy.forwarded.clear()
    assert run("faulty-2") == first
    assert proxy.injected["PUT"]
    assert sorted(_lake_objects(direct, lake)) == sorted(objects)
    assert _rows(direct, lake, "raw/call-logs/ingest_date=2025-11-20/part-00000.parquet") == calls
