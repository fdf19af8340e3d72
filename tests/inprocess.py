"""The programme-data service in this test process (uvicorn in a thread) on a database of its own, for the test
suites that talk to it over HTTP without starting the whole stack (actions, console)."""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import uvicorn

from assistant.api import create_app
from assistant.settings import PROGRAMME_DIR, Settings

STAFF_TOKEN = "test-staff-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def programme_service(database: Path, staff_token: str = STAFF_TOKEN) -> Iterator[tuple[str, object]]:
    """Serve the programme data from `database` (SQLite) on a free port: yields its base URL and the app's engine."""
    port = free_port()
    settings = Settings(f"sqlite:///{database}", PROGRAMME_DIR, staff_token, "127.0.0.1", port)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the programme-data service did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app.state.programme.engine
    finally:
        server.should_exit = True
        thread.join(timeout=10)
