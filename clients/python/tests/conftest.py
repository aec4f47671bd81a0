"""Fixtures: the generated stubs and a real cxlabd with the repo's experiments.

Environment:
    CXLABD           the daemon binary (required for the server tests)
    CXLAB            the CLI binary (applies experiments/, cross-checks)
    CXLAB_STUBS_DIR  where to generate and load the stubs; default: a
                     temporary directory of the session
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import pytest

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

CLIENT_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = CLIENT_DIR.parents[1]
EXPERIMENTS_DIR = REPO_ROOT / "experiments"
PROTO_ROOT = REPO_ROOT / "api" / "proto"

if str(CLIENT_DIR) not in sys.path:
    sys.path.insert(0, str(CLIENT_DIR))

import cxlab  # noqa: E402

T = TypeVar("T")


@pytest.fixture(scope="session")
def stubs_dir() -> Iterator[Path]:
    """Generates the stubs (if stale) into CXLAB_STUBS_DIR or a temp dir."""
    env = os.environ.get(cxlab._stubs.STUBS_ENV)
    tmp = None if env else tempfile.mkdtemp(prefix="cxlab-py-stubs-")
    out = Path(env or tmp)  # type: ignore[arg-type]
    try:
        cxlab.generate_stubs(out, PROTO_ROOT)
    except cxlab.StubsError as e:
        pytest.exit(str(e), returncode=1)
    cxlab.set_stubs_dir(out)
    cxlab.load_stubs()
    yield out
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


def _binary(var: str) -> str:
    path = os.environ.get(var)
    if not path:
        pytest.fail(f"set {var} to the {var.lower()} binary (e.g. build/.../{var.lower()})")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{var}={path} is not an executable")
    return path


@dataclass
class Server:
    """A running cxlabd with experiments/ applied."""

    address: str
    admin_key: str
    cli: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    def cxlab(self, *args: str, key: str | None = None) -> str:
        """Runs the CLI against this server; returns its stdout."""
        done = subprocess.run(
            [self.cli, "--server", self.address, "--key", key or self.admin_key, *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            raise AssertionError(f"cxlab {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def create_key(self, role: str) -> str:
        """A new API key secret of ``role`` (sdk, reader, editor, admin)."""
        out = json.loads(self.cxlab("keys", "create", "--role", role, "--name",
                                    f"pytest-{role}", "--output", "json"))
        return str(out["secret"])

    def client(self, key: str | None = None, **kwargs: object) -> "cxlab.Client":
        return cxlab.Client(self.address, key or self.admin_key, **kwargs)  # type: ignore[arg-type]


def _start(cxlabd: str, cli: str, root: Path) -> Server:
    key = secrets.token_hex(16)
    log = root / "cxlabd.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [cxlabd, "--data_dir", str(root / "db"), "--grpc_port", "0",
             "--http_port", "-1"],
            env={**os.environ, "CXLAB_ADMIN_KEY": key},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 20
    address = None
    while address is None:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("listening on "):
                address = line.removeprefix("listening on ").strip()
                break
        if address:
            break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise RuntimeError(f"cxlabd did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.02)
    server = Server(address, key, cli, root / "db", process)
    server.cxlab("apply", "-f", str(EXPERIMENTS_DIR))
    return server


def _stop(server: Server) -> None:
    p = server.process
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


@pytest.fixture(scope="module")
def server(stubs_dir: Path) -> Iterator[Server]:
    """A fresh cxlabd per test module (isolated exposures and events)."""
    cxlabd, cli = _binary("CXLABD"), _binary("CXLAB")
    root = Path(tempfile.mkdtemp(prefix="cxlab-py-test-"))
    try:
        srv = _start(cxlabd, cli, root)
        try:
            yield srv
        finally:
            _stop(srv)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def client(server: Server) -> Iterator["cxlab.Client"]:
    """An admin-key client, closed after the test."""
    with server.client() as c:
        yield c


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02) -> T:
    """Polls ``predicate`` until it returns a truthy value; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
