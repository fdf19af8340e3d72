"""A short, bounded load run over the REST channel: N residents at once for S seconds, each going through short
realistic conversations (a few turns, then a new conversation), each conversation from a loopback address of its own
(a resident with no think time sends faster than the per-address limit allows one person: 2 messages a second after
a burst of 30; on a fast machine one address per simulated resident was refused after about 30 s).

    python bench/scale_load.py http://127.0.0.1:6600 [--users 10] [--seconds 30]

Prints messages per second, latency percentiles, errors, rate-limited answers, and the machine's load (`uptime`).
The base URL is a parameter: the load balancer of `make scale`, or one Rasa server for the single-server figure.
Figures, not assertions: the tests call `run()` and print what it returns.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import threading
import time
import uuid
from pathlib import Path
from typing import Optional

import requests
import yaml
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parent.parent

# Short conversations of the kinds the assistant serves (phrasings of the README, not of the held-out set).
CONVERSATIONS = [
    ["bonjour", "Douai fait partie du BUD ?", "et Cambrai ?", "merci"],
    ["le 59300 est classé ?", "Marles est en BUD ?", "merci"],
    ["mon entreprise peut-elle bénéficier du BUD ?", "elle est a Lievin", "stop"],
    ["où en est la rénovation de la cité Agache ?", "tu es un robot ?"],
    ["j'ai 24 ans et aucun diplôme", "merci"],
    ["le BUD dure combien de temps ?", "et la CFE ?", "au revoir"],
]


class _SourceAddress(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        super().__init__(pool_connections=1, pool_maxsize=1)

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _rate_limited_text() -> str:
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    return responses["utter_rate_limited"][0]["text"]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(base_url: str, users: int = 10, seconds: float = 30.0, seed: int = 7) -> dict:
    """The load run; returns its figures (latencies in seconds)."""
    url = base_url.rstrip("/") + "/webhooks/rest/webhook"
    limited_text = _rate_limited_text()
    latencies: list[float] = []
    errors: list[str] = []
    counts = {"limited": 0, "empty": 0}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def resident(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        turn = index
        while time.monotonic() < stop_at:
            session = requests.Session()  # a new resident: a new address and a new connection
            session.mount("http://", _SourceAddress(
                f"127.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(2, 254)}"))
            sender = f"load-{uuid.uuid4().hex[:12]}"
            for text in CONVERSATIONS[turn % len(CONVERSATIONS)]:
                if time.monotonic() >= stop_at:
                    break
                started = time.monotonic()
                try:
                    answer = session.post(url, json={"sender": sender, "message": text}, timeout=60)
                    elapsed = time.monotonic() - started
                    answer.raise_for_status()
                    messages = answer.json()
                except (requests.RequestException, ValueError) as error:
                    with lock:
                        errors.append(type(error).__name__)
                    continue
                with lock:
                    latencies.append(elapsed)
                    if not messages:
                        counts["empty"] += 1
                    elif any(m.get("text") == limited_text for m in messages):
                        counts["limited"] += 1
            session.close()
            turn += 1

    started = time.monotonic()
    threads = [threading.Thread(target=resident, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 90)
    duration = time.monotonic() - started
    return {
        "base_url": base_url, "users": users, "seconds": round(duration, 1), "messages": len(latencies),
        "per_second": round(len(latencies) / duration, 2) if duration else 0.0,
        "answered_per_second": round((len(latencies) - counts["limited"]) / duration, 2) if duration else 0.0,
        "p50": percentile(latencies, 0.50), "p95": percentile(latencies, 0.95), "p99": percentile(latencies, 0.99),
        "max": max(latencies) if latencies else float("nan"),
        "errors": len(errors), "rate_limited": counts["limited"], "empty": counts["empty"],
        "load_average": os.getloadavg(),
    }


def describe(figures: dict, label: Optional[str] = None) -> str:
    ms = {k: f"{figures[k] * 1000:.0f} ms" for k in ("p50", "p95", "p99", "max") if figures[k] == figures[k]}
    load = ", ".join(f"{x:.2f}" for x in figures["load_average"])
    return (f"{label or figures['base_url']}: {figures['users']} users, {figures['seconds']} s, "
            f"{figures['messages']} messages, {figures['per_second']} msg/s "
            f"({figures['answered_per_second']} answered by the dialogue), p50 {ms.get('p50')}, "
            f"p95 {ms.get('p95')}, p99 {ms.get('p99')}, max {ms.get('max')}, errors {figures['errors']}, "
            f"rate-limited {figures['rate_limited']}, empty {figures['empty']}; load average {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    figures = run(args.base_url, args.users, args.seconds)
    print(describe(figures))
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
