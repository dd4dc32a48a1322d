"""Build the step images for tests: a local Debian base and a local wheelhouse index, since no registry is reachable."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Built once and kept, so a second run reuses it (and docker's layer cache with it).
BASE_TAG = "coretelecoms-test-base:bookworm"
# Tagged per checkout: the Docker engine is shared, and another worktree's test must not overwrite these
# images between their build and their test.
TEST_TAG = "coretelecoms-{name}:test-" + hashlib.sha256(str(REPO).encode()).hexdigest()[:8]
# What each image is (extras, Dockerfile target, why): images/images.toml, which the Dockerfile reads too.
IMAGES_TOML = tomllib.loads((REPO / "images" / "images.toml").read_text())
# What the Dockerfiles install besides the requirements: pip's pin, and the build backend of `pip install .`.
BUILD_TOOLS = ("pip==26.3", "setuptools>=68", "wheel")
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "coretelecoms-tests"
WHEELHOUSE_PORT = 47_311


def docker(*args: str, timeout: float = 600, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """Run the docker CLI with the legacy builder (BuildKit does not work on these machines)."""
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    result = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, env=env, **kwargs
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"docker {' '.join(args[:3])} … exited {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def engine_unreachable() -> str | None:
    """Why no Docker engine can be used, or None when one answers."""
    if not shutil.which("docker"):
        return "no docker CLI on PATH"
    try:
        result = docker("version", "--format", "{{.Server.Version}}", timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return "the Docker engine did not answer within 30 s"
    if result.returncode != 0:
        return f"no Docker engine reachable: {result.stderr.strip().splitlines()[-1:]}"
    return None


def image_exists(tag: str) -> bool:
    return docker("image", "inspect", tag, check=False, timeout=60).returncode == 0


def base_image() -> str:
    """The base image to build on: CORETELECOMS_TEST_BASE_IMAGE, else a local Debian bookworm with Python 3.11.

    The local base is made with debootstrap and `docker import` (no registry is reachable here); without
    debootstrap, the Dockerfiles' own public default is used, which needs a registry.
    """
    if explicit := os.environ.get("CORETELECOMS_TEST_BASE_IMAGE"):
        return explicit
    if image_exists(BASE_TAG):
        return BASE_TAG
    if not shutil.which("debootstrap") or os.geteuid() != 0:
        return ""  # the Dockerfiles' default (python:3.11.x-slim-bookworm)
    mirror = os.environ.get("CORETELECOMS_TEST_DEBIAN_MIRROR", "http://deb.debian.org/debian")
    with tempfile.TemporaryDirectory(prefix="ct-base-") as tmp:
        root = Path(tmp) / "root"
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=python3,python3-venv,ca-certificates",
                "bookworm",
                str(root),
                mirror,
            ],
            check=True,
            capture_output=True,
            timeout=1200,
        )
        # What the slim image leaves out too: package caches, lists, docs.
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man"):
            shutil.rmtree(root / junk, ignore_errors=True)
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        # An imported image has no config: give it the PATH and locale the python images set.
        docker(
            "import",
            "--change",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "--change",
            "ENV LANG=C.UTF-8",
            "-",
            BASE_TAG,
            stdin=tar.stdout,
            timeout=600,
        )
        tar.wait()
    return BASE_TAG


def requirements(image: str) -> list[str]:
    """The requirement lines the Dockerfile installs for an image (images/requirements.py prints them)."""
    result = subprocess.run(
        [sys.executable, str(REPO / "images" / "requirements.py"), image],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout.split()


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def build_wheelhouse() -> Path:
    """Wheels for every image's requirements, built once by the host's pip (which can reach the index).

    Keyed by pyproject.toml and the build tools, so it is reused until the dependencies change.
    """
    union = sorted({r for image in IMAGES_TOML for r in requirements(image)} | set(BUILD_TOOLS))
    key = hashlib.sha256("\n".join(union).encode()).hexdigest()[:16]
    house = CACHE / f"wheelhouse-{key}"
    if (house / ".complete").exists():
        return house
    shutil.rmtree(house, ignore_errors=True)
    wheels = house / "wheels"
    wheels.mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheels), *union],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        raise AssertionError(f"pip wheel failed:\n{result.stderr[-4000:]}")
    # A PEP 503 "simple" index over the wheels, so the builds can use it as their only index.
    simple = house / "simple"
    projects: dict[str, list[Path]] = {}
    for wheel in wheels.glob("*.whl"):
        projects.setdefault(_normalise(wheel.name.split("-")[0]), []).append(wheel)
    for project, files in projects.items():
        page = simple / project
        page.mkdir(parents=True)
        links = "".join(
            f'<a href="../../wheels/{html.escape(f.name)}#sha256={hashlib.sha256(f.read_bytes()).hexdigest()}">'
            f"{html.escape(f.name)}</a>\n"
            for f in sorted(files)
        )
        (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
    (house / ".complete").touch()
    return house


def bridge_gateway() -> str:
    """The host's address on docker's default bridge, which build containers can reach."""
    result = docker("network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}")
    return result.stdout.strip() or "172.17.0.1"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_wheelhouse(house: Path) -> Iterator[str]:
    """Serve the wheelhouse on the bridge address for the duration; yields the index URL."""
    host = bridge_gateway()
    handler = functools.partial(_QuietHandler, directory=str(house))
    # The index URL is a build argument, and build arguments are part of docker's layer-cache key: a fixed
    # port keeps the URL, and so the cache, the same from run to run. Any free port still works, uncached.
    try:
        server = http.server.ThreadingHTTPServer((host, WHEELHOUSE_PORT), handler)
    except OSError:
        server = http.server.ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()


def revision() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown"


@dataclass(frozen=True)
class Built:
    name: str
    tag: str
    revision: str
    seconds: float


def build_image(name: str, base: str, index_url: str | None) -> Built:
    """`docker build` one image from the repository root, as CI and skaffold do."""
    commit = revision()
    target = IMAGES_TOML[name]["target"]
    args = ["build", "--file", "images/Dockerfile", "--target", target, "--tag", TEST_TAG.format(name=name)]
    args += ["--build-arg", f"IMAGE={name}"]
    args += ["--build-arg", f"REVISION={commit}", "--build-arg", "SOURCE=file://" + str(REPO)]
    if base:
        args += ["--build-arg", f"BASE_IMAGE={base}"]
    if index_url:
        host = index_url.split("/")[2].split(":")[0]
        args += ["--build-arg", f"PIP_INDEX_URL={index_url}", "--build-arg", f"PIP_TRUSTED_HOST={host}"]
    started = time.monotonic()
    docker(*args, ".", cwd=REPO, timeout=1800)
    return Built(name, TEST_TAG.format(name=name), commit, time.monotonic() - started)


# How the workflows run a step's pod (pods.py): numeric non-root user, read-only root filesystem with a
# writable /tmp, no capabilities, no privilege escalation, HOME=/tmp - plus no network at all here.
POD_LIKE = (
    "--read-only",
    "--tmpfs",
    "/tmp:rw,nosuid,nodev,size=512m",
    "--user",
    "10001:10001",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--network",
    "none",
    "--env",
    "HOME=/tmp",
)


def run_in(
    tag: str,
    *args: str,
    data: Path | None = None,
    env: dict[str, str] | None = None,
    entrypoint: str | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess:
    """Run the image like a pod; `data` is mounted at /data and is CORETELECOMS_HOME."""
    options = list(POD_LIKE)
    if data is not None:
        options += ["--volume", f"{data}:/data", "--env", "CORETELECOMS_HOME=/data"]
    for key, value in (env or {}).items():
        options += ["--env", f"{key}={value}"]
    if entrypoint:
        options += ["--entrypoint", entrypoint]
    return docker("run", "--rm", *options, tag, *args, timeout=timeout, check=False)


# ------------------------------------------------------------------ what an image's steps import


def step_entries(step) -> list[str]:
    """What a registry step's pod runs, as `module:function` entries for the import probe: its CLI command,
    its step function, and the modules the step looks up by name, which no analysis follows: an extract's
    source module (extract/sources.py) and the loader's warehouse modules (load/warehouses.py)."""
    import functools

    run = step.run
    function = run.func if isinstance(run, functools.partial) else run
    # The pod runs the step's CLI command (which reports through terminal.py, parses options, …), the
    # command calls the step function; both, so a driver imported on either path counts.
    entries = [*command_entries(" ".join(step.command)), f"{function.__module__}:{function.__name__}"]
    if isinstance(run, functools.partial) and step.command[0] == "extract":
        from coretelecoms.extract.sources import SOURCES

        entries.append(SOURCES[run.args[0]].opener)
    if step.command[0] == "load":  # either warehouse, whichever the run's target names
        from coretelecoms.load.warehouses import WAREHOUSES

        entries += [f"{module}:{fn}" for module in WAREHOUSES.values() for fn in ("config_from", "load_day")]
    return entries


def command_entries(words: str) -> list[str]:
    """A CLI command an image runs besides its steps (images.toml `runs`, e.g. 'workflows notify')."""
    from coretelecoms.cli import cli

    command = cli
    for word in words.split():
        if not hasattr(command, "commands"):
            break  # the rest are the command's arguments (`extract customers`)
        command = command.commands[word]
    return [f"{command.callback.__module__}:{command.callback.__name__}"]


# What a step may import but a pod never needs, with the reason: not installed in any image.
OPTIONAL_IMPORTS = {
    "pgserver": "the embedded PostgreSQL of the local defaults; a pod is always given CORETELECOMS_POSTGRES_DSN",
}


def probe_request(image: str) -> tuple[dict, dict[str, str]]:
    """The import probe's request for an image: its steps' and extra commands' entries, and what may be missing."""
    from coretelecoms.pipeline.steps import STEPS

    entries = [e for step in STEPS if step.image == image for e in step_entries(step)]
    entries += [e for words in IMAGES_TOML[image].get("runs", []) for e in command_entries(words)]
    return {"entries": sorted(set(entries)), "optional": sorted(OPTIONAL_IMPORTS)}, OPTIONAL_IMPORTS
