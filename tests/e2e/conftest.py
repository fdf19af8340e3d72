"""The real assistant (programme-data service, action server, Rasa server) started once for the e2e tests, on
ports of its own and with fresh databases in a temporary directory, and a resident who talks to it over REST."""
from __future__ import annotations

import os
import random
import time
import uuid
from typing import Iterator, Optional

import pytest
import requests
from requests.adapters import HTTPAdapter

from assistant.stack import ROOT, Ports, Stack, free_ports

PREFERRED_PORTS = (15080, 15055, 15005)
SCREENSHOTS = ROOT / "docs" / "screenshots"
# ms: a full-page capture of the insights page once took more than the 20 s of the other steps on CI's busy 2 cores
SCREENSHOT_TIMEOUT = 120_000


def save_screenshot(page, name: str, full_page: bool = False) -> None:
    """Writes the page as it looks now to docs/screenshots/<name> (the pictures the README shows)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page, animations="disabled", caret="hide",
                    timeout=SCREENSHOT_TIMEOUT)


@pytest.fixture(scope="session")
def stack(tmp_path_factory, trained_model) -> Iterator[Stack]:
    model = trained_model
    var_dir = tmp_path_factory.mktemp("var")
    stack = Stack(model, ports=Ports(*free_ports(3, PREFERRED_PORTS)), var_dir=var_dir, extra_env={"PROGRAMME_DATABASE_URL": f"sqlite:///{var_dir / 'programme.db'}",
                                                                  # a live hand-off nobody takes turns into a call-back request this soon
                                                                  "HANDOFF_LIVE_TIMEOUT_SECONDS": "30"})
    started = time.monotonic()
    try:
        stack.start(timeout=400)
    except Exception:
        stack.stop()
        raise
    print(f"\ne2e stack ready in {time.monotonic() - started:.0f} s on ports {stack.ports} (logs: {var_dir / 'logs'})")
    yield stack
    stack.stop()


class _SourceAddress(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def loopback_address() -> str:
    """A loopback address of its own (127.0.0.0/8): the server's per-address rate limit sees one client each."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


class Resident:
    """One conversation over the REST channel, from a client address of its own (or `address`)."""

    def __init__(self, stack: Stack, address: Optional[str] = None, sender: Optional[str] = None):
        self.url = f"http://127.0.0.1:{stack.ports.rasa}/webhooks/rest/webhook"
        self.sender = sender or f"e2e-{uuid.uuid4().hex[:10]}"
        self.address = address or loopback_address()
        self.session = requests.Session()
        self.session.mount("http://", _SourceAddress(self.address))

    def say(self, text: str) -> list[dict]:
        response = self.session.post(self.url, json={"sender": self.sender, "message": text}, timeout=120)
        response.raise_for_status()
        return response.json()

    def ask(self, text: str) -> str:
        """What the resident reads, as one text (button titles included)."""
        messages = self.say(text)
        assert messages, f"no answer to {text!r}"
        lines = []
        for message in messages:
            lines.append(message.get("text", ""))
            lines += [f"[{b['title']}]" for b in message.get("buttons", [])]
        return "\n".join(lines)


@pytest.fixture
def resident(stack) -> Resident:
    return Resident(stack)


def rasa_rss_mb(stack: Stack) -> float:
    """Resident memory of the Rasa server's processes (its process group), in MB."""
    return stack.memory_mb()["rasa"]


@pytest.fixture
def restart_rasa(stack):
    """Stops the Rasa server, runs what the test does meanwhile, starts it again on the same port (same tracker
    store): `with restart_rasa(): ...`. The server is running again after the test whatever happens."""
    import contextlib

    @contextlib.contextmanager
    def restart():
        stack.stop("rasa")
        try:
            yield
        finally:
            stack.start(["rasa"], timeout=400)

    yield restart
    if "rasa" not in stack.processes:
        stack.start(["rasa"], timeout=400)


# --- a real browser: Debian's chromium (scripts/browser.sh installs it), driven by Playwright -----------------

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags, Chromium's own connections are refused on these machines.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module: Playwright's sync API holds an event loop while it runs, which later tests
    that run their own loop (NLU evaluation) must not find."""
    import os

    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/browser.sh (scripts/test.sh does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium):
    """Opens browser contexts (a fresh profile each: its own localStorage); all closed after the test."""
    contexts = []

    def open_context(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "fr-FR")
        context = chromium.new_context(**options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def chat_url(stack) -> str:
    return f"http://127.0.0.1:{stack.ports.rasa}/chat/"
