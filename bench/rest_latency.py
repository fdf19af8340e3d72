"""REST round-trip latency of a commune question, and the start-up time of the whole assistant.

    make bench                                  # or: .venv/bin/python bench/rest_latency.py [-n 200]

Starts its own stack (programme-data service, action server, Rasa server) on ports of its own with fresh
databases in a temporary directory, like the e2e tests, so it never touches a running assistant. Then it sends N
commune questions (varied communes, spellings and postal codes) one after the other to the REST channel on the
loopback interface, and prints the start-up time and the latency percentiles. See bench/README.md.
"""
from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.stack import Ports, Stack, model_path  # noqa: E402

MAX_QUESTIONS = 2_000
QUESTIONS = [
    "Douai fait partie du BUD ?",
    "bully les mines c'est en zone bud",
    "le 59300 est classé ?",
    "Marles est en BUD ?",
    "lens est en zone bud ?",
    "est ce que lievin est dans le bud",
    "henin beaumont c en bud ?",
    "la bassee c'est en zone bud ?",
    "vicq est en bud ?",
    "cambrai zone bud",
    "st amand les eaux est classé bud ?",
    "le 62300 est en zone bud ?",
    "valenciennes c dans le bud ?",
    "xyzville est en zone bud ?",
    "bruay la buissiere zone bud ?",
    "aulnoy lez valenciennes est en bud ?",
    "62110 zone bud",
    "denain c'est bud ?",
    "carvin est en zone bud",
    "arras est en zone bud ?",
]


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("", port))
            return True
        except OSError:
            return False


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help=f"questions to send (at most {MAX_QUESTIONS})")
    parser.add_argument("--model", type=Path, help="model archive (default: the one for the current training data)")
    parser.add_argument("--ports", default="16080,16055,16005", help="programme,actions,rasa ports")
    args = parser.parse_args()
    n = max(1, min(args.n, MAX_QUESTIONS))
    model = args.model or model_path()
    if not model.exists():
        print(f"No model for the current training data: run `make train` first ({model.name}).", file=sys.stderr)
        return 2
    programme, actions, rasa = (int(p) for p in args.ports.split(","))
    busy = [p for p in (programme, actions, rasa) if not port_free(p)]
    if busy:
        print(f"Ports already in use: {busy}. Choose others with --ports.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-") as var:
        var_dir = Path(var)
        stack = Stack(model, ports=Ports(programme, actions, rasa), var_dir=var_dir,
                      extra_env={"PROGRAMME_DATABASE_URL": f"sqlite:///{var_dir / 'programme.db'}"})
        started = time.monotonic()
        try:
            stack.start(timeout=400)
            startup = time.monotonic() - started
            print(f"start-up: {startup:.1f} s until the three processes answer (model {model.name})", flush=True)
            url = f"http://127.0.0.1:{rasa}/webhooks/rest/webhook"
            session = requests.Session()
            # One warm-up question (first TensorFlow calls), not counted.
            session.post(url, json={"sender": "bench-warmup", "message": QUESTIONS[0]}, timeout=120)
            latencies, errors, sender = [], 0, ""
            for i in range(n):
                if i % 10 == 0:  # a new conversation every 10 questions, so trackers stay short like real ones
                    sender = f"bench-{i // 10}-{uuid.uuid4().hex[:6]}"
                question = QUESTIONS[i % len(QUESTIONS)]
                t0 = time.perf_counter()
                try:
                    response = session.post(url, json={"sender": sender, "message": question}, timeout=60)
                    ok = response.status_code == 200 and bool(response.json())
                except (requests.RequestException, ValueError):
                    ok = False
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += not ok
        finally:
            stack.stop()
    print(f"questions: {n} (sequential, loopback, {len(QUESTIONS)} different phrasings)")
    print(f"latency ms: p50 {percentile(latencies, 50):.0f}  p95 {percentile(latencies, 95):.0f}  "
          f"p99 {percentile(latencies, 99):.0f}  max {max(latencies):.0f}  mean {statistics.mean(latencies):.0f}")
    print(f"errors: {errors} (HTTP error, timeout or empty answer)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
