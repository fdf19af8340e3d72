"""The programme-data service in-process (uvicorn in a thread) on a fresh database, and a Chromium driven by
Playwright: the officer console as an officer's browser sees it."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from inprocess import programme_service


@pytest.fixture
def console_service(tmp_path) -> Iterator[tuple[str, object]]:
    with programme_service(tmp_path / "programme.db") as (url, engine):
        yield url, engine


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
