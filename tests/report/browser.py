"""Open a page in headless Chromium over the DevTools protocol: console errors, requests made, a screenshot."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from processes import stop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# TOOLCHAIN.md: without the background-networking flags it keeps calling hosts this network refuses.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-port=0", "--remote-allow-origins=*", "--hide-scrollbars",
]  # fmt: skip


@dataclass
class PageCheck:
    """What the browser saw while loading the page."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""


def available() -> bool:
    return Path(CHROMIUM).exists()


def open_page(url: str, width: int = 1280, height: int = 2000, timeout: float = 60) -> PageCheck:
    """Load `url` in a fresh headless Chromium profile and report console errors, requests and a PNG."""
    import websocket  # websocket-client (a kubernetes dependency, listed in the dev extra)

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    process = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = _devtools_port(process, timeout)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            pages = [t for t in json.load(response) if t["type"] == "page"]
        ws = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True
        )
        try:
            return _inspect(ws, url, timeout, width, height)
        finally:
            ws.close()
    finally:
        stop(process)
        shutil.rmtree(profile, ignore_errors=True)


def _devtools_port(process: subprocess.Popen, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    assert process.stderr is not None
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode} before DevTools started")
        if match := re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line):
            return int(match.group(1))
    raise TimeoutError("chromium did not start DevTools in time")


def _inspect(ws, url: str, timeout: float, width: int, height: int) -> PageCheck:
    check = PageCheck()
    counter = iter(range(1, 10_000))

    def send(method: str, **params) -> int:
        message_id = next(counter)
        ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        return message_id

    def pump(until) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(ws.recv())
            _observe(message, check)
            if until(message):
                return message
        raise TimeoutError("no answer from chromium in time")

    for domain in ("Runtime", "Log", "Network", "Page"):
        enabled = send(f"{domain}.enable")
        pump(lambda m, i=enabled: m.get("id") == i)
    send("Page.navigate", url=url)
    pump(lambda m: m.get("method") == "Page.loadEventFired")
    # A quarter-scale shot of the whole window: enough to see content, small enough to decode in Python.
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 0.25}
    shot = send("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)
    reply = pump(lambda m: m.get("id") == shot)
    check.screenshot = base64.b64decode(reply["result"]["data"])
    return check


def _observe(message: dict, check: PageCheck) -> None:
    method, params = message.get("method"), message.get("params", {})
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        check.console_errors.append(
            " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
        )
    elif method == "Runtime.exceptionThrown":
        check.console_errors.append(params["exceptionDetails"].get("text", "exception"))
    elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
        check.console_errors.append(params["entry"].get("text", ""))
    elif method == "Network.requestWillBeSent":
        check.requests.append(params["request"]["url"])
