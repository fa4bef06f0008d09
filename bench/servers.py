"""Servers for the HTTP timings (gunicorn, Datasette): a free port, start and stop, plain GETs."""
from __future__ import annotations

import contextlib
import http.client
import importlib.util
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HTTP_TIMEOUT = 300
READY_TIMEOUT = 90


class MeasureError(Exception):
    """The measurement could not run (server did not start, …); str() says why."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str, *, headers: dict | None = None) -> tuple[int, int, float, bytes | None]:
    """GET ``path`` from 127.0.0.1:``port``: (status, body bytes, seconds, first 64 KiB of the body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        started = time.perf_counter()
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        size, head = 0, b""
        while chunk := response.read(65536):
            if len(head) < 65536:
                head += chunk[:65536 - len(head)]
            size += len(chunk)
        elapsed = time.perf_counter() - started
        return response.status, size, elapsed, head
    finally:
        connection.close()


def wait_until_ready(port: int, process: subprocess.Popen, what: str, path: str = "/__benchmark_ready__") -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise MeasureError(f"{what} exited with status {process.returncode} before it was ready")
        try:
            http_get(port, path)
            return
        except OSError:
            time.sleep(0.2)
    raise MeasureError(f"{what} was not ready on 127.0.0.1:{port} after {READY_TIMEOUT} s")


@contextlib.contextmanager
def serving(command: list[str], *, env: dict, cwd: Path, what: str, log: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    """Run a server (its command's "{port}" replaced by a free port) until the block ends."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as log_file:
        process = subprocess.Popen([part.replace("{port}", str(port)) for part in command], env=env, cwd=cwd,
                                   stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_ready(port, process, what)
            yield port, process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def gunicorn_command(workers: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", "catalogue/gunicorn.py", "catalogue.wsgi:application",
            "--bind", "127.0.0.1:{port}", "--workers", str(workers), "--timeout", str(HTTP_TIMEOUT), "--log-level", "warning"]


def datasette_available() -> bool:
    return importlib.util.find_spec("datasette") is not None


# As the comparison ran it: Datasette's facet suggestions (extra queries per table page) off.
DATASETTE_SETTINGS = ["--setting", "suggest_facets", "off"]


def datasette_command(sqlite_file: Path) -> list[str]:
    return [sys.executable, "-m", "datasette", "serve", "--immutable", str(sqlite_file),
            "--host", "127.0.0.1", "--port", "{port}", *DATASETTE_SETTINGS]
