"""The programme-data service in-process (uvicorn in a thread) on a fresh database, and a Chromium driven by
Playwright: the officer console as an officer's browser sees it."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import uvicorn

from assistant.api import create_app
from assistant.settings import PROGRAMME_DIR, Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def console_service(tmp_path) -> Iterator[tuple[str, object]]:
    port = _free_port()
    settings = Settings(f"sqlite:///{tmp_path / 'programme.db'}", PROGRAMME_DIR, "test-staff-token", "127.0.0.1", port)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the programme-data service did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app.state.programme.engine
    server.should_exit = True
    thread.join(timeout=10)


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("no Chromium found: install Debian's chromium (apt-get install chromium) or set CHROMIUM=/path")


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
        yield browser
        browser.close()
