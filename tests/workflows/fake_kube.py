"""A local HTTP server speaking the part of the Kubernetes API the CLI uses: argoproj.io custom objects.

It keeps objects in memory with resourceVersions, answers like the API server (Status bodies with
reason and code), and can be told to refuse (403), to lack a namespace (404), to lose a race on replace
(409), and to move a submitted workflow through a scripted series of statuses.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from pathlib import Path

_PATH = re.compile(r"^/apis/argoproj\.io/v1alpha1/namespaces/([^/]+)/([^/?]+)(?:/([^/?]+))?$")


@dataclass
class FakeKube:
    namespaces: set[str] = field(default_factory=lambda: {"coretelecoms"})
    objects: dict[tuple[str, str, str], dict] = field(default_factory=dict)
    # (verb, plural) pairs answered with 403, e.g. ("create", "workflowtemplates").
    forbidden: set[tuple[str, str]] = field(default_factory=set)
    # Called before a replace is checked; may change the stored object, as a concurrent writer would.
    before_replace: Callable[[dict], None] | None = None
    # Statuses a workflow goes through, one per read, the last one sticking.
    statuses: list[dict] = field(default_factory=list)
    requests: list[tuple[str, str, dict | None]] = field(default_factory=list)
    url: str = ""
    _versions: count = field(default_factory=lambda: count(100))
    _names: count = field(default_factory=lambda: count(1))
    _reads: dict[str, int] = field(default_factory=dict)

    def kubeconfig(self, path: Path, namespace: str = "coretelecoms") -> Path:
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                    "users": [{"name": "dev", "user": {"token": "not-a-real-token"}}],
                    "contexts": [
                        {
                            "name": "fake",
                            "context": {"cluster": "fake", "user": "dev", "namespace": namespace},
                        }
                    ],
                    "current-context": "fake",
                }
            )
        )
        return path

    # -- the API

    def handle(self, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        self.requests.append((method, path, body))
        match = _PATH.match(path.split("?")[0])
        if not match:
            return _status(404, "NotFound", f"the server could not find the requested resource ({path})")
        namespace, plural, name = match.groups()
        verb = {"GET": "get", "POST": "create", "PUT": "update"}.get(method, method.lower())
        if (verb, plural) in self.forbidden:
            return _status(
                403,
                "Forbidden",
                f'{plural}.argoproj.io{" " + repr(name) if name else ""} is forbidden: User "dev" cannot {verb} '
                f'resource "{plural}" in API group "argoproj.io" in the namespace "{namespace}"',
            )
        if namespace not in self.namespaces:
            return _status(404, "NotFound", f'namespaces "{namespace}" not found')
        key = (namespace, plural, name or "")
        if method == "GET" and name:
            if key not in self.objects:
                return _status(404, "NotFound", f'{plural}.argoproj.io "{name}" not found')
            obj = self.objects[key]
            if plural == "workflows" and self.statuses:
                reads = self._reads.get(name, 0)
                obj["status"] = self.statuses[min(reads, len(self.statuses) - 1)]
                self._reads[name] = reads + 1
            return 200, obj
        if method == "POST" and not name:
            obj = copy.deepcopy(body or {})
            meta = obj.setdefault("metadata", {})
            if not meta.get("name"):
                meta["name"] = f"{meta.get('generateName', 'x-')}{next(self._names):05d}"
            key = (namespace, plural, meta["name"])
            if key in self.objects:
                return _status(409, "AlreadyExists", f'{plural}.argoproj.io "{meta["name"]}" already exists')
            meta["namespace"] = namespace
            meta["resourceVersion"] = str(next(self._versions))
            self.objects[key] = obj
            return 201, obj
        if method == "PUT" and name:
            if key not in self.objects:
                return _status(404, "NotFound", f'{plural}.argoproj.io "{name}" not found')
            if self.before_replace:
                self.before_replace(self.objects[key])
            sent = (body or {}).get("metadata", {}).get("resourceVersion")
            if sent != self.objects[key]["metadata"]["resourceVersion"]:
                return _status(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {plural}.argoproj.io "{name}": the object has been '
                    "modified; please apply your changes to the latest version and try again",
                )
            obj = copy.deepcopy(body)
            obj["metadata"]["resourceVersion"] = str(next(self._versions))
            self.objects[key] = obj
            return 200, obj
        return _status(405, "MethodNotAllowed", f"{method} {path}")

    def bump(self, obj: dict) -> None:
        """What another writer does: change the object, so its resourceVersion moves on."""
        obj["metadata"]["resourceVersion"] = str(next(self._versions))


def _status(code: int, reason: str, message: str) -> tuple[int, dict]:
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason, "code": code}  # fmt: skip


def serve(fake: FakeKube) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            code, payload = fake.handle(self.command, self.path, body)
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._answer()

        def do_POST(self):
            self._answer()

        def do_PUT(self):
            self._answer()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
