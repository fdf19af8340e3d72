"""Rasa event broker that feeds the staff insights of the programme-data service.

endpoints.yml:

    event_broker:
      type: rasa_plugins.insights_broker.InsightsEventBroker
      url: ${PROGRAMME_URL}

Rasa calls `publish` with every new event of a conversation when it saves the tracker. The broker keeps only
what the insights need (what was said and understood, which answers and actions followed, a few slots), masks
every text with `rasa_plugins.masking.mask` and replaces the whole message when the bot had just asked for a
name or a contact; then it posts batches to `POST /insights/events` (assistant token) from a thread of its own.
`publish` never blocks and never raises: the queue is bounded, and when it is full or the service does not
answer, events are dropped with a log line (without their content). The chat never waits for insights.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker

from rasa_plugins.masking import NAME, mask

logger = logging.getLogger(__name__)

# Slots the insights read (the rest may hold personal data or are of no use): where, what about, which service.
SLOTS = {"topic", "commune", "postal_code", "bud_commune", "emploi_commune", "emploi_commune_insee", "cite_id",
         "handoff_service_id", "bud_verdict", "requested_slot", "handoff_reference"}
# Slots whose value is only said to be there or not (a reference would link the insights to a request).
PRESENCE_ONLY = {"handoff_reference"}
# When the bot has just asked for one of these, the next message is the person's name or contact: never kept.
PERSONAL_ANSWERS = {"handoff_name": NAME, "handoff_contact": "[contact]"}
ENTITIES = {"commune", "postal_code", "cite"}
MAX_TEXT = 2000


class InsightsEventBroker(EventBroker):
    """Rasa's EventBroker interface: from_endpoint_config, publish, is_ready, close."""

    def __init__(self, url: str, token: str, max_queue: int = 5000, batch: int = 200, timeout: float = 2.0):
        self.endpoint = url.rstrip("/") + "/insights/events"
        self.token = token
        self.batch = batch
        self.timeout = timeout
        self.queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self.dropped = 0
        self._last_warning = 0.0
        self._waiting_for: "OrderedDict[str, Optional[str]]" = OrderedDict()  # sender → requested slot
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="insights-broker", daemon=True)
        self._thread.start()

    @classmethod
    async def from_endpoint_config(cls, broker_config: Any, event_loop: Any = None) -> "InsightsEventBroker":
        kwargs = dict(getattr(broker_config, "kwargs", {}) or {})
        url = getattr(broker_config, "url", None) or os.environ.get("PROGRAMME_URL", "http://127.0.0.1:5080")
        token = os.environ.get("PROGRAMME_ASSISTANT_TOKEN", "dev-assistant-token")
        return cls(url, token, max_queue=int(kwargs.get("max_queue", 5000)))

    # --- Rasa's side: called on the event loop, must be instant ---------------------------------------------------
    def publish(self, event: dict) -> None:
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self._drop(1, "queue full")

    def is_ready(self) -> bool:
        return self._thread.is_alive()

    async def close(self) -> None:
        self._stop.set()

    # --- the broker's thread ---------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                first = self.queue.get(timeout=0.5)
            except queue.Empty:
                continue
            raw = [first]
            deadline = time.monotonic() + 0.2  # gather what the same turn published
            while len(raw) < self.batch and time.monotonic() < deadline:
                try:
                    raw.append(self.queue.get(timeout=0.05))
                except queue.Empty:
                    break
            records = []
            for event in raw:
                try:
                    record = self.record(event)
                except Exception:  # an event of a shape we do not know: skipped, never logged with its content
                    logger.warning("insights: an event could not be read (type %s)", type(event).__name__)
                    continue
                if record is not None:
                    records.append(record)
            if records:
                self._send(records)

    def _send(self, records: list[dict]) -> None:
        body = json.dumps({"events": records}).encode()
        request = urllib.request.Request(self.endpoint, data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                answer.read()
        except (urllib.error.URLError, OSError, ValueError) as error:
            self._drop(len(records), type(error).__name__)

    def _drop(self, count: int, why: str) -> None:
        self.dropped += count
        now = time.monotonic()
        if now - self._last_warning > 60:  # one line a minute at most, whatever the traffic
            logger.warning("insights: %d event(s) dropped so far (%s); the chat is not affected", self.dropped, why)
            self._last_warning = now

    # --- what is kept of one event -----------------------------------------------------------------------------------
    def record(self, event: dict) -> Optional[dict]:
        sender = str(event.get("sender_id") or "")
        kind = event.get("event")
        base = {"conversation": conversation_key(sender), "at": float(event.get("timestamp") or time.time())}
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            waiting = self._waiting_for.get(sender)
            text = str(event.get("text") or "")[:MAX_TEXT]
            if waiting in PERSONAL_ANSWERS:
                return {**base, "type": "user", "text": PERSONAL_ANSWERS[waiting], "intent": intent.get("name"),
                        "confidence": intent.get("confidence"), "entities": [], "personal": True}
            entities = [{"entity": e.get("entity"), "value": mask(str(e.get("value"))[:200])}
                        for e in parse.get("entities") or [] if e.get("entity") in ENTITIES]
            return {**base, "type": "user", "text": mask(text), "intent": intent.get("name"),
                    "confidence": intent.get("confidence"), "entities": entities,
                    "channel": event.get("input_channel")}
        if kind == "bot":
            metadata = event.get("metadata") or {}
            return {**base, "type": "bot", "name": metadata.get("utter_action"),
                    "text": mask(str(event.get("text") or "")[:MAX_TEXT])}
        if kind == "action":
            return {**base, "type": "action", "name": event.get("name")}
        if kind == "active_loop":
            return {**base, "type": "loop", "name": event.get("name")}
        if kind == "slot" and event.get("name") in SLOTS:
            name, value = event["name"], event.get("value")
            if name == "requested_slot":
                self._remember(sender, value)
            if name in PRESENCE_ONLY:
                value = value is not None
            elif isinstance(value, str):
                value = mask(value[:200])
            elif not isinstance(value, (int, float, bool, type(None))):
                value = None
            return {**base, "type": "slot", "name": name, "value": value}
        if kind == "session_started":
            self._remember(sender, None)
            return {**base, "type": "session"}
        if kind in ("restart", "pause", "resume"):
            return {**base, "type": kind}
        return None

    def _remember(self, sender: str, requested: Optional[str]) -> None:
        self._waiting_for[sender] = requested
        self._waiting_for.move_to_end(sender)
        while len(self._waiting_for) > 10_000:
            self._waiting_for.popitem(last=False)


def conversation_key(sender_id: str) -> str:
    """A stable pseudonym of the conversation: the insights never hold Rasa's sender id."""
    return hashlib.sha256(("insights:" + sender_id).encode()).hexdigest()[:24]
