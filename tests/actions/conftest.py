"""Fixtures for the action tests: the real programme-data service on a free port, hand-built trackers, and small
HTTP servers that misbehave on purpose (slow, hanging, failing)."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

import pytest

from actions.programme_client import ProgrammeClient
from inprocess import free_port, programme_service
from trackers import make_tracker  # noqa: F401  (also imported from here by other action tests)


@pytest.fixture(scope="session")
def served_programme(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """The programme-data service, in-process (uvicorn in a thread) on a temporary SQLite database: its URL and its
    database engine (to set up what only staff do, such as an officer's account)."""
    with programme_service(tmp_path_factory.mktemp("programme") / "programme.db") as served:
        yield served


@pytest.fixture(scope="session")
def programme_url(served_programme) -> str:
    return served_programme[0]


@pytest.fixture
def use_service(monkeypatch) -> Callable[[str], None]:
    """Point the actions' client at a given base URL."""
    def use(url: str) -> None:
        monkeypatch.setattr("actions.bud_commune.client", ProgrammeClient(url))
    return use


@pytest.fixture
def service_up(use_service, programme_url) -> str:
    use_service(programme_url)
    return programme_url


@pytest.fixture
def closed_port_url() -> str:
    """A port nobody listens on: connections are refused."""
    return f"http://127.0.0.1:{free_port()}"


class _Behaviour(BaseHTTPRequestHandler):
    """Answers every GET after `delay` seconds with `status` and `body` (set on the server)."""

    def do_GET(self) -> None:  # noqa: N802
        self.server.hits += 1  # type: ignore[attr-defined]
        time.sleep(self.server.delay)  # type: ignore[attr-defined]
        body = self.server.body  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class FakeService:
    def __init__(self, delay: float = 0.0, status: int = 200, body: bytes = b"{}"):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Behaviour)
        self.server.daemon_threads = True
        self.server.delay, self.server.status, self.server.body, self.server.hits = delay, status, body, 0
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def hits(self) -> int:
        return self.server.hits

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_service() -> Iterator[Callable[..., FakeService]]:
    started: list[FakeService] = []

    def start(**kwargs) -> FakeService:
        service = FakeService(**kwargs)
        started.append(service)
        return service

    yield start
    for service in started:
        service.close()
